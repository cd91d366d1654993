"""Thank-you letters (购车感谢信 / 入库感谢信): one per delivery or service visit (the crm
:class:`~crm.models.customers.CustomerEvent` that reports it), written by the job the day after,
printed as a PDF, signed off by the GM (a purchase) or the service manager (a service visit)
through the approvals engine, then mailed by the admin department, who log the day, who and
the tracking number: drafted → awaiting signature → signed → mailed (or cancelled)."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models.customers import Customer, CustomerEvent, EventKind, Vehicle
from crm.models.followups import user_fk
from dealership.files import private_storage
from dealership.models import TenantModel
from dealership.tenancy.constraints import tenant_keys


class LetterState(models.TextChoices):
    DRAFTED = "drafted", pgettext_lazy("letter", "Drafted")
    SUBMITTED = "submitted", pgettext_lazy("letter", "Awaiting signature")
    SIGNED = "signed", pgettext_lazy("letter", "Signed")
    MAILED = "mailed", pgettext_lazy("letter", "Mailed")
    CANCELLED = "cancelled", pgettext_lazy("letter", "Cancelled")


def _letter_path(instance, filename: str) -> str:
    import uuid

    return f"letters/{instance.dealership_id}/{uuid.uuid4().hex}.pdf"


class ThankYouLetter(TenantModel):
    kind = models.CharField(_("kind"), max_length=10, choices=EventKind)
    event = models.ForeignKey(
        CustomerEvent, on_delete=models.PROTECT, related_name="+", verbose_name=_("event")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="letters", verbose_name=_("customer")
    )
    vehicle = models.ForeignKey(
        Vehicle,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vehicle"),
    )
    addressee = models.CharField(_("addressee"), max_length=100)
    address = models.CharField(_("postal address"), max_length=300, blank=True)
    body = models.TextField(_("letter text"))
    state = models.CharField(
        _("state"), max_length=10, choices=LetterState, default=LetterState.DRAFTED
    )
    request = models.ForeignKey(
        "org.ApprovalRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approval request"),
    )
    signed_by = user_fk(_("signed by"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    mailed_on = models.DateField(_("mailed on"), null=True, blank=True)
    mailed_by = user_fk(_("mailed by"), null=True, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # the PDF as signed off, stored when the approver signs: printed again, the same document
    pdf = models.FileField(
        _("signed letter (PDF)"),
        upload_to=_letter_path,
        storage=private_storage,
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("thank-you letter")
        verbose_name_plural = _("thank-you letters")
        constraints = [
            *tenant_keys("event", "customer", "vehicle", "request"),
            models.UniqueConstraint(
                fields=["dealership", "event"], name="crm_thankyouletter_once_per_event"
            ),
        ]
        indexes = [
            models.Index(fields=["dealership", "state"], name="crm_letter_state_idx"),
            models.Index(fields=["dealership", "mailed_on"], name="crm_letter_mailed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.addressee}"

    def get_absolute_url(self) -> str:
        return reverse("crm:letter_detail", kwargs={"pk": self.pk})
