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


def _survey_factories() -> dict:
    """Questionnaire: a new version of its kind, not in use (one active per kind is a
    constraint and the dealership already has its default ones); Question: the next position of
    such a questionnaire; SurveyResponse: a call survey of a fresh follow-up; SurveyAnswer: a
    score answer of such a survey."""
    from django.db.models import Max
    from django.utils import timezone

    from dealership.tenancy import dealership_context

    def questionnaire(*, dealership, **fields):
        from crm.models import Questionnaire

        with dealership_context(dealership):
            kind = fields.pop("kind", "sales")
            latest = Questionnaire.objects.filter(kind=kind).aggregate(v=Max("version"))["v"]
            return Questionnaire.objects.create(
                dealership=dealership,
                kind=kind,
                version=(latest or 0) + 1,
                title=fields.pop("title", "测试问卷"),
                is_active=False,
                **fields,
            )

    def question(*, dealership, **fields):
        from crm.models import Question

        parent = fields.pop("questionnaire", None) or questionnaire(dealership=dealership)
        with dealership_context(dealership):
            latest = parent.questions.aggregate(p=Max("position"))["p"]
            return Question.objects.create(
                dealership=dealership,
                questionnaire=parent,
                position=(latest or 0) + 1,
                text=fields.pop("text", "您对服务是否满意？"),
                kind=fields.pop("kind", "score"),
                **fields,
            )

    def response(*, dealership, **fields):
        from crm.models import SurveyResponse
        from tests.factories import UserFactory

        source = FACTORIES["FollowUp"](dealership=dealership)
        asked = question(dealership=dealership)
        with dealership_context(dealership):
            return SurveyResponse.objects.create(
                dealership=dealership,
                followup=source,
                questionnaire=asked.questionnaire,
                channel=fields.pop("channel", "call"),
                taken_at=timezone.now(),
                taken_by=fields.pop("taken_by", None) or UserFactory(),
                score=8,
                **fields,
            )

    def answer(*, dealership, **fields):
        from crm.models import SurveyAnswer

        survey = fields.pop("response", None) or response(dealership=dealership)
        with dealership_context(dealership):
            asked = survey.questionnaire.questions.order_by("position").first()
            return SurveyAnswer.objects.create(
                dealership=dealership,
                response=survey,
                question=asked,
                question_text=asked.text,
                score=8,
                **fields,
            )

    return {
        "Questionnaire": questionnaire,
        "Question": question,
        "SurveyResponse": response,
        "SurveyAnswer": answer,
    }


FACTORIES.update(_survey_factories())


def _intelligence_factories() -> dict:
    """CompetitorObservation: a price and a day that has come; AdvertisingSpend: a period that
    does not end before it starts (check constraints baker's random values may break)."""
    import datetime as dt
    from decimal import Decimal

    from dealership.tenancy import dealership_context

    def observation(*, dealership, **fields):
        from crm.models import CompetitorObservation

        with dealership_context(dealership):
            return CompetitorObservation.objects.create(
                dealership=dealership,
                brand=fields.pop("brand", "比亚迪"),
                model=fields.pop("model", "秦PLUS"),
                price=fields.pop("price", Decimal("99800.00")),
                observed_on=fields.pop("observed_on", dt.date(2026, 10, 12)),
                **fields,
            )

    def spend(*, dealership, **fields):
        from crm.models import AdvertisingSpend

        with dealership_context(dealership):
            return AdvertisingSpend.objects.create(
                dealership=dealership,
                channel=fields.pop("channel", "auto_portal"),
                description=fields.pop("description", "汽车之家 10月置顶"),
                period_start=fields.pop("period_start", dt.date(2026, 10, 1)),
                period_end=fields.pop("period_end", dt.date(2026, 10, 31)),
                cost=fields.pop("cost", Decimal("12000.00")),
                leads_attributed=fields.pop("leads_attributed", 30),
                **fields,
            )

    return {"CompetitorObservation": observation, "AdvertisingSpend": spend}


FACTORIES.update(_intelligence_factories())


def _desk_factories() -> dict:
    """Enquiries, improvement proposals, thank-you letters, customer tiers and standings."""
    from tests.crm.factories_desk import factories

    return factories()


FACTORIES.update(_desk_factories())


