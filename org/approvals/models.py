"""The approval engine's rows: chains (per kind and dealership), requests with a step row per
step of each round, each approver's decision, delegations and attachments.

A request keeps a snapshot of its chain when it is submitted: editing a chain never changes a
running request. Decisions are immutable; the step rows are the audit trail."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dealership.models import TenantModel
from dealership.tenancy.constraints import tenant_keys
from org.approvals.choices import ApproverType, Mode


class ApprovalChain(TenantModel):
    """The chain of one kind of request in one dealership (edited by the GM office)."""

    kind = models.CharField(_("kind"), max_length=64)
    due_working_days = models.PositiveSmallIntegerField(
        _("working days per step"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("An open step is due after this many working days (mainland calendar)."),
    )
    block_over_budget = models.BooleanField(
        _("block over budget"),
        default=False,
        help_text=_("Refuse to submit a request that would exceed its department's budget."),
    )
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("approval chain")
        verbose_name_plural = _("approval chains")
        constraints = [
            *tenant_keys(),
            models.UniqueConstraint(fields=["dealership", "kind"], name="approvalchain_per_kind"),
        ]

    def __str__(self) -> str:
        from org.approvals.kinds import kind_label

        return str(kind_label(self.kind))

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("org:approval_chain", kwargs={"pk": self.pk})


class ChainStep(TenantModel):
    chain = models.ForeignKey(
        ApprovalChain, on_delete=models.CASCADE, related_name="steps", verbose_name=_("chain")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    label = models.CharField(_("label"), max_length=100, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=100, blank=True)
    approver_type = models.CharField(
        _("approver"), max_length=20, choices=ApproverType.choices, default=ApproverType.POSITION
    )
    position = models.ForeignKey(
        "org.Position",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chain_steps",
        verbose_name=_("position"),
    )
    alternate = models.ForeignKey(
        "org.Position",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alternate_chain_steps",
        verbose_name=_("or position"),
        help_text=_("Holders of either position may decide (e.g. the GM or the deputy GM)."),
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.ANY)
    required_count = models.PositiveSmallIntegerField(_("how many"), default=1)
    min_amount = models.DecimalField(
        _("from amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    max_amount = models.DecimalField(
        _("below amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    notify_only = models.BooleanField(_("only informed"), default=False)

    class Meta:
        ordering = ["chain", "order"]
        verbose_name = _("chain step")
        verbose_name_plural = _("chain steps")
        constraints = [
            *tenant_keys("chain", "position", "alternate"),
            models.UniqueConstraint(
                fields=["dealership", "chain", "order"], name="chainstep_unique_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.display}"

    @property
    def label_display(self) -> str:
        from django.utils.translation import get_language

        english = (get_language() or "").startswith("en")
        return self.label_en if english and self.label_en else self.label

    @property
    def display(self) -> str:
        """Who decides, in the active language (``总经理 / 副总经理``, ``Head of …``)."""
        if self.approver_type == ApproverType.POSITION and self.position_id:
            who = self.position.name
            if self.alternate_id:
                who = f"{who} / {self.alternate.name}"
        elif self.approver_type == ApproverType.PERSON and self.person_id:
            who = self.person.get_full_name() or self.person.get_username()
        else:
            who = str(self.get_approver_type_display())
        label = self.label_display
        if label:
            who = f"{label} ({who})"
        if self.notify_only:
            who = f"{who} · {_('only informed')}"
        return who


class ApprovalRequest(TenantModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", pgettext_lazy("approval request", "Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RETURNED = "returned", _("Returned for changes")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    kind = models.CharField(_("kind"), max_length=64)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="approval_requests",
        verbose_name=_("requester"),
    )
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        related_name="approval_requests",
        verbose_name=_("department"),
    )
    requester_position = models.ForeignKey(
        "org.Position",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requester's position"),
    )
    amount = models.DecimalField(
        _("amount (CNY)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    chain_snapshot = models.JSONField(_("chain"), default=list, blank=True)
    over_budget = models.BooleanField(_("over budget"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        constraints = [
            *tenant_keys("department", "requester_position"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0),
                name="approvalrequest_amount_positive",
            ),
        ]
        indexes = [models.Index(fields=["status", "kind"], name="approvalrequest_status")]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("org:approval_detail", kwargs={"pk": self.pk})

    @property
    def kind_label(self) -> str:
        from org.approvals.kinds import kind_label

        return kind_label(self.kind)

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class ApprovalStep(TenantModel):
    """One step of one round of a request. Steps open one after the other; approvers are
    resolved when the step opens (delegation and the no-self-approval rule applied then)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Not yet")
        OPEN = "open", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RETURNED = "returned", _("Returned")
        SKIPPED = "skipped", _("Skipped")
        INFORMED = "informed", _("Informed")
        CANCELLED = "cancelled", _("Cancelled")

    request = models.ForeignKey(
        ApprovalRequest, on_delete=models.CASCADE, related_name="steps", verbose_name=_("request")
    )
    round = models.PositiveSmallIntegerField(_("round"))
    order = models.PositiveSmallIntegerField(_("order"))
    label = models.CharField(_("step"), max_length=200)
    label_en = models.CharField(_("step (English)"), max_length=200, blank=True)
    approver_type = models.CharField(_("approver"), max_length=20, choices=ApproverType.choices)
    position_codes = models.JSONField(_("positions"), default=list, blank=True)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.ANY)
    required_count = models.PositiveSmallIntegerField(_("how many"), default=1)
    notify_only = models.BooleanField(_("only informed"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        ordering = ["request", "round", "order"]
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        constraints = [
            *tenant_keys("request"),
            models.UniqueConstraint(
                fields=["dealership", "request", "round", "order"], name="approvalstep_unique"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="approvalstep_due")]

    def __str__(self) -> str:
        return f"{self.request} · {self.order}. {self.label_display}"

    @property
    def label_display(self) -> str:
        from django.utils.translation import get_language

        english = (get_language() or "").startswith("en")
        return self.label_en if english and self.label_en else self.label

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return (
            self.status == self.Status.OPEN
            and self.due_at is not None
            and self.due_at < timezone.now()
        )

    def get_absolute_url(self) -> str:
        return self.request.get_absolute_url()


class StepApprover(TenantModel):
    """A person who may decide a step (resolved when it opened), and their decision."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")
        RETURN = "return", _("Returned for changes")

    step = models.ForeignKey(
        ApprovalStep, on_delete=models.CASCADE, related_name="approvers", verbose_name=_("step")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="approval_assignments",
        verbose_name=_("approver"),
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("on behalf of"),
    )
    escalated = models.BooleanField(_("added when overdue"), default=False)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["step", "pk"]
        verbose_name = _("step approver")
        verbose_name_plural = _("step approvers")
        constraints = [
            *tenant_keys("step"),
            models.UniqueConstraint(
                fields=["dealership", "step", "user"], name="stepapprover_once_per_step"
            ),
            models.CheckConstraint(
                condition=Q(decision="") | Q(decided_at__isnull=False),
                name="stepapprover_decision_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step} · {self.user}"

    def get_absolute_url(self) -> str:
        return self.step.request.get_absolute_url()


class Delegation(TenantModel):
    """While ``delegator`` is away (``start``..``end``, inclusive), steps that open for them go
    to ``delegate``, recorded "delegate on behalf of delegator"."""

    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="delegations_given",
        verbose_name=_("approver away"),
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="delegations_received",
        verbose_name=_("delegate"),
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-start", "-pk"]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            *tenant_keys(),
            models.CheckConstraint(
                condition=~Q(delegator=models.F("delegate")), name="delegation_not_to_oneself"
            ),
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="delegation_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delegator} → {self.delegate} ({self.start:%Y-%m-%d}–{self.end:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("org:delegation_list")


# the storage lives in the platform (report files use it too); migrations name it here
from dealership.files import PrivateStorage, private_storage  # noqa: E402, F401


def _attachment_path(instance, filename: str) -> str:
    import uuid

    return f"approvals/{instance.dealership_id}/{uuid.uuid4().hex}"


class Attachment(TenantModel):
    class Purpose(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CONTRACT = "contract", _("Contract")
        PHOTO = "photo", _("Photo")
        SAFETY = "safety", _("Safety agreement")
        OTHER = "other", _("Other document")

    request = models.ForeignKey(
        ApprovalRequest,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("request"),
    )
    purpose = models.CharField(_("what it is"), max_length=10, choices=Purpose.choices)
    file = models.FileField(_("file"), storage=private_storage, upload_to=_attachment_path)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["request", "uploaded_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = tenant_keys("request")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("org:attachment", kwargs={"pk": self.pk})

    @property
    def previewable(self) -> bool:
        return self.content_type.startswith("image/") or self.content_type == "application/pdf"
