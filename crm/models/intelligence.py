"""Market intelligence kept by the CRM department for the car maker's monthly submissions:

* :class:`CompetitorObservation` (竞争对手情报) — a competitor's model seen at a price, with the
  promotion on offer, on a day, and where it was seen (a competitor's showroom, a website, a
  customer's quote). The monthly 竞争对手情报表 is made from them.
* :class:`AdvertisingSpend` (广告投放) — money spent on one channel (newspaper, radio, TV,
  outdoor, internet, the car portals 汽车之家 / 易车, WeChat / Douyin, an event) for a period,
  with the leads it brought. The monthly 广告宣传总结表 is made from them.

Amounts are yuan (two decimals), never negative."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from crm.models.followups import user_fk
from dealership.models import TenantModel
from dealership.tenancy.constraints import tenant_keys

YUAN = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class CompetitorObservation(TenantModel):
    brand = models.CharField(_("competitor brand"), max_length=50)
    model = models.CharField(_("model"), max_length=80)
    price = models.DecimalField(_("price (yuan)"), **YUAN)
    promotion = models.TextField(_("promotion"), blank=True)
    observed_on = models.DateField(_("observed on"))
    source = models.CharField(
        _("where observed"),
        max_length=120,
        blank=True,
        help_text=_("A competitor's showroom, a website, a customer's quote …"),
    )
    recorded_by = user_fk(_("recorded by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-observed_on", "-pk"]
        verbose_name = _("competitor observation")
        verbose_name_plural = _("competitor observations")
        constraints = [
            *tenant_keys(),
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="crm_competitorobservation_price_not_negative",
                violation_error_message=_("A price cannot be negative."),
            ),
        ]
        indexes = [
            models.Index(fields=["dealership", "observed_on"], name="crm_competitor_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.brand} {self.model} {self.observed_on:%Y-%m-%d}"


class AdChannel(models.TextChoices):
    NEWSPAPER = "newspaper", _("Newspaper")
    RADIO = "radio", _("Radio")
    TV = "tv", _("TV")
    OUTDOOR = "outdoor", _("Outdoor")
    INTERNET = "internet", _("Internet")
    AUTO_PORTAL = "auto_portal", _("Car portal (Autohome, Yiche)")
    SOCIAL = "social", _("Social media (WeChat, Douyin)")
    EVENT = "event", _("Event")
    OTHER = "other", _("Other")


class AdvertisingSpend(TenantModel):
    channel = models.CharField(_("channel"), max_length=12, choices=AdChannel)
    description = models.CharField(_("description"), max_length=200)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    cost = models.DecimalField(_("cost (yuan)"), **YUAN)
    leads_attributed = models.PositiveIntegerField(_("leads attributed"), default=0)
    recorded_by = user_fk(_("recorded by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "-pk"]
        verbose_name = _("advertising spend")
        verbose_name_plural = _("advertising spends")
        constraints = [
            *tenant_keys(),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="crm_advertisingspend_ends_after_start",
                violation_error_message=_("The period cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(cost__gte=0),
                name="crm_advertisingspend_cost_not_negative",
                violation_error_message=_("A cost cannot be negative."),
            ),
        ]
        indexes = [
            models.Index(fields=["dealership", "period_start"], name="crm_adspend_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.description}"
