"""The satisfaction call after a delivery or a service visit (回访).

* :class:`FollowUpSettings` — one row per dealership: the call window (N+3..N+5 by default; the
  Kia dealership promises contact within 3 days: N+1..N+3), the local time the daily list is
  published, how many failed attempts make a customer unreachable, how long the consultant has
  to return verified details, complaint deadlines, and the service-reminder rules.
* :class:`FollowUp` — one per :class:`~crm.models.CustomerEvent` (a delivery, a closed repair
  order), created in the event's transaction: kind, customer, vehicle, day N, window, the
  assigned specialist, status scheduled → due → overdue by date, done when a call connected, or
  unreachable / not called (no consent; the reason is kept).
* :class:`CallAttempt` — each try: when, who, outcome.
* :class:`ContactCheck` — an unreachable customer sent (weekly) to the consultant who sold to
  them, who returns verified contact details within a few days; the follow-up then reopens."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models.customers import Customer, CustomerEvent, EventKind, Vehicle
from dealership.models import TenantModel
from dealership.tenancy.constraints import tenant_keys


def user_fk(verbose_name, **kwargs):
    """A reference to a user (staff) that keeps the user while rows point at them."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=verbose_name,
        **kwargs,
    )


DAYS = [MinValueValidator(0), MaxValueValidator(60)]


