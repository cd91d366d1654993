"""The customer-service desk (客服) of the CRM department:

* :class:`Enquiry` (咨询) — every question a customer (or anyone) asks by phone, in person, on
  WeChat or by e-mail: the topic, the question, the answer given, who took it and when; the
  customer when known. The monthly enquiry report counts them by channel and topic.
* :class:`ImprovementProposal` (改进建议) — feedback from a follow-up call or an enquiry that is
  not a complaint, routed to the responsible department and answered by its head, then
  accepted or closed by the CRM team: open → answered → accepted / closed. Open proposals past
  their answer date are reminded once to the department's head."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models.customers import Customer
from crm.models.followups import FollowUp, user_fk
from dealership.models import TenantModel
from dealership.tenancy.constraints import tenant_keys


class EnquiryChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WALK_IN = "walk_in", _("In person")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("E-mail")


class EnquiryTopic(models.TextChoices):
    VEHICLES = "vehicles", _("Models and prices")
    PURCHASE = "purchase", _("Purchase, finance and insurance")
    BOOKING = "booking", _("Service booking")
    REPAIR = "repair", _("Maintenance and repairs")
    WARRANTY = "warranty", _("Warranty and recalls")
    PARTS = "parts", _("Parts and accessories")
    CLUB = "club", _("Owner club and events")
    OTHER = "other", pgettext_lazy("enquiry topic", "Other")


class Enquiry(TenantModel):
    channel = models.CharField(_("channel"), max_length=10, choices=EnquiryChannel)
    topic = models.CharField(_("topic"), max_length=10, choices=EnquiryTopic)
    question = models.TextField(_("question"))
    answer = models.TextField(_("answer given"), blank=True)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enquiries",
        verbose_name=_("customer"),
    )
    caller_name = models.CharField(
        _("caller's name"),
        max_length=100,
        blank=True,
        help_text=_("When the caller is not (yet) a customer."),
    )
    caller_phone = models.CharField(
        _("caller's phone"),
        max_length=20,
        blank=True,
        help_text=_("A mobile or landline number to call back, when the caller is not a customer."),
    )
    received_at = models.DateTimeField(_("received at"))
    taken_by = user_fk(_("taken by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("enquiry")
        verbose_name_plural = _("enquiries")
        constraints = [*tenant_keys("customer")]
        indexes = [
            models.Index(fields=["dealership", "received_at"], name="crm_enquiry_received_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_topic_display()} {self.received_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("crm:enquiry_detail", kwargs={"pk": self.pk})

    @property
    def who(self) -> str:
        return self.customer.name if self.customer_id else self.caller_name


class ProposalSource(models.TextChoices):
    FOLLOWUP = "followup", _("Follow-up call")
    ENQUIRY = "enquiry", _("Enquiry")
    OTHER = "other", _("Other feedback")


class ProposalState(models.TextChoices):
    OPEN = "open", pgettext_lazy("proposal", "Awaiting an answer")
    ANSWERED = "answered", pgettext_lazy("proposal", "Answered")
    ACCEPTED = "accepted", pgettext_lazy("proposal", "Accepted")
    CLOSED = "closed", pgettext_lazy("proposal", "Closed")


class ImprovementProposal(TenantModel):
    source = models.CharField(_("from"), max_length=10, choices=ProposalSource)
    followup = models.ForeignKey(
        FollowUp,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("follow-up"),
    )
    enquiry = models.ForeignKey(
        Enquiry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("enquiry"),
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("customer"),
    )
    subject = models.CharField(_("subject"), max_length=200)
    feedback = models.TextField(_("what the customer suggests"))
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible department"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=ProposalState, default=ProposalState.OPEN
    )
    answer_by = models.DateField(_("answer by"))
    answer = models.TextField(_("department's answer"), blank=True)
    answered_by = user_fk(_("answered by"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    closed_by = user_fk(_("closed by"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    raised_by = user_fk(_("raised by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("improvement proposal")
        verbose_name_plural = _("improvement proposals")
        constraints = [*tenant_keys("followup", "enquiry", "customer", "department")]
        indexes = [
            models.Index(fields=["dealership", "state", "answer_by"], name="crm_proposal_open_idx"),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("crm:proposal_detail", kwargs={"pk": self.pk})
