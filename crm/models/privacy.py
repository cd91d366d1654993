"""Personal information (PIPL): every time a full phone number is shown to someone, one
:class:`PhoneReveal` row records who saw whose number, when and where. The CRM director reads
the log (``crm.view_phone_log``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.models.customers import Customer
from dealership.models import TenantModel
from dealership.tenancy.constraints import tenant_keys


class PhoneReveal(TenantModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("shown to"),
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    context = models.CharField(_("where"), max_length=100, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("phone number shown")
        verbose_name_plural = _("phone numbers shown")
        constraints = [*tenant_keys("customer")]
        indexes = [models.Index(fields=["dealership", "at"], name="crm_phonereveal_at_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.customer_id} {self.at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("crm:phone_log")
