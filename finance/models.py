"""Models of finance: one record per kind of request, each linked to the approval engine's
:class:`~org.approvals.models.ApprovalRequest` (which holds the subject, amount, requester,
department, status and steps), and budgets (themselves approved through a chain).

The link is a foreign key unique per dealership rather than a ``OneToOneField``: a one-to-one
field is unique across all dealerships, which the tenancy check ``dealership.E001`` refuses."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dealership.models import TenantModel
from dealership.tenancy.constraints import tenant_keys


class ExpenseCategory(models.TextChoices):
    ADVERTISING = "advertising", _("Advertising")
    PROMOTION = "promotion", _("Promotions and events")
    OFFICE = "office", _("Office supplies")
    TRAVEL = "travel", _("Travel")
    ENTERTAINMENT = "entertainment", _("Business entertainment")
    TRAINING = "training", _("Training")
    MAINTENANCE = "maintenance", _("Repairs and maintenance")
    UTILITIES = "utilities", _("Rent and utilities")
    VEHICLES = "vehicles", _("Vehicles and fuel")
    OTHER = "other", _("Other expenses")


class GeneralCategory(models.TextChoices):
    PRINTING = "printing", _("Printing")
    ADVERTISING_MATERIAL = "advertising_material", _("Advertising material")
    PROMOTION = "promotion", _("Promotion")
    MARKETING_EVENT = "marketing_event", _("Marketing activity")
    OTHER = "other", _("Other")


def _constraints(*foreign_keys: str) -> list:
    return [
        *tenant_keys("request", *foreign_keys),
        models.UniqueConstraint(
            fields=["dealership", "request"], name="%(app_label)s_%(class)s_one_per_request"
        ),
    ]


class FinanceRecord(TenantModel):
    """What every finance record has: its approval request (one record per request)."""

    url_slug = ""  # the module's URL segment of the kind, e.g. "payments"

    request = models.ForeignKey(
        "org.ApprovalRequest",
        on_delete=models.PROTECT,
        related_name="finance_%(class)s",
        verbose_name=_("approval request"),
    )

    class Meta:
        abstract = True
        ordering = ["-pk"]
        constraints = _constraints()

    def __str__(self) -> str:
        return self.request.subject if self.request_id else super().__str__()

    def get_absolute_url(self) -> str:
        return reverse(f"finance:{self._meta.model_name}_detail", kwargs={"pk": self.pk})


class GeneralRequest(FinanceRecord):
    """申请流程: printing, advertising material, promotions, marketing activities."""

    category = models.CharField(
        _("category"), max_length=30, choices=GeneralCategory.choices, default=GeneralCategory.OTHER
    )
    needed_by = models.DateField(_("needed by"), null=True, blank=True)

    class Meta(FinanceRecord.Meta):
        verbose_name = _("general request")
        verbose_name_plural = _("general requests")


class ContractApproval(FinanceRecord):
    """合同审批; once approved, the GM records the signature."""

    counterparty = models.CharField(_("counterparty"), max_length=200)
    contract_no = models.CharField(_("contract number"), max_length=64, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)

    class Meta(FinanceRecord.Meta):
        verbose_name = _("contract approval")
        verbose_name_plural = _("contract approvals")


class ContractStamping(FinanceRecord):
    """合同盖章; once approved, the admin clerk records the filing."""

    counterparty = models.CharField(_("counterparty"), max_length=200)
    contract_no = models.CharField(_("contract number"), max_length=64, blank=True)
    copies = models.PositiveSmallIntegerField(
        _("copies to stamp"), default=2, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("filed by"),
    )
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)

    class Meta(FinanceRecord.Meta):
        verbose_name = _("contract stamping")
        verbose_name_plural = _("contract stampings")


class Payment(FinanceRecord):
    """付款: to a payee's bank account; an invoice is required."""

    payee = models.CharField(_("payee"), max_length=200)
    bank_name = models.CharField(_("bank"), max_length=100)
    bank_account = models.CharField(_("bank account"), max_length=40)
    category = models.CharField(_("expense category"), max_length=20, choices=ExpenseCategory)
    due_date = models.DateField(_("pay by"), null=True, blank=True)

    class Meta(FinanceRecord.Meta):
        verbose_name = _("payment")
        verbose_name_plural = _("payments")


class CashAdvance(FinanceRecord):
    """借支: cash advanced to the requester, later written off by reimbursements."""

    settle_by = models.DateField(_("to be settled by"), null=True, blank=True)

    class Meta(FinanceRecord.Meta):
        verbose_name = _("cash advance")
        verbose_name_plural = _("cash advances")


