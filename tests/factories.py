"""factory-boy factories. Tenant-owned rows are created inside their dealership's scope."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from dealership.models import (
    AuditEntry,
    Brand,
    DealerGroup,
    Dealership,
    Delivery,
    GroupMembership,
    JobRun,
    Membership,
    Notification,
    OemSubmission,
    ReportRun,
    User,
    WeComRobot,
)
from dealership.tenancy import dealership_context, system_context

PASSWORD = "correct horse battery staple"


class BrandFactory(DjangoModelFactory):
    class Meta:
        model = Brand
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"brand-{n}")
    name_zh = factory.Sequence(lambda n: f"品牌{n}")
    name_en = factory.Sequence(lambda n: f"Brand {n}")


class DealerGroupFactory(DjangoModelFactory):
    class Meta:
        model = DealerGroup
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"group-{n}")
    name_zh = factory.Sequence(lambda n: f"集团{n}")
    name_en = factory.Sequence(lambda n: f"Group {n}")


class DealershipFactory(DjangoModelFactory):
    class Meta:
        model = Dealership
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dealer-{n}")
    login_prefix = factory.LazyAttribute(lambda d: "d" + "".join(c for c in d.code if c.isalnum()))
    name_zh = factory.Sequence(lambda n: f"测试4S店{n}")
    name_en = factory.Sequence(lambda n: f"Test Dealership {n}")
    brand = factory.SubFactory(BrandFactory)
    group = factory.SubFactory(DealerGroupFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from dealership.services import dealership_initialize

        with system_context():
            dealership = super()._create(model_class, *args, **kwargs)
        dealership_initialize(dealership=dealership)  # the org chart template, as in production
        return dealership


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"员工{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    dealership = factory.SubFactory(DealershipFactory)


class GroupMembershipFactory(DjangoModelFactory):
    class Meta:
        model = GroupMembership

    user = factory.SubFactory(UserFactory)
    group = factory.SubFactory(DealerGroupFactory)


class TenantFactory(DjangoModelFactory):
    """Base for tenant-owned models: ``create`` runs inside the row's dealership scope."""

    class Meta:
        abstract = True

    dealership = factory.SubFactory(DealershipFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with dealership_context(kwargs["dealership"]):
            return super()._create(model_class, *args, **kwargs)


class JobRunFactory(TenantFactory):
    class Meta:
        model = JobRun

    job = factory.Sequence(lambda n: f"test.job_{n}")
    run_date = factory.Faker("date_this_year")


class ReportRunFactory(TenantFactory):
    """A finished run of a report of the CRM department (its readers: the CRM team, GM)."""

    class Meta:
        model = ReportRun

    report = factory.Sequence(lambda n: f"test.report_{n}")
    department_code = "crm"
    period_kind = "month"
    period_key = "2026-09"
    period_start = dt.date(2026, 9, 1)
    period_end = dt.date(2026, 9, 30)
    status = "done"


class OemSubmissionFactory(TenantFactory):
    class Meta:
        model = OemSubmission

    run = factory.LazyAttribute(lambda o: ReportRunFactory(dealership=o.dealership))
    idempotency_key = factory.Sequence(lambda n: f"test:key:{n}")
    state = "sent"
    receipt = factory.Sequence(lambda n: f"R{n:06d}")


class AuditEntryFactory(TenantFactory):
    """An entry about the org chart: its dealership's GM (``org.view_audit``) reads it."""

    class Meta:
        model = AuditEntry

    action = AuditEntry.Action.UPDATE
    object_type = "org.Department"
    object_id = "0"
    object_repr = factory.Sequence(lambda n: f"test entry {n}")


def _first_member(dealership):
    """The dealership's first member (in the cast: its GM), to receive a test notification."""
    from dealership.models import Membership

    membership = Membership.objects.filter(dealership=dealership).order_by("pk").first()
    return membership.user if membership else UserFactory()


class NotificationFactory(TenantFactory):
    """A notification for the dealership's first member (the cast's GM reads their own)."""

    class Meta:
        model = Notification

    recipient = factory.LazyAttribute(lambda o: _first_member(o.dealership))
    kind = "platform.job_failed"
    key = factory.Sequence(lambda n: f"test:{n}")
    subject_zh = factory.Sequence(lambda n: f"测试通知 {n}")
    subject_en = factory.Sequence(lambda n: f"Test notification {n}")


class WeComRobotFactory(TenantFactory):
    class Meta:
        model = WeComRobot

    name = factory.Sequence(lambda n: f"Robot {n}")
    webhook_url = factory.Sequence(
        lambda n: f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=test-{n}"
    )
    audience = factory.Sequence(lambda n: f"test:{n}")


class DeliveryFactory(TenantFactory):
    """A failed e-mail (so it may be sent again)."""

    class Meta:
        model = Delivery

    channel = Delivery.Channel.EMAIL
    dedupe_key = factory.Sequence(lambda n: f"test:{n}")
    address = "someone@example.com"
    subject = factory.Sequence(lambda n: f"Test message {n}")
    state = Delivery.State.FAILED
    attempts = 5


# --- the approval engine (org/approvals): rows whose constraints baker's random values break ----

PNG_BYTES = (  # a real 2×2 PNG, so a preview shows
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x02\x08\x02\x00\x00\x00"
    b"\xfd\xd4\x9as\x00\x00\x00\x16IDATx\x9cc<!'\xc7\xc0\xc0\xc0\xc4\xc0\xc0\xc0\xc0\xc0\x00\x00"
    b"\r\x04\x01\x08}q\xcaf\x00\x00\x00\x00IEND\xaeB`\x82"
)


def make_approval_request(*, dealership, requester=None, **fields):
    """A draft request of the dealership's first department, by ``requester`` (a new user)."""
    from decimal import Decimal

    from org.models import ApprovalRequest, Department

    with dealership_context(dealership):
        department = Department.objects.filter(dealership=dealership).order_by("pk").first()
        if department is None:
            department = Department.objects.create(dealership=dealership, code="d1", name_zh="部门")
        return ApprovalRequest.objects.create(
            dealership=dealership,
            kind=fields.pop("kind", "test.kind"),
            subject=fields.pop("subject", "测试申请"),
            requester=requester or UserFactory(),
            department=department,
            amount=fields.pop("amount", Decimal("100.00")),
            **fields,
        )


def make_step_approver(*, dealership):
    from org.models import ApprovalStep, StepApprover

    request = make_approval_request(dealership=dealership)
    with dealership_context(dealership):
        step = ApprovalStep.objects.create(
            dealership=dealership,
            request=request,
            round=1,
            order=1,
            label="测试",
            approver_type="position",
        )
        return StepApprover.objects.create(dealership=dealership, step=step, user=UserFactory())


def make_delegation(*, dealership):
    import datetime as dt

    from org.models import Delegation

    with dealership_context(dealership):
        return Delegation.objects.create(
            dealership=dealership,
            delegator=UserFactory(),
            delegate=UserFactory(),
            start=dt.date(2026, 1, 1),
            end=dt.date(2026, 1, 31),
        )


def make_attachment(*, dealership):
    """A real (tiny PNG) file on disk, so the permission-checked view can serve it."""
    from django.core.files.base import ContentFile

    from org.models import Attachment

    request = make_approval_request(dealership=dealership)
    with dealership_context(dealership):
        attachment = Attachment(
            dealership=dealership,
            request=request,
            purpose="invoice",
            name="invoice.png",
            content_type="image/png",
            size=len(PNG_BYTES),
            uploaded_by=request.requester,
        )
        attachment.file.save("invoice.png", ContentFile(PNG_BYTES), save=False)
        attachment.save()
        return attachment


def _approval_factories() -> dict:
    from org.models import ApprovalRequest, Attachment, Delegation, StepApprover

    return {
        ApprovalRequest: make_approval_request,
        Attachment: make_attachment,
        Delegation: make_delegation,
        StepApprover: make_step_approver,
    }


# Tenant models with a hand-written factory; the generic isolation test builds the others itself.
TENANT_FACTORIES: dict[type, type[TenantFactory]] = {
    AuditEntry: AuditEntryFactory,
    Delivery: DeliveryFactory,
    JobRun: JobRunFactory,
    OemSubmission: OemSubmissionFactory,
    ReportRun: ReportRunFactory,
    Notification: NotificationFactory,
    WeComRobot: WeComRobotFactory,
    **_approval_factories(),
}


def hire(user, dealership, *position_codes: str, employee_no: str | None = None, phone: str = ""):
    """Employ ``user`` in ``dealership`` in the given template positions (adding them to an
    existing employment) through the org services, as system code: the same rules and audit
    as a hire by a person."""
    import datetime as dt

    from dealership.actors import SYSTEM
    from org import services
    from org.models import Position, StaffMember

    with dealership_context(dealership):
        positions = [Position.objects.get(code=code) for code in position_codes]
        staff = StaffMember.objects.filter(user=user).first()
        if staff is None:
            return services.staff_hire(
                actor=SYSTEM,
                user=user,
                employee_no=employee_no or f"E{user.pk:05d}",
                phone=phone,
                start_date=dt.date(2025, 1, 1),
                positions=positions,
            )
        held = [a.position for a in staff.assignments.select_related("position")]
        wanted = held + [p for p in positions if p not in held]
        return services.staff_update(
            actor=SYSTEM, staff_id=staff.pk, positions=wanted, primary=wanted[0]
        )


# --- finance ------------------------------------------------------------------------------------


def _finance_request(dealership, kind: str, amount="100.00"):
    """A draft approval request of ``kind`` by the dealership's first member (in the cast: its
    GM), in the department of their primary position."""
    from decimal import Decimal

    from org.approvals.models import ApprovalRequest
    from org.models import Department, PositionAssignment

    user = _first_member(dealership)
    with dealership_context(dealership):
        assignment = (
            PositionAssignment.objects.filter(staff__user=user)
            .select_related("position")
            .order_by("-is_primary", "pk")
            .first()
        )
        department_id = (
            assignment.position.department_id
            if assignment
            else Department.objects.order_by("pk").values_list("pk", flat=True).first()
        )
        if department_id is None:
            department_id = Department.objects.create(
                dealership=dealership, code="finance-test", name_zh="测试部门"
            ).pk
        return ApprovalRequest.objects.create(
            dealership=dealership,
            kind=kind,
            subject=f"test {kind}",
            requester=user,
            requester_position=assignment.position if assignment else None,
            department_id=department_id,
            amount=Decimal(amount) if amount else None,
        )


def _finance_factory(model_name: str, kind: str, **fields):
    from django.apps import apps

    attrs = {
        "Meta": type("Meta", (), {"model": apps.get_model("finance", model_name)}),
        "request": factory.LazyAttribute(lambda o: _finance_request(o.dealership, kind)),
        **fields,
    }
    return type(f"{model_name}Factory", (TenantFactory,), attrs)


def _first_department(dealership):
    from org.models import Department

    with dealership_context(dealership):
        return Department.objects.order_by("pk").first()


GeneralRequestFactory = _finance_factory("GeneralRequest", "finance.general_request")
ContractApprovalFactory = _finance_factory(
    "ContractApproval", "finance.contract_approval", counterparty="测试公司"
)
ContractStampingFactory = _finance_factory(
    "ContractStamping", "finance.contract_stamping", counterparty="测试公司"
)
PaymentFactory = _finance_factory(
    "Payment",
    "finance.payment",
    payee="测试收款人",
    bank_name="测试银行",
    bank_account="6222000011112222",
    category="office",
)
CashAdvanceFactory = _finance_factory("CashAdvance", "finance.cash_advance")
ReimbursementFactory = _finance_factory(
    "Reimbursement", "finance.reimbursement", type="expense", category="travel"
)
PromoOrderFactory = _finance_factory(
    "PromoOrder", "finance.promo_order", supplier="测试供应商", items="雨伞 10 把"
)
PromoReimbursementFactory = _finance_factory(
    "PromoReimbursement",
    "finance.promo_reimbursement",
    promo_order=factory.SubFactory(
        PromoOrderFactory, dealership=factory.SelfAttribute("..dealership")
    ),
)
BudgetFactory = _finance_factory(
    "Budget",
    "finance.budget",
    department=factory.LazyAttribute(lambda o: _first_department(o.dealership)),
    year=2025,
    period="year",
    number=0,
    category="advertising",
    amount="10000.00",
)

AdClaimFactory = _finance_factory(
    "AdClaim",
    "finance.ad_claim",
    campaign="测试广告",
    medium="newspaper",
    published_from=dt.date(2026, 10, 1),
    published_until=dt.date(2026, 10, 31),
    programme="测试厂家广宣支持",
)
DecorationRequestFactory = _finance_factory(
    "DecorationRequest",
    "finance.decoration",
    location="展厅入口",
    installer="测试广告公司",
)


def _finance_factories() -> dict:
    from django.apps import apps

    return {
        apps.get_model("finance", f.__name__.removesuffix("Factory")): f
        for f in (
            GeneralRequestFactory,
            ContractApprovalFactory,
            ContractStampingFactory,
            PaymentFactory,
            CashAdvanceFactory,
            ReimbursementFactory,
            PromoOrderFactory,
            PromoReimbursementFactory,
            BudgetFactory,
            AdClaimFactory,
            DecorationRequestFactory,
        )
    }


TENANT_FACTORIES.update(_finance_factories())


def _sales_factories() -> dict:
    from django.apps import apps

    from tests.sales.factories import FACTORIES

    return {apps.get_model("sales", name): factory for name, factory in FACTORIES.items()}


TENANT_FACTORIES.update(_sales_factories())


def _aftersales_factories() -> dict:
    from django.apps import apps

    from tests.aftersales.factories import FACTORIES

    return {apps.get_model("aftersales", name): factory for name, factory in FACTORIES.items()}


TENANT_FACTORIES.update(_aftersales_factories())


def _crm_factories() -> dict:
    from django.apps import apps

    from tests.crm.factories import FACTORIES

    return {apps.get_model("crm", name): factory for name, factory in FACTORIES.items()}


TENANT_FACTORIES.update(_crm_factories())


def _org_factories() -> dict:
    from django.apps import apps

    from tests.org.factories import FACTORIES

    return {apps.get_model("org", name): factory for name, factory in FACTORIES.items()}


TENANT_FACTORIES.update(_org_factories())
