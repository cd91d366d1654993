"""The day-N+1 data check (003 §4.4.1C): each morning the follow-up specialists verify the
phone and address of yesterday's delivered and serviced customers before the satisfaction call
(N+3..N+5).

* :class:`DataCheck` — one per :class:`~crm.models.FollowUp` (so one per delivery or service
  visit), listed by the daily job ``crm.data_check_list`` on the day after day N; the
  specialist marks it checked (details right), corrected (the customer changed through the
  customer services, audited) or unreachable (no way to verify them)."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models.customers import Customer, EventKind
from crm.models.followups import FollowUp, user_fk
from dealership.models import TenantModel
from dealership.tenancy.constraints import tenant_keys


class DataCheckState(models.TextChoices):
    OPEN = "open", pgettext_lazy("data check", "To check")
    CHECKED = "checked", pgettext_lazy("data check", "Checked, correct")
    CORRECTED = "corrected", pgettext_lazy("data check", "Corrected")
    UNREACHABLE = "unreachable", pgettext_lazy("data check", "Could not verify")


class DataCheck(TenantModel):
    followup = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, related_name="data_checks", verbose_name=_("follow-up")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=EventKind)
    event_date = models.DateField(_("day N"))
    listed_on = models.DateField(_("listed on"), help_text=_("The morning of day N+1."))
    state = models.CharField(
        _("state"), max_length=12, choices=DataCheckState, default=DataCheckState.OPEN
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    checked_by = user_fk(_("checked by"), null=True, blank=True)
    changed_fields = models.JSONField(_("corrected details"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-listed_on", "pk"]
        verbose_name = _("data check")
        verbose_name_plural = _("data checks")
        constraints = [
            *tenant_keys("followup", "customer"),
            models.UniqueConstraint(
                fields=["dealership", "followup"], name="crm_datacheck_once_per_followup"
            ),
        ]
        indexes = [
            models.Index(fields=["dealership", "state", "listed_on"], name="crm_datacheck_list_idx")
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.event_date}"

    def get_absolute_url(self) -> str:
        return reverse("crm:datacheck_detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.state == DataCheckState.OPEN
