"""Customer tiers for differentiated service (客户分级, 003 §2.5):

* :class:`CustomerTier` — a dealership's rule: a tier (e.g. VIP, gold, ordinary) reached by a
  customer whose spending (yuan), vehicles owned and service visits reach its minimums; the
  tier of lowest ``rank`` reached wins. Every dealership starts with VIP / gold / ordinary.
* :class:`CustomerStanding` — a customer's measured standing (spending and visits from their
  crm events, vehicles owned now) and the tier it reaches, kept by the nightly job and after
  each change of the rules, so lists filter by tier in one query."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models.customers import Customer
from dealership.models import BilingualName, TenantModel
from dealership.tenancy.constraints import tenant_keys

YUAN = {
    "max_digits": 14,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal("0"))],
    "default": Decimal("0.00"),
}


class CustomerTier(BilingualName, TenantModel):
    code = models.SlugField(_("code"), max_length=30)
    name_zh = models.CharField(_("name (Chinese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=50, blank=True)
    rank = models.PositiveSmallIntegerField(
        _("rank"), help_text=_("1 is the highest tier; a customer gets the highest one reached.")
    )
    min_spending = models.DecimalField(_("minimum spending (yuan)"), **YUAN)
    min_vehicles = models.PositiveSmallIntegerField(_("minimum vehicles owned"), default=0)
    min_visits = models.PositiveSmallIntegerField(_("minimum service visits"), default=0)
    benefits = models.TextField(
        _("service offered"), blank=True, help_text=_("What this tier's customers are offered.")
    )

    class Meta:
        ordering = ["rank", "pk"]
        verbose_name = _("customer tier")
        verbose_name_plural = _("customer tiers")
        constraints = [
            *tenant_keys(),
            models.UniqueConstraint(fields=["dealership", "code"], name="crm_customertier_code"),
            models.UniqueConstraint(fields=["dealership", "rank"], name="crm_customertier_rank"),
        ]


class CustomerStanding(TenantModel):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="standings", verbose_name=_("customer")
    )
    tier = models.ForeignKey(
        CustomerTier,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="standings",
        verbose_name=_("tier"),
    )
    spending = models.DecimalField(_("spending (yuan)"), **YUAN)
    vehicles = models.PositiveSmallIntegerField(_("vehicles owned"), default=0)
    purchases = models.PositiveSmallIntegerField(_("vehicles bought here"), default=0)
    visits = models.PositiveIntegerField(_("service visits"), default=0)
    computed_on = models.DateField(_("computed on"))

    class Meta:
        ordering = ["-spending", "pk"]
        verbose_name = _("customer standing")
        verbose_name_plural = _("customer standings")
        constraints = [
            *tenant_keys("customer", "tier"),
            models.UniqueConstraint(
                fields=["dealership", "customer"], name="crm_customerstanding_one_per_customer"
            ),
        ]
        indexes = [models.Index(fields=["dealership", "tier"], name="crm_standing_tier_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.tier or '—'}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("crm:customer_detail", kwargs={"pk": self.customer_id})
