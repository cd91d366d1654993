"""Complaints (投诉): taken on a follow-up call (a low score or the customer's words) or by
hand (phone, letter, e-mail, walk-in), routed by category to the responsible department, and
tracked registered → assigned → in progress → resolved → confirmed with the customer → closed,
with reopen. A deadline per severity; a major complaint is shared with the CRM director and
the GM and marked for coordination with the OEM. :class:`ComplaintEntry` logs every change."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models.customers import Customer, Vehicle
from crm.models.followups import FollowUp, user_fk
from dealership.models import TenantModel
from dealership.search.keys import reversed_twin
from dealership.tenancy.constraints import tenant_keys


class ComplaintChannel(models.TextChoices):
    FOLLOWUP = "followup", _("Follow-up call")
    PHONE = "phone", _("Phone")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("E-mail")
    WALK_IN = "walk_in", _("In person")
    OEM = "oem", _("Passed on by the OEM")


class ComplaintCategory(models.TextChoices):
    """Each category is routed to a department of the org chart (see ``ROUTES``)."""

    SALES_PROCESS = "sales_process", _("Sales process and promises")
    DELIVERY = "delivery", _("Delivery")
    PRICE = "price", _("Price and charges")
    SERVICE_QUALITY = "service_quality", _("Repair quality")
    SERVICE_TIME = "service_time", _("Waiting and repair time")
    PARTS = "parts", _("Parts availability")
    STAFF = "staff", _("Staff attitude")
    VEHICLE = "vehicle", _("Vehicle quality (product)")
    OTHER = "other", _("Other")


# category -> code of the responsible department in the org chart template
ROUTES = {
    ComplaintCategory.SALES_PROCESS: "sales",
    ComplaintCategory.DELIVERY: "sales",
    ComplaintCategory.PRICE: "sales",
    ComplaintCategory.SERVICE_QUALITY: "aftersales",
    ComplaintCategory.SERVICE_TIME: "aftersales",
    ComplaintCategory.PARTS: "aftersales",
    ComplaintCategory.VEHICLE: "aftersales",
    ComplaintCategory.STAFF: "crm",
    ComplaintCategory.OTHER: "crm",
}


class ComplaintSeverity(models.TextChoices):
    NORMAL = "normal", pgettext_lazy("complaint", "Normal")
    MAJOR = "major", pgettext_lazy("complaint", "Major")


class ComplaintState(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ASSIGNED = "assigned", pgettext_lazy("complaint", "Assigned")
    IN_PROGRESS = "in_progress", pgettext_lazy("complaint", "In progress")
    RESOLVED = "resolved", _("Resolved")
    CONFIRMED = "confirmed", _("Confirmed with the customer")
    CLOSED = "closed", pgettext_lazy("complaint", "Closed")


OPEN_COMPLAINT_STATES = (
    ComplaintState.REGISTERED,
    ComplaintState.ASSIGNED,
    ComplaintState.IN_PROGRESS,
)


class Complaint(TenantModel):
    number = models.CharField(_("complaint number"), max_length=20)
    # written backwards by the database, for the search by the value's end (dealership.search.keys)
    number_reversed = reversed_twin("number", 20)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("customer")
    )
    vehicle = models.ForeignKey(
        Vehicle,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("vehicle"),
    )
    followup = models.ForeignKey(
        FollowUp,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("follow-up"),
    )
    channel = models.CharField(_("received through"), max_length=10, choices=ComplaintChannel)
    category = models.CharField(_("category"), max_length=20, choices=ComplaintCategory)
    severity = models.CharField(
        _("severity"),
        max_length=10,
        choices=ComplaintSeverity,
        default=ComplaintSeverity.NORMAL,
    )
    description = models.TextField(_("what the customer says"))
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible department"),
    )
    owner = user_fk(_("handled by"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=ComplaintState, default=ComplaintState.REGISTERED
    )
    received_at = models.DateTimeField(_("received at"))
    deadline = models.DateTimeField(_("resolve by"))
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    oem_coordination = models.BooleanField(_("handled with the OEM"), default=False)
    resolution = models.TextField(_("resolution"), blank=True)
    customer_feedback = models.TextField(_("customer's confirmation"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopened = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    registered_by = user_fk(_("registered by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        constraints = [
            *tenant_keys("customer", "vehicle", "followup", "department"),
            models.UniqueConstraint(
                fields=["dealership", "number"], name="crm_complaint_unique_number"
            ),
        ]
        indexes = [
            models.Index(fields=["dealership", "state", "deadline"], name="crm_complaint_open_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("crm:complaint_detail", kwargs={"pk": self.pk})


class ComplaintEntry(TenantModel):
    """One change of a complaint: who, when, what (state, owner, note)."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="entries", verbose_name=_("complaint")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = user_fk(_("by"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(_("from"), max_length=12, choices=ComplaintState, blank=True)
    to_state = models.CharField(_("to"), max_length=12, choices=ComplaintState, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("complaint log entry")
        verbose_name_plural = _("complaint log entries")
        constraints = [*tenant_keys("complaint")]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.action}"

    def get_absolute_url(self) -> str:
        return reverse("crm:complaint_detail", kwargs={"pk": self.complaint_id})