class Reimbursement(FinanceRecord):
    """报销冲账: an expense reimbursed, or an advance written off (linked to an approved cash
    advance of the same requester)."""

    class Type(models.TextChoices):
        EXPENSE = "expense", _("Expense reimbursement")
        WRITE_OFF = "write_off", _("Advance write-off")

    type = models.CharField(_("type"), max_length=10, choices=Type, default=Type.EXPENSE)
    category = models.CharField(_("expense category"), max_length=20, choices=ExpenseCategory)
    advance = models.ForeignKey(
        CashAdvance,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="write_offs",
        verbose_name=_("cash advance written off"),
    )

    class Meta(FinanceRecord.Meta):
        verbose_name = _("reimbursement")
        verbose_name_plural = _("reimbursements")
        constraints = [
            *_constraints("advance"),
            models.CheckConstraint(
                condition=models.Q(type="expense", advance__isnull=True)
                | models.Q(type="write_off", advance__isnull=False),
                name="finance_reimbursement_advance_for_write_off",
            ),
        ]


class PromoOrder(FinanceRecord):
    """促销品订购; once approved, the customer-relations manager records placing the order."""

    supplier = models.CharField(_("supplier"), max_length=200)
    items = models.TextField(_("items and quantities"))
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ordered by"),
    )
    ordered_at = models.DateTimeField(_("ordered at"), null=True, blank=True)

    class Meta(FinanceRecord.Meta):
        verbose_name = _("promotional goods order")
        verbose_name_plural = _("promotional goods orders")


class PromoReimbursement(FinanceRecord):
    """促销品报销: paying for an approved promotional goods order; an invoice is required."""

    promo_order = models.ForeignKey(
        PromoOrder,
        on_delete=models.PROTECT,
        related_name="reimbursements",
        verbose_name=_("promotional goods order"),
    )

    class Meta(FinanceRecord.Meta):
        verbose_name = _("promotional goods reimbursement")
        verbose_name_plural = _("promotional goods reimbursements")
        constraints = _constraints("promo_order")