def _marketing_factories() -> dict:
    """Marketing: an event proposal starting in a week (its end after its start: a check
    constraint), an approved one for invitations and evidence; an advertising plan for next
    month (one per month: a constraint) and its line; a competitor advertisement."""
    import datetime as dt
    from decimal import Decimal

    from django.core.files.base import ContentFile
    from django.utils import timezone
    from model_bakery import baker

    from dealership.tenancy import dealership_context

    def _user(dealership):
        from tests.factories import UserFactory, hire

        user = UserFactory()
        hire(user, dealership, "marketing_specialist")
        return user

    def event(*, dealership, **fields):
        from crm.models import MarketingEvent

        start = timezone.now() + dt.timedelta(days=7)
        with dealership_context(dealership):
            return MarketingEvent.objects.create(
                dealership=dealership,
                theme=fields.pop("theme", "周末试驾会"),
                purpose="提升到店量",
                starts_at=fields.pop("starts_at", start),
                ends_at=fields.pop("ends_at", start + dt.timedelta(hours=4)),
                place="展厅",
                audience="意向客户",
                budget=Decimal("5000.00"),
                expected_effect="到店50批",
                state=fields.pop("state", "approved"),
                created_by=fields.pop("created_by", None) or _user(dealership),
                **fields,
            )

    def plan(*, dealership, **fields):
        from crm.models import AdvertisingPlan

        with dealership_context(dealership):
            taken = set(AdvertisingPlan.objects.values_list("month", flat=True))
            month = (timezone.localdate().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
            while month in taken:
                month = (month + dt.timedelta(days=32)).replace(day=1)
            return AdvertisingPlan.objects.create(
                dealership=dealership,
                month=fields.pop("month", month),
                title=fields.pop("title", "下月广告计划"),
                created_by=fields.pop("created_by", None) or _user(dealership),
                **fields,
            )

    def line(*, dealership, **fields):
        from crm.models import AdvertisingPlanLine

        source = fields.pop("plan", None) or plan(dealership=dealership)
        with dealership_context(dealership):
            return AdvertisingPlanLine.objects.create(
                dealership=dealership,
                plan=source,
                channel="auto_portal",
                description="汽车之家置顶",
                starts_on=source.month,
                ends_on=source.month + dt.timedelta(days=6),
                cost=Decimal("8000.00"),
                **fields,
            )

    def invitation(*, dealership, **fields):
        from crm.models import Customer, EventInvitation

        source = fields.pop("event", None) or event(dealership=dealership)
        with dealership_context(dealership):
            customer = fields.pop("customer", None) or baker.make(
                Customer, dealership=dealership, name="受邀客户"
            )
            return EventInvitation.objects.create(
                dealership=dealership,
                event=source,
                customer=customer,
                invited_by=fields.pop("invited_by", None) or source.created_by,
                **fields,
            )

    def evidence(*, dealership, **fields):
        from crm.models import EventEvidence

        source = fields.pop("event", None) or event(dealership=dealership)
        with dealership_context(dealership):
            row = EventEvidence(
                dealership=dealership,
                event=source,
                kind="invoice",
                name="invoice.pdf",
                content_type="application/pdf",
                size=8,
                uploaded_by=source.created_by,
                **fields,
            )
            row.file.save("x.pdf", ContentFile(b"%PDF-1.4"), save=False)
            row.save()
            return row

    def competitor_ad(*, dealership, **fields):
        from crm.models import CompetitorAd

        with dealership_context(dealership):
            return CompetitorAd.objects.create(
                dealership=dealership,
                brand=fields.pop("brand", "比亚迪"),
                channel=fields.pop("channel", "newspaper"),
                medium=fields.pop("medium", "广州日报"),
                published_on=fields.pop("published_on", dt.date(2026, 10, 12)),
                cost_estimate=fields.pop("cost_estimate", Decimal("30000.00")),
                **fields,
            )

    return {
        "MarketingEvent": event,
        "AdvertisingPlan": plan,
        "AdvertisingPlanLine": line,
        "EventInvitation": invitation,
        "EventEvidence": evidence,
        "CompetitorAd": competitor_ad,
    }


FACTORIES.update(_marketing_factories())


def _target_factories() -> dict:
    """DataCheck: the day-N+1 check of a follow-up; SatisfactionTarget: a month's SSI target
    (the first of a month, one per kind and month); SatisfactionAction: an item of it."""
    import datetime as dt
    import itertools

    from dealership.tenancy import dealership_context

    months = itertools.count(1)

    def data_check(*, dealership, **fields):
        from crm.models import DataCheck

        source = FACTORIES["FollowUp"](dealership=dealership)
        with dealership_context(dealership):
            return DataCheck.objects.create(
                dealership=dealership,
                followup=source,
                customer=source.customer,
                kind=source.kind,
                event_date=source.event_date,
                listed_on=source.event_date + dt.timedelta(days=1),
                **fields,
            )

    def target(*, dealership, **fields):
        from crm.models import SatisfactionTarget

        n = next(months)
        with dealership_context(dealership):
            return SatisfactionTarget.objects.create(
                dealership=dealership,
                kind=fields.pop("kind", "sales"),
                month=fields.pop("month", dt.date(2000 + n // 12, n % 12 + 1, 1)),
                target_score=fields.pop("target_score", 9),
                **fields,
            )

    def action(*, dealership, **fields):
        from model_bakery import baker

        from crm.models import SatisfactionAction
        from dealership.models import User

        parent = fields.pop("target", None) or target(dealership=dealership)
        with dealership_context(dealership):
            return SatisfactionAction.objects.create(
                dealership=dealership,
                target=parent,
                title=fields.pop("title", "满意度改进"),
                owner=fields.pop("owner", None) or baker.make(User),
                due_on=fields.pop("due_on", parent.month + dt.timedelta(days=20)),
                **fields,
            )

    return {"DataCheck": data_check, "SatisfactionTarget": target, "SatisfactionAction": action}


FACTORIES.update(_target_factories())
