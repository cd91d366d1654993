"""SSI / CSI targets and their action plans (001 CSI/SSI管理员: 制定满意度目标及行动计划执行).

* :class:`SatisfactionTarget` — per dealership, kind (SSI for sales, CSI for service) and month:
  the target mean score (0–10, the scale of the surveys) and, optionally, the target share of
  customers who would recommend the dealership (推荐购买率). The actual comes from the recorded
  surveys (:mod:`crm.selectors.targets`).
* :class:`SatisfactionAction` — an action item of the month's plan: what, owner (a member of
  staff), due date, state and result; overdue items are reminded once by the daily job
  ``crm.satisfaction_actions_overdue``."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models.customers import EventKind
from crm.models.followups import user_fk
from dealership.models import TenantModel
from dealership.tenancy.constraints import tenant_keys

SCORE = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(10))]


class SatisfactionTarget(TenantModel):
    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=EventKind,
        help_text=_("Sales (SSI) or service (CSI)."),
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    target_score = models.DecimalField(
        _("target score (0–10)"), max_digits=4, decimal_places=2, validators=SCORE
    )
    referral_target = models.PositiveSmallIntegerField(
        _("would-recommend target (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("Share of surveyed customers who would recommend us (推荐购买率)."),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = user_fk(_("created by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-month", "kind"]
        verbose_name = _("satisfaction target")
        verbose_name_plural = _("satisfaction targets")
        constraints = [
            *tenant_keys(),
            models.UniqueConstraint(
                fields=["dealership", "kind", "month"], name="crm_satisfactiontarget_month"
            ),
            models.CheckConstraint(
                condition=Q(month__day=1), name="crm_satisfactiontarget_first_day"
            ),
        ]

    def __str__(self) -> str:
        label = "SSI" if self.kind == EventKind.SALES else "CSI"
        return f"{label} {self.month:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("crm:satisfaction_target", kwargs={"pk": self.pk})


class ActionState(models.TextChoices):
    OPEN = "open", pgettext_lazy("action item", "Open")
    IN_PROGRESS = "in_progress", pgettext_lazy("action item", "In progress")
    DONE = "done", pgettext_lazy("action item", "Done")
    CANCELLED = "cancelled", pgettext_lazy("action item", "Cancelled")


OPEN_ACTION_STATES = (ActionState.OPEN, ActionState.IN_PROGRESS)


class SatisfactionAction(TenantModel):
    target = models.ForeignKey(
        SatisfactionTarget,
        on_delete=models.CASCADE,
        related_name="actions",
        verbose_name=_("target"),
    )
    title = models.CharField(_("action"), max_length=200)
    detail = models.TextField(_("details"), blank=True)
    owner = user_fk(_("owner"))
    due_on = models.DateField(_("due on"))
    state = models.CharField(
        _("state"), max_length=12, choices=ActionState, default=ActionState.OPEN
    )
    result = models.TextField(_("result"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    created_by = user_fk(_("created by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("satisfaction action item")
        verbose_name_plural = _("satisfaction action items")
        constraints = [*tenant_keys("target")]
        indexes = [
            models.Index(fields=["dealership", "state", "due_on"], name="crm_sataction_due_idx")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("crm:satisfaction_target", kwargs={"pk": self.target_id})

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_ACTION_STATES
