"""Keeping customers: retention lists for after-sales, service reminders (车务提醒), the owner
club and SMS campaigns.

* :class:`RetentionList` — each month, the customers delivered 3–5 and 6–8 months earlier who
  have not come back for service (:class:`RetentionEntry`), handed to after-sales, who
  acknowledge receipt (who, when).
* :class:`ServiceReminder` — maintenance due (months or kilometres since the last service),
  insurance renewal, annual inspection: listed by a daily job, then sent (SMS) or logged (call).
* :class:`Membership` — an owner-club membership: joined, left, last login on the owner site.
* :class:`SmsCampaign` — an audience from a saved filter, a message with placeholders, approved
  through the SMS chain of the approvals engine, then sent; each message a :class:`SmsDelivery`
  (customers without SMS consent are skipped and logged as such)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models.customers import Customer, Vehicle
from crm.models.followups import user_fk
from dealership.models import TenantModel
from dealership.tenancy.constraints import tenant_keys


class RetentionList(TenantModel):
    class Band(models.TextChoices):
        MONTHS_3_5 = "3-5", _("Delivered 3–5 months ago")
        MONTHS_6_8 = "6-8", _("Delivered 6–8 months ago")

    month = models.DateField(_("month"), help_text=_("The first day of the month of the list."))
    band = models.CharField(_("delivered"), max_length=5, choices=Band)
    acknowledged_at = models.DateTimeField(_("received by after-sales at"), null=True, blank=True)
    acknowledged_by = user_fk(_("received by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-month", "band"]
        verbose_name = _("retention list")
        verbose_name_plural = _("retention lists")
        constraints = [
            *tenant_keys(),
            models.UniqueConstraint(
                fields=["dealership", "month", "band"], name="crm_retentionlist_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.get_band_display()}"

    def get_absolute_url(self) -> str:
        return reverse("crm:retention_detail", kwargs={"pk": self.pk})


class RetentionEntry(TenantModel):
    retention_list = models.ForeignKey(
        RetentionList, on_delete=models.CASCADE, related_name="entries", verbose_name=_("list")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    vehicle = models.ForeignKey(
        Vehicle,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vehicle"),
    )
    delivered_on = models.DateField(_("delivered on"))

    class Meta:
        ordering = ["delivered_on", "pk"]
        verbose_name = _("retention list entry")
        verbose_name_plural = _("retention list entries")
        constraints = [
            *tenant_keys("retention_list", "customer", "vehicle"),
            models.UniqueConstraint(
                fields=["dealership", "retention_list", "customer", "vehicle"],
                name="crm_retentionentry_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.delivered_on}"

    def get_absolute_url(self) -> str:
        return reverse("crm:retention_detail", kwargs={"pk": self.retention_list_id})


class ReminderKind(models.TextChoices):
    MAINTENANCE = "maintenance", _("Maintenance due")
    INSURANCE = "insurance", _("Insurance renewal")
    INSPECTION = "inspection", _("Annual inspection")


class ReminderState(models.TextChoices):
    OPEN = "open", pgettext_lazy("reminder", "To remind")
    SENT = "sent", pgettext_lazy("reminder", "SMS sent")
    CALLED = "called", pgettext_lazy("reminder", "Reminded by phone")
    SKIPPED = "skipped", pgettext_lazy("reminder", "Not reminded")


class ServiceReminder(TenantModel):
    kind = models.CharField(_("kind"), max_length=12, choices=ReminderKind)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, related_name="reminders", verbose_name=_("vehicle")
    )
    due_on = models.DateField(_("due on"))
    basis = models.CharField(_("why"), max_length=200, blank=True)
    listed_on = models.DateField(_("listed on"))
    state = models.CharField(
        _("state"), max_length=10, choices=ReminderState, default=ReminderState.OPEN
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = user_fk(_("done by"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("service reminder")
        verbose_name_plural = _("service reminders")
        constraints = [
            *tenant_keys("customer", "vehicle"),
            models.UniqueConstraint(
                fields=["dealership", "vehicle", "kind", "due_on"], name="crm_reminder_once"
            ),
        ]
        indexes = [models.Index(fields=["dealership", "state", "due_on"], name="crm_reminder_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on}"

    def get_absolute_url(self) -> str:
        return reverse("crm:reminder_list")


class Membership(TenantModel):
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("customer")
    )
    member_no = models.CharField(_("member number"), max_length=30, blank=True)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    last_login_on = models.DateField(_("last login on the owner site"), null=True, blank=True)
    created_by = user_fk(_("registered by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-joined_on", "-pk"]
        verbose_name = _("owner-club membership")
        verbose_name_plural = _("owner-club memberships")
        constraints = [
            *tenant_keys("customer"),
            models.UniqueConstraint(
                fields=["dealership", "customer"],
                condition=Q(left_on__isnull=True),
                name="crm_membership_one_open",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="crm_membership_left_after_joined",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.joined_on}"

    def get_absolute_url(self) -> str:
        return reverse("crm:member_list")


class SmsCampaignState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting approval")
    APPROVED = "approved", pgettext_lazy("sms campaign", "Approved, to send")
    REJECTED = "rejected", pgettext_lazy("sms campaign", "Rejected")
    SENT = "sent", pgettext_lazy("sms campaign", "Sent")


class SmsCampaign(TenantModel):
    name = models.CharField(pgettext_lazy("campaign", "name"), max_length=100)
    # the saved filter: {"model": "K5", "delivered_from": "2026-01", "delivered_to": "2026-06",
    # "maintenance_due": true, "members_only": false}; see crm.selectors.outreach
    audience = models.JSONField(_("audience filter"), default=dict, blank=True)
    text = models.TextField(
        _("message"),
        max_length=500,
        help_text=_("Placeholders: {name}, {plate}, {model}, {dealership}."),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=SmsCampaignState, default=SmsCampaignState.DRAFT
    )
    audience_count = models.PositiveIntegerField(_("audience at submission"), null=True, blank=True)
    request = models.ForeignKey(
        "org.ApprovalRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approval request"),
    )
    created_by = user_fk(_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("SMS campaign")
        verbose_name_plural = _("SMS campaigns")
        constraints = [*tenant_keys("request")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("crm:sms_detail", kwargs={"pk": self.pk})


class SmsDeliveryState(models.TextChoices):
    SENT = "sent", pgettext_lazy("sms", "Sent")
    SKIPPED = "skipped", pgettext_lazy("sms", "Skipped: no SMS consent")
    FAILED = "failed", pgettext_lazy("sms", "Failed")


class SmsDelivery(TenantModel):
    campaign = models.ForeignKey(
        SmsCampaign, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("campaign")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    mobile = models.CharField(_("mobile"), max_length=11, blank=True)
    text = models.TextField(_("message"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=SmsDeliveryState)
    error = models.CharField(_("error"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS messages")
        constraints = [
            *tenant_keys("campaign", "customer"),
            models.UniqueConstraint(
                fields=["dealership", "campaign", "customer"], name="crm_smsdelivery_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} → {self.customer_id}"

    def get_absolute_url(self) -> str:
        return reverse("crm:sms_detail", kwargs={"pk": self.campaign_id})
