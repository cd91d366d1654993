"""Factories of crm models that baker cannot build (constraints, consistent foreign keys),
merged into ``tests.factories.TENANT_FACTORIES`` for the generated isolation tests. Each area
appends its own entries to ``FACTORIES``."""

from __future__ import annotations

FACTORIES: dict = {}


def _followup_factories() -> dict:
    """FollowUp: a window consistent with day N (a check constraint), on today's call list
    (due); ContactCheck: an open check of such a follow-up, for its customer."""
    import datetime as dt

    from model_bakery import baker

    from dealership.tenancy import dealership_context

    def followup(*, dealership, **fields):
        from django.utils import timezone

        from crm.models import Customer, CustomerEvent, FollowUp

        today = timezone.localdate()
        with dealership_context(dealership):
            customer = fields.pop("customer", None) or baker.make(
                Customer, dealership=dealership, name="回访客户", consent_call=True
            )
            event = baker.make(
                CustomerEvent,
                dealership=dealership,
                kind="sales",
                customer=customer,
                vehicle=None,
                staff=None,
                occurred_on=today - dt.timedelta(days=3),
            )
            return FollowUp.objects.create(
                dealership=dealership,
                event=event,
                kind=event.kind,
                customer=customer,
                event_date=event.occurred_on,
                window_start=today,
                window_end=today + dt.timedelta(days=2),
                status="due",
                published_on=today,
                **fields,
            )

    def contact_check(*, dealership, **fields):
        from django.utils import timezone

        from crm.models import ContactCheck

        source = followup(dealership=dealership)
        today = timezone.localdate()
        monday = today - dt.timedelta(days=today.weekday())
        with dealership_context(dealership):
            return ContactCheck.objects.create(
                dealership=dealership,
                followup=source,
                customer=source.customer,
                week=monday,
                due_on=monday + dt.timedelta(days=3),
                **fields,
            )

    return {"FollowUp": followup, "ContactCheck": contact_check}


FACTORIES.update(_followup_factories())