class Budget(FinanceRecord):
    """A department's budget for an expense category in a year, quarter or month (in force once
    its request is approved)."""

    class Period(models.TextChoices):
        YEAR = "year", _("Year")
        QUARTER = "quarter", _("Quarter")
        MONTH = "month", _("Month")

    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        related_name="budgets",
        verbose_name=_("department"),
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    period = models.CharField(_("period"), max_length=10, choices=Period, default=Period.YEAR)
    number = models.PositiveSmallIntegerField(
        _("quarter or month"),
        default=0,
        help_text=_("1–4 for a quarter, 1–12 for a month; empty for a whole year."),
    )
    category = models.CharField(_("expense category"), max_length=20, choices=ExpenseCategory)
    amount = models.DecimalField(
        _("amount (CNY)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )

    class Meta(FinanceRecord.Meta):
        ordering = ["-year", "department_id", "category", "period", "number"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [
            *_constraints("department"),
            models.CheckConstraint(
                condition=models.Q(period="year", number=0)
                | models.Q(period="quarter", number__gte=1, number__lte=4)
                | models.Q(period="month", number__gte=1, number__lte=12),
                name="finance_budget_period_number",
            ),
        ]

    @property
    def period_label(self) -> str:
        if self.period == self.Period.QUARTER:
            return f"{self.year} Q{self.number}"
        if self.period == self.Period.MONTH:
            return f"{self.year}-{self.number:02d}"
        return str(self.year)


class AdMedium(models.TextChoices):
    NEWSPAPER = "newspaper", _("Newspaper or magazine")
    RADIO = "radio", _("Radio")
    TELEVISION = "television", _("Television")
    OUTDOOR = "outdoor", _("Outdoor (billboards, bus shelters)")
    ONLINE = "online", _("Online and social media")
    PRINT = "print", _("Printed material")
    EVENT = "event", _("Event or owner activity")
    OTHER = "other", _("Other")


class AdClaim(FinanceRecord):
    """广告费用厂家报销: advertising the car maker reimburses under one of its programmes. The claim
    passes the dealership's chain (with the contract photo, the invoices and the proof of
    publication), then finance records its state with the OEM: submitted (date, the OEM's claim
    number), approved (the amount the OEM accepts) or rejected (why), and paid."""

    class OemStatus(models.TextChoices):
        NOT_SUBMITTED = "not_submitted", _("Not yet submitted to the OEM")
        SUBMITTED = "submitted", _("Submitted to the OEM")
        APPROVED = "approved", _("Approved by the OEM")
        REJECTED = "rejected", _("Rejected by the OEM")
        PAID = "paid", _("Paid by the OEM")

    campaign = models.CharField(pgettext_lazy("advertising claim", "campaign"), max_length=200)
    medium = models.CharField(_("medium"), max_length=20, choices=AdMedium)
    published_from = models.DateField(_("published from"))
    published_until = models.DateField(_("published until"))
    programme = models.CharField(
        _("OEM programme"),
        max_length=200,
        help_text=_("The car maker's advertising support programme the claim falls under."),
    )
    programme_ref = models.CharField(_("programme reference"), max_length=64, blank=True)
    oem_status = models.CharField(
        _("state with the OEM"),
        max_length=20,
        choices=OemStatus,
        default=OemStatus.NOT_SUBMITTED,
    )
    oem_submitted_on = models.DateField(_("submitted to the OEM on"), null=True, blank=True)
    oem_claim_no = models.CharField(_("OEM claim number"), max_length=64, blank=True)
    oem_decided_on = models.DateField(_("OEM decided on"), null=True, blank=True)
    oem_approved_amount = models.DecimalField(
        _("amount approved by the OEM (CNY)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    oem_rejection_reason = models.CharField(_("OEM's reason"), max_length=500, blank=True)
    oem_paid_on = models.DateField(_("paid by the OEM on"), null=True, blank=True)
    oem_paid_amount = models.DecimalField(
        _("amount paid by the OEM (CNY)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    oem_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("OEM state recorded by"),
    )

    class Meta(FinanceRecord.Meta):
        verbose_name = _("OEM advertising reimbursement claim")
        verbose_name_plural = _("OEM advertising reimbursement claims")
        constraints = [
            *_constraints(),
            models.CheckConstraint(
                condition=models.Q(published_until__gte=models.F("published_from")),
                name="finance_adclaim_period",
            ),
            models.CheckConstraint(
                condition=models.Q(oem_status="not_submitted")
                | models.Q(oem_submitted_on__isnull=False),
                name="finance_adclaim_submitted_on",
            ),
            models.CheckConstraint(
                condition=~models.Q(oem_status__in=["approved", "paid"])
                | models.Q(oem_approved_amount__isnull=False),
                name="finance_adclaim_approved_amount",
            ),
            models.CheckConstraint(
                condition=~models.Q(oem_status="paid") | models.Q(oem_paid_amount__isnull=False),
                name="finance_adclaim_paid_amount",
            ),
            models.CheckConstraint(
                condition=models.Q(oem_paid_amount__isnull=True)
                | models.Q(oem_paid_amount__lte=models.F("oem_approved_amount")),
                name="finance_adclaim_paid_within_approved",
            ),
        ]

    def clean(self) -> None:
        super().clean()
        start, end = self.published_from, self.published_until
        if start and end and end < start:
            raise ValidationError(
                {"published_until": _("The end of publication is before its start.")}
            )

    @property
    def claimed(self) -> Decimal:
        return self.request.amount or Decimal("0.00")

    @property
    def outstanding(self) -> Decimal:
        """What the OEM still owes: nothing once rejected; the approved amount less what it
        paid once it decided; the amount claimed until then."""
        if self.oem_status == self.OemStatus.REJECTED:
            return Decimal("0.00")
        expected = (
            self.oem_approved_amount if self.oem_approved_amount is not None else self.claimed
        )
        return expected - (self.oem_paid_amount or Decimal("0.00"))


class DecorationRequest(FinanceRecord):
    """展厅装饰/广告安装: showroom decoration, or installing or removing advertising. The customer
    department handles it; once approved, work at height needs a safety agreement with the
    installer (attached to the request) before the handler records the installation."""

    class Work(models.TextChoices):
        DECORATION = "decoration", _("Showroom decoration")
        INSTALLATION = "installation", _("Advertising installation")
        REMOVAL = "removal", _("Advertising removal")

    work = models.CharField(_("work"), max_length=20, choices=Work, default=Work.DECORATION)
    location = models.CharField(pgettext_lazy("decoration", "location"), max_length=200)
    installer = models.CharField(_("installer"), max_length=200)
    planned_on = models.DateField(_("planned for"), null=True, blank=True)
    at_height = models.BooleanField(
        _("work at height"),
        default=False,
        help_text=_(
            "Work at height needs a safety agreement with the installer before it is installed."
        ),
    )
    installed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("installation recorded by"),
    )
    installed_at = models.DateTimeField(_("installed at"), null=True, blank=True)

    class Meta(FinanceRecord.Meta):
        verbose_name = _("showroom decoration or advertising installation")
        verbose_name_plural = _("showroom decorations and advertising installations")