class FollowUpSettings(TenantModel):
    """The dealership's follow-up rules (one row, created with the dealership)."""

    window_start = models.PositiveSmallIntegerField(
        _("call from day N +"),
        default=3,
        validators=DAYS,
        help_text=_("Days after the delivery or service visit (day N) the call window opens."),
    )
    window_end = models.PositiveSmallIntegerField(
        _("call until day N +"),
        default=5,
        validators=DAYS,
        help_text=_("The last day of the window; the next day the call is overdue."),
    )
    list_time = models.TimeField(
        _("daily list published at"),
        default=dt.time(8, 0),
        help_text=_("Local time at which the day's call list is published to the specialists."),
    )
    contact_target = models.PositiveSmallIntegerField(
        _("contact-rate target (%)"),
        default=100,
        validators=[MaxValueValidator(100)],
        help_text=_("Share of customers to reach within the window."),
    )
    unreachable_attempts = models.PositiveSmallIntegerField(
        _("failed attempts before unreachable"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("Attempts ending in phone off, call forwarded or no connection."),
    )
    contact_check_days = models.PositiveSmallIntegerField(
        _("days to return verified contacts"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    complaint_days_normal = models.PositiveSmallIntegerField(
        _("days to resolve a normal complaint"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    complaint_days_major = models.PositiveSmallIntegerField(
        _("days to resolve a major complaint"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    maintenance_months = models.PositiveSmallIntegerField(
        _("maintenance every (months)"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
    )
    maintenance_km = models.PositiveIntegerField(
        _("maintenance every (km)"),
        default=5000,
        validators=[MinValueValidator(500), MaxValueValidator(100_000)],
    )
    remind_days_before = models.PositiveSmallIntegerField(
        _("remind days before"),
        default=14,
        validators=[MinValueValidator(0), MaxValueValidator(90)],
        help_text=_("How early maintenance, insurance and inspection reminders are listed."),
    )
    member_registration_target = models.PositiveSmallIntegerField(
        _("owner-club registration target (%)"), default=30, validators=[MaxValueValidator(100)]
    )
    member_login_target = models.PositiveSmallIntegerField(
        _("owner-club login target (%)"), default=30, validators=[MaxValueValidator(100)]
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("follow-up rules")
        verbose_name_plural = _("follow-up rules")
        constraints = [
            *tenant_keys(),
            models.UniqueConstraint(fields=["dealership"], name="crm_followupsettings_one"),
            models.CheckConstraint(
                condition=Q(window_end__gte=F("window_start")),
                name="crm_followupsettings_window_order",
            ),
        ]

    def __str__(self) -> str:
        return f"N+{self.window_start}..N+{self.window_end}"

    def get_absolute_url(self) -> str:
        return reverse("crm:followup_settings")


class FollowUpStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DUE = "due", pgettext_lazy("follow-up", "Due")
    OVERDUE = "overdue", _("Overdue")
    DONE = "done", pgettext_lazy("follow-up", "Done")
    UNREACHABLE = "unreachable", _("Unreachable")
    NOT_CALLED = "not_called", _("Not called")


OPEN_STATUSES = (FollowUpStatus.SCHEDULED, FollowUpStatus.DUE, FollowUpStatus.OVERDUE)


class FollowUp(TenantModel):
    event = models.ForeignKey(
        CustomerEvent,
        on_delete=models.PROTECT,
        related_name="followups",
        verbose_name=_("event"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=EventKind)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="followups", verbose_name=_("customer")
    )
    vehicle = models.ForeignKey(
        Vehicle,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followups",
        verbose_name=_("vehicle"),
    )
    event_date = models.DateField(_("day N"))
    window_start = models.DateField(_("call from"))
    window_end = models.DateField(_("call until"))
    specialist = user_fk(_("specialist"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=FollowUpStatus, default=FollowUpStatus.SCHEDULED
    )
    # why the customer is not called (no consent), or how the call ended
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    published_on = models.DateField(_("on the list since"), null=True, blank=True)
    # the local day the row left the call list (done, unreachable); empty while it is open
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = user_fk(_("completed by"), null=True, blank=True)
    # failed attempts that count toward "unreachable" since the follow-up was (re)opened
    failed_attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["window_start", "pk"]
        verbose_name = _("follow-up call")
        verbose_name_plural = _("follow-up calls")
        constraints = [
            *tenant_keys("event", "customer", "vehicle"),
            models.UniqueConstraint(
                fields=["dealership", "event"], name="crm_followup_once_per_event"
            ),
            models.CheckConstraint(
                condition=Q(window_end__gte=F("window_start"))
                & Q(window_start__gte=F("event_date")),
                name="crm_followup_window_order",
            ),
        ]
        indexes = [
            models.Index(
                fields=["dealership", "status", "window_start"], name="crm_followup_list_idx"
            ),
            models.Index(
                fields=["dealership", "specialist", "status"], name="crm_followup_who_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.customer} · {self.event_date}"

    def get_absolute_url(self) -> str:
        return reverse("crm:followup_call", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class AttemptOutcome(models.TextChoices):
    CONNECTED = "connected", _("Connected")
    PHONE_OFF = "phone_off", _("Phone off (关机)")
    FORWARDED = "forwarded", _("Call forwarded (呼叫转移)")
    NO_CONNECTION = "no_connection", _("No connection (无法接通)")
    BUSY = "busy", _("Busy")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    REFUSED = "refused", _("Refused the survey")


# the outcomes that count toward "unreachable" (domain.md: 关机, 呼叫转移, 无法接通)
UNREACHABLE_OUTCOMES = (
    AttemptOutcome.PHONE_OFF,
    AttemptOutcome.FORWARDED,
    AttemptOutcome.NO_CONNECTION,
)


class CallAttempt(TenantModel):
    followup = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("follow-up")
    )
    at = models.DateTimeField(_("called at"))
    specialist = user_fk(_("specialist"))
    outcome = models.CharField(_("outcome"), max_length=15, choices=AttemptOutcome)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("call attempt")
        verbose_name_plural = _("call attempts")
        constraints = [*tenant_keys("followup")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_outcome_display()}"

    def get_absolute_url(self) -> str:
        return reverse("crm:followup_call", kwargs={"pk": self.followup_id})


class ContactCheckState(models.TextChoices):
    OPEN = "open", pgettext_lazy("contact check", "Waiting for the consultant")
    RETURNED = "returned", _("Verified contacts returned")
    CLOSED = "closed", pgettext_lazy("contact check", "Closed without new contacts")


class ContactCheck(TenantModel):
    """An unreachable customer's contact details, to be verified by the consultant who sold to
    them (or served them) and returned within ``FollowUpSettings.contact_check_days``."""

    followup = models.ForeignKey(
        FollowUp,
        on_delete=models.CASCADE,
        related_name="contact_checks",
        verbose_name=_("follow-up"),
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    consultant = user_fk(_("consultant"), null=True, blank=True)
    week = models.DateField(_("week of"), help_text=_("The Monday of the weekly list."))
    due_on = models.DateField(_("return by"))
    state = models.CharField(
        _("state"), max_length=10, choices=ContactCheckState, default=ContactCheckState.OPEN
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    returned_by = user_fk(_("returned by"), null=True, blank=True)
    mobile = models.CharField(_("verified mobile"), max_length=11, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("contact check")
        verbose_name_plural = _("contact checks")
        constraints = [
            *tenant_keys("followup", "customer"),
            models.UniqueConstraint(
                fields=["dealership", "followup"],
                condition=Q(state="open"),
                name="crm_contactcheck_one_open",
            ),
            models.UniqueConstraint(
                fields=["dealership", "followup", "week"], name="crm_contactcheck_once_a_week"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.week}"

    def get_absolute_url(self) -> str:
        return reverse("crm:contactcheck_detail", kwargs={"pk": self.pk})
