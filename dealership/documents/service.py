"""Printing a customer document: the object is read as its page reads it (who may open it may
print it); its body is rendered and fingerprinted; an unchanged body gives the version printed
before (the same file), a changed one the next version, rendered to PDF and kept."""

from __future__ import annotations

import hashlib
import logging

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from dealership.access import get_object_for_user
from dealership.audit import audit_record, snapshot
from dealership.documents.models import PrintedDocument
from dealership.documents.registry import DocumentKind, document_kind
from dealership.figures import local_today
from dealership.models import AuditEntry, Dealership
from dealership.tenancy import system_context

logger = logging.getLogger(__name__)
FIELDS = ["kind", "object_id", "version", "number", "fingerprint"]


def document_object(user, key: str, pk) -> tuple[DocumentKind, object]:
    """The kind and the object, read through the chokepoint: 404 outside the viewer's rows (or
    an unknown kind), 403 for a model the viewer may not open at all."""
    kind = document_kind(key)
    if kind is None:
        raise Http404(_("Not found."))
    return kind, get_object_for_user(user, kind.model, kind.action, kind.base(), pk=pk)


def _body(kind: DocumentKind, obj) -> str:
    with translation.override("zh-hans"):
        return render_to_string(kind.template, {"object": obj, **kind.context(obj)})


def versions(kind: DocumentKind, obj):
    with system_context():
        return list(
            PrintedDocument.objects.filter(
                dealership_id=obj.dealership_id, kind=kind.key, object_id=str(obj.pk)
            ).select_related("printed_by")
        )


def document_print(*, user, key: str, pk) -> PrintedDocument:
    """The document of object ``pk`` of kind ``key`` as printed now: the latest version when the
    body has not changed since, else a new version. A print is recorded whoever prints (HQ
    reads only): the row is written in the system scope, for the object's dealership."""
    kind, obj = document_object(user, key, pk)
    body = _body(kind, obj)
    fingerprint = hashlib.sha256(body.encode("utf-8")).hexdigest()
    for _attempt in range(3):
        with system_context():
            latest = (
                PrintedDocument.objects.filter(
                    dealership_id=obj.dealership_id, kind=key, object_id=str(obj.pk)
                )
                .order_by("-version")
                .first()
            )
        if latest is not None and latest.fingerprint == fingerprint:
            return latest
        version = (latest.version if latest else 0) + 1
        try:
            return _keep(kind, obj, body, fingerprint, version, user)
        except IntegrityError:  # another print took this version: look again
            continue
    raise RuntimeError(f"Could not number a print of {key} {pk}")


def logo_data_uri(dealership) -> str:
    """The dealership's logo as a ``data:`` URI for the PDF ("" without one, or unreadable)."""
    import base64
    import mimetypes

    if not dealership.logo:
        return ""
    try:
        with dealership.logo.open("rb") as image:
            content = image.read()
    except (FileNotFoundError, ValueError, OSError):
        logger.warning("The logo of %s cannot be read", dealership.code)
        return ""
    mime = mimetypes.guess_type(dealership.logo.name)[0] or "image/png"
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


def page_html(kind: DocumentKind, obj, body: str, version: int, user) -> str:
    """The whole page: the dealership's heading (logo, name, address), the number, version,
    date and issuer, the body, the stamp area."""
    dealership = Dealership.objects.select_related("brand").get(pk=obj.dealership_id)
    with translation.override("zh-hans"):
        return render_to_string(
            "documents/page.html",
            {
                "body": body,
                "title": kind.title,
                "dealership": dealership,
                "logo": logo_data_uri(dealership),
                "number": kind.number(obj),
                "version": version,
                "day": local_today(dealership),
                "printed_by": user,
            },
        )


def _keep(kind, obj, body, fingerprint, version, user) -> PrintedDocument:
    from weasyprint import HTML

    number = kind.number(obj)
    pdf = HTML(string=page_html(kind, obj, body, version, user), base_url=None).write_pdf()
    with system_context():
        doc = PrintedDocument(
            dealership_id=obj.dealership_id,
            kind=kind.key,
            object_id=str(obj.pk),
            version=version,
            number=number,
            fingerprint=fingerprint,
            printed_by=user if getattr(user, "pk", None) else None,
        )
        doc.file.save(f"{kind.key}-{obj.pk}-v{version}.pdf", ContentFile(pdf), save=False)
        try:
            with transaction.atomic():
                doc.save()
                audit_record(
                    actor=user,
                    action=AuditEntry.Action.CREATE,
                    obj=doc,
                    before=None,
                    after=snapshot(doc, FIELDS),
                )
        except IntegrityError:
            doc.file.delete(save=False)
            raise
    logger.info("Printed %s %s version %s", kind.key, obj.pk, version)
    return doc
