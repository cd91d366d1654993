"""Factories of org models that baker cannot build well, merged into
``tests.factories.TENANT_FACTORIES`` for the generated isolation tests."""

from __future__ import annotations

FACTORIES: dict = {}


def _notice(*, dealership, **fields):
    """A notice with a PDF attached (so its file route has something to serve)."""
    import datetime as dt

    from django.core.files.base import ContentFile

    from dealership.models import User
    from dealership.tenancy import dealership_context
    from org.office.models import Notice

    registrar = User.objects.filter(memberships__dealership=dealership).order_by("pk").first()
    with dealership_context(dealership):
        notice = Notice(
            dealership=dealership,
            number=fields.pop("number", f"F-{Notice.objects.count() + 1}"),
            title="测试通知",
            kind="oem_notice",
            issued_on=dt.date(2026, 11, 2),
            registered_by=registrar,
            attachment_name="notice.pdf",
            attachment_type="application/pdf",
            **fields,
        )
        notice.attachment.save("notice.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
        notice.save()
        return notice


FACTORIES["Notice"] = _notice
