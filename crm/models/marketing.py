"""Marketing kept by the CRM / marketing department (003 §4.1.3(3), §4.2.1, §4.2.3, §4.2.7):

* :class:`AdvertisingPlan` (广告计划) — next month's advertising plan, one per month, with its
  lines (:class:`AdvertisingPlanLine`: channel, what, when, cost) and the draft event proposal
  it carries. Drafted by the 10th (13th at the latest), approved by the department manager,
  the deputy GM and the GM (the engine's kind ``crm.advertising_plan``; the finance manager
  and the sales front desk are informed), then sent to the OEM by the 15th (the day is kept)
  and filed with sales, after-sales and finance.
* :class:`MarketingEvent` (市场活动) — a proposal (purpose, theme, time, place, audience,
  publicity, budget, expected effect) approved like the plan (kind ``crm.marketing_event``),
  then its execution plan and its summary against the expected effect (attendance, leads and
  orders reported, actual cost). :class:`EventInvitation` — a customer or owner-club member
  invited, their reply and whether they came. :class:`EventEvidence` — the contract photos,
  invoices and event photos kept for the OEM's reimbursement (private files).
* :class:`CompetitorAd` (相关汽车品牌广告投放) — a competitor's advertisement seen in the local
  market: brand, medium, size or slot, date, estimated cost.

Amounts are yuan (two decimals), never negative."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models.customers import Customer
from crm.models.followups import user_fk
from crm.models.intelligence import AdChannel
from dealership.files import private_storage
from dealership.models import TenantModel
from dealership.tenancy.constraints import tenant_keys

YUAN = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


def _request_fk():
    return models.ForeignKey(
        "org.ApprovalRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approval request"),
    )


class PlanState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("plan", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("plan", "Awaiting approval")
    APPROVED = "approved", pgettext_lazy("plan", "Approved")
    SENT = "sent", pgettext_lazy("plan", "Sent to the OEM")
    REJECTED = "rejected", pgettext_lazy("plan", "Rejected")


class MarketingEventKind(models.TextChoices):
    PROMOTION = "promotion", _("Market promotion")
    SALES = "sales", _("Sales promotion")
    SERVICE = "service", _("After-sales promotion")
    OWNER_CLUB = "owner_club", _("Owner-club activity")
    PUBLIC_RELATIONS = "pr", _("Public relations")


class EventState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("event", "Proposal")
    SUBMITTED = "submitted", pgettext_lazy("event", "Awaiting approval")
    APPROVED = "approved", pgettext_lazy("event", "Approved")
    DONE = "done", pgettext_lazy("event", "Summarised")
    REJECTED = "rejected", pgettext_lazy("event", "Rejected")
    CANCELLED = "cancelled", pgettext_lazy("event", "Cancelled")


class MarketingEvent(TenantModel):
    kind = models.CharField(
        _("kind"),
        max_length=12,
        choices=MarketingEventKind,
        default=MarketingEventKind.PROMOTION,
    )
    theme = models.CharField(_("theme"), max_length=120)
    purpose = models.TextField(_("purpose"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200)
    audience = models.CharField(_("audience"), max_length=200)
    publicity = models.TextField(_("publicity"), blank=True)
    budget = models.DecimalField(_("budget (yuan)"), **YUAN)
    expected_effect = models.TextField(_("expected effect"))
    expected_attendance = models.PositiveIntegerField(_("expected attendance"), default=0)
    expected_leads = models.PositiveIntegerField(_("expected leads"), default=0)
    state = models.CharField(
        _("state"), max_length=10, choices=EventState, default=EventState.DRAFT
    )
    request = _request_fk()
    execution_plan = models.TextField(
        _("execution plan"),
        blank=True,
        help_text=_("Details, materials, advertising, people, schedule, risks."),
    )
    actual_attendance = models.PositiveIntegerField(_("actual attendance"), null=True, blank=True)
    leads_reported = models.PositiveIntegerField(_("leads reported"), null=True, blank=True)
    orders_reported = models.PositiveIntegerField(_("orders reported"), null=True, blank=True)
    actual_cost = models.DecimalField(_("actual cost (yuan)"), null=True, blank=True, **YUAN)
    summary = models.TextField(
        _("summary"),
        blank=True,
        help_text=_("Direct effect against the expected one, lessons, what to improve."),
    )
    summarised_at = models.DateTimeField(_("summarised at"), null=True, blank=True)
    created_by = user_fk(_("organiser"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("marketing event")
        verbose_name_plural = _("marketing events")
        constraints = [
            *tenant_keys("request"),
            models.CheckConstraint(
                condition=Q(ends_at__gte=F("starts_at")),
                name="crm_marketingevent_ends_after_start",
                violation_error_message=_("The event cannot end before it starts."),
            ),
        ]
        indexes = [models.Index(fields=["dealership", "starts_at"], name="crm_event_start_idx")]

    def __str__(self) -> str:
        return self.theme

    def get_absolute_url(self) -> str:
        return reverse("crm:event_detail", kwargs={"pk": self.pk})


class AdvertisingPlan(TenantModel):
    month = models.DateField(_("month"), help_text=_("The first day of the month planned."))
    title = models.CharField(_("title"), max_length=120)
    notes = models.TextField(_("notes"), blank=True)
    event = models.ForeignKey(
        MarketingEvent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("event proposal attached"),
    )
    state = models.CharField(_("state"), max_length=10, choices=PlanState, default=PlanState.DRAFT)
    request = _request_fk()
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    sent_to_oem_on = models.DateField(_("sent to the OEM on"), null=True, blank=True)
    created_by = user_fk(_("planner"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-month", "-pk"]
        verbose_name = _("advertising plan")
        verbose_name_plural = _("advertising plans")
        constraints = [
            *tenant_keys("event", "request"),
            models.UniqueConstraint(
                fields=["dealership", "month"],
                condition=~Q(state="rejected"),
                name="crm_adplan_one_per_month",
                violation_error_message=_("This month already has an advertising plan."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("crm:adplan_detail", kwargs={"pk": self.pk})


class AdvertisingPlanLine(TenantModel):
    plan = models.ForeignKey(
        AdvertisingPlan, on_delete=models.CASCADE, related_name="lines", verbose_name=_("plan")
    )
    channel = models.CharField(_("channel"), max_length=12, choices=AdChannel)
    description = models.CharField(_("description"), max_length=200)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    cost = models.DecimalField(_("cost (yuan)"), **YUAN)

    class Meta:
        ordering = ["starts_on", "pk"]
        verbose_name = _("advertising plan line")
        verbose_name_plural = _("advertising plan lines")
        constraints = [
            *tenant_keys("plan"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="crm_adplanline_ends_after_start",
                violation_error_message=_("The period cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.description

    def get_absolute_url(self) -> str:
        return reverse("crm:adplan_detail", kwargs={"pk": self.plan_id})


class InvitationChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    IN_PERSON = "in_person", _("In person")


class InvitationReply(models.TextChoices):
    PENDING = "pending", pgettext_lazy("reply", "Not yet asked")
    ACCEPTED = "accepted", pgettext_lazy("reply", "Accepted")
    DECLINED = "declined", pgettext_lazy("reply", "Declined")
    NO_ANSWER = "no_answer", pgettext_lazy("reply", "No answer")


class EventInvitation(TenantModel):
    event = models.ForeignKey(
        MarketingEvent,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("event"),
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    club_member = models.BooleanField(_("owner-club member"), default=False)
    channel = models.CharField(
        _("channel"), max_length=10, choices=InvitationChannel, default=InvitationChannel.PHONE
    )
    reply = models.CharField(
        _("reply"), max_length=10, choices=InvitationReply, default=InvitationReply.PENDING
    )
    guests = models.PositiveSmallIntegerField(_("guests"), default=1)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    invited_by = user_fk(_("invited by"))
    invited_at = models.DateTimeField(_("invited at"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("event invitation")
        verbose_name_plural = _("event invitations")
        constraints = [
            *tenant_keys("event", "customer"),
            models.UniqueConstraint(
                fields=["dealership", "event", "customer"],
                name="crm_invitation_once_per_customer",
                violation_error_message=_("This customer is already invited."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.customer_id}"

    def get_absolute_url(self) -> str:
        return reverse("crm:event_detail", kwargs={"pk": self.event_id})


class EvidenceKind(models.TextChoices):
    CONTRACT = "contract", _("Contract photo")
    INVOICE = "invoice", _("Invoice")
    PHOTO = "photo", _("Event photo")
    PUBLICATION = "publication", _("Proof of publication")
    OTHER = "other", _("Other")


def _evidence_path(instance, filename: str) -> str:
    import uuid

    return f"marketing/{instance.dealership_id}/{uuid.uuid4().hex}"


class EventEvidence(TenantModel):
    event = models.ForeignKey(
        MarketingEvent, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("event")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=EvidenceKind)
    file = models.FileField(_("file"), upload_to=_evidence_path, storage=private_storage)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = user_fk(_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("event evidence")
        verbose_name_plural = _("event evidence")
        constraints = [*tenant_keys("event")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("crm:event_detail", kwargs={"pk": self.event_id})


class CompetitorAd(TenantModel):
    brand = models.CharField(_("competitor brand"), max_length=50)
    channel = models.CharField(_("channel"), max_length=12, choices=AdChannel)
    medium = models.CharField(
        _("medium"), max_length=100, help_text=_("The newspaper, station, site or place.")
    )
    size = models.CharField(_("size or slot"), max_length=100, blank=True)
    published_on = models.DateField(_("published on"))
    cost_estimate = models.DecimalField(_("estimated cost (yuan)"), null=True, blank=True, **YUAN)
    note = models.TextField(_("note"), blank=True)
    recorded_by = user_fk(_("recorded by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-published_on", "-pk"]
        verbose_name = _("competitor advertisement")
        verbose_name_plural = _("competitor advertisements")
        constraints = [*tenant_keys()]
        indexes = [
            models.Index(fields=["dealership", "published_on"], name="crm_compad_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.brand} {self.medium} {self.published_on:%Y-%m-%d}"
