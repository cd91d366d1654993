"""Factories of the customer-service desk, the thank-you letters and the customer tiers
(merged into ``tests.crm.factories.FACTORIES``): rows whose foreign keys must stay in their
dealership (a department, a customer event) or whose rank and code are unique."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from dealership.tenancy import dealership_context

_serial = itertools.count(1)


def _customer(dealership):
    from model_bakery import baker

    from crm.models import Customer

    return baker.make(Customer, dealership=dealership, name="感谢信客户", street="解放大道 1 号")


def factories() -> dict:
    def enquiry(*, dealership, **fields):
        from django.utils import timezone

        from crm.models import Enquiry

        with dealership_context(dealership):
            return Enquiry.objects.create(
                dealership=dealership,
                channel=fields.pop("channel", "phone"),
                topic=fields.pop("topic", "booking"),
                question=fields.pop("question", "能预约保养吗？"),
                received_at=fields.pop("received_at", timezone.now()),
                **fields,
            )

    def proposal(*, dealership, **fields):
        from crm.models import ImprovementProposal
        from org.models import Department

        with dealership_context(dealership):
            return ImprovementProposal.objects.create(
                dealership=dealership,
                source=fields.pop("source", "other"),
                subject=fields.pop("subject", "延长周末营业时间"),
                feedback=fields.pop("feedback", "客户希望周日也能保养。"),
                department=fields.pop("department", None)
                or Department.objects.get(code="aftersales"),
                answer_by=fields.pop("answer_by", dt.date.today() + dt.timedelta(days=7)),
                **fields,
            )

    def event(dealership, customer, kind="sales"):
        from model_bakery import baker

        from crm.models import CustomerEvent

        return baker.make(
            CustomerEvent,
            dealership=dealership,
            kind=kind,
            customer=customer,
            vehicle=None,
            staff=None,
            occurred_on=dt.date.today() - dt.timedelta(days=1),
            source_type="tests.letter",
            source_id=next(_serial) + 10_000_000,
        )

    def letter(*, dealership, **fields):
        from crm.models import ThankYouLetter

        with dealership_context(dealership):
            customer = fields.pop("customer", None) or _customer(dealership)
            source = fields.pop("event", None) or event(dealership, customer)
            return ThankYouLetter.objects.create(
                dealership=dealership,
                kind=source.kind,
                event=source,
                customer=customer,
                addressee=customer.name,
                body=fields.pop("body", "尊敬的客户：感谢您。"),
                **fields,
            )

    def tier(*, dealership, **fields):
        from crm.models import CustomerTier

        n = next(_serial)
        with dealership_context(dealership):
            return CustomerTier.objects.create(
                dealership=dealership,
                code=fields.pop("code", f"tier{n}"),
                name_zh=fields.pop("name_zh", f"等级{n}"),
                rank=fields.pop("rank", 10 + n % 80),
                min_spending=fields.pop("min_spending", Decimal("50000.00")),
                **fields,
            )

    def standing(*, dealership, **fields):
        from crm.models import CustomerStanding

        with dealership_context(dealership):
            return CustomerStanding.objects.create(
                dealership=dealership,
                customer=fields.pop("customer", None) or _customer(dealership),
                spending=fields.pop("spending", Decimal("0.00")),
                computed_on=fields.pop("computed_on", dt.date.today()),
                **fields,
            )

    return {
        "Enquiry": enquiry,
        "ImprovementProposal": proposal,
        "ThankYouLetter": letter,
        "CustomerTier": tier,
        "CustomerStanding": standing,
    }
