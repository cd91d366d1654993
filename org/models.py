"""The org chart of a dealership: departments, positions, the staff who hold them, the
capabilities each position grants (their changes are recorded in the platform's audit log,
:mod:`dealership.audit`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dealership.models import BilingualName, TenantModel
from dealership.tenancy.constraints import tenant_keys
from dealership.tenancy.object_permissions import (
    TenantGroupObjectPermission,
    TenantUserObjectPermission,
    tenant_object_permission_constraints,
)
from org.capabilities import Capability, DataScope

MAX_DUTIES = 50
MAX_DUTY_LENGTH = 300


def validate_duties(value) -> None:
    """A position's duties: at most 50, each a Chinese text (and an English one) of at most 300
    characters — a list without bounds would let one request store megabytes."""
    from django.core.exceptions import ValidationError

    if not isinstance(value, list):
        raise ValidationError(_("Give the duties as a list."))
    if len(value) > MAX_DUTIES:
        raise ValidationError(
            _("At most %(max)d duties per position (%(count)d given).")
            % {"max": MAX_DUTIES, "count": len(value)}
        )
    for item in value:
        texts = [item.get("zh"), item.get("en", "")] if isinstance(item, dict) else [None]
        if not isinstance(texts[0], str) or not texts[0].strip() or not isinstance(texts[1], str):
            raise ValidationError(
                _("Each duty needs a Chinese text (and may have an English one).")
            )
        if any(len(text) > MAX_DUTY_LENGTH for text in texts):
            raise ValidationError(
                _("A duty is at most %(max)d characters long.") % {"max": MAX_DUTY_LENGTH}
            )


class Department(BilingualName, TenantModel):
    class Kind(models.TextChoices):
        GM_OFFICE = "gm_office", _("GM office")
        SALES = "sales", _("Sales")
        AFTERSALES = "aftersales", _("After-sales")
        CRM = "crm", _("Customer relations / marketing")
        ADMIN_FINANCE = "admin_finance", _("Admin and finance")
        CUSTOM = "custom", _("Other")

    code = models.SlugField(_("code"), max_length=50)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CUSTOM)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            *tenant_keys(),
            models.UniqueConstraint(
                fields=["dealership", "code"],
                name="department_unique_code",
                violation_error_message=_(
                    "This dealership already has a department with this code."
                ),
            ),
        ]

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("org:chart") + f"#dept-{self.pk}"


class Position(BilingualName, TenantModel):
    """A position (岗位) in one dealership's org chart."""

    EDITABLE_FIELDS = (
        "department",
        "code",
        "name_zh",
        "name_en",
        "reports_to",
        "is_manager",
        "order",
        "responsibilities",
    )

    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="positions", verbose_name=_("department")
    )
    code = models.SlugField(
        _("code"), max_length=50, help_text=_("Stable English identifier, e.g. sales_consultant.")
    )
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    responsibilities = models.JSONField(
        _("responsibilities"),
        default=list,
        blank=True,
        help_text=_("A list of {zh, en} items."),
        validators=[validate_duties],
    )
    reports_to = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="direct_reports",
        verbose_name=_("reports to"),
    )
    is_manager = models.BooleanField(_("manager"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["department__order", "order", "code"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        constraints = [
            *tenant_keys("department", "reports_to"),
            models.UniqueConstraint(
                fields=["dealership", "code"],
                name="position_unique_code",
                violation_error_message=_("This dealership already has a position with this code."),
            ),
        ]

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("org:position_detail", kwargs={"pk": self.pk})

    def duties(self) -> list[str]:
        english = (get_language() or "").startswith("en")
        return [
            (item.get("en") if english and item.get("en") else item.get("zh", ""))
            for item in self.responsibilities
        ]


class StaffMember(TenantModel):
    """A person employed by a dealership: the HR record behind the platform ``Membership`` of
    the same user and dealership (kept in step by the services).

    Ending the employment keeps the record (history) and deactivates the membership, which
    removes the person's access at once.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="staff_records",
        verbose_name=_("user"),
    )
    positions = models.ManyToManyField(
        Position, through="PositionAssignment", related_name="holders", verbose_name=_("positions")
    )
    employee_no = models.CharField(_("employee number"), max_length=32)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["employee_no"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        constraints = [
            *tenant_keys(),
            models.UniqueConstraint(
                fields=["dealership", "user"],
                name="staffmember_unique_user",
                violation_error_message=_("This person already works in this dealership."),
            ),
            models.UniqueConstraint(
                fields=["dealership", "employee_no"],
                name="staffmember_unique_employee_no",
                violation_error_message=_(
                    "This employee number is already used in this dealership."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="staffmember_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.user.get_full_name()

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("org:staff_detail", kwargs={"pk": self.pk})


class PositionAssignment(TenantModel):
    """A staff member holds a position."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="assignments")
    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="assignments")
    is_primary = models.BooleanField(_("primary position"), default=False)
    since = models.DateField(_("since"))

    class Meta:
        ordering = ["-is_primary", "position__code"]
        verbose_name = _("position assignment")
        verbose_name_plural = _("position assignments")
        constraints = [
            *tenant_keys("staff", "position"),
            models.UniqueConstraint(
                fields=["dealership", "staff", "position"], name="assignment_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} — {self.position}"


class PositionCapability(TenantModel):
    """A capability granted to a position, with its data scope (a cell of the matrix)."""

    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="capabilities")
    capability = models.CharField(_("capability"), max_length=64, choices=Capability.choices)
    scope = models.PositiveSmallIntegerField(
        _("data scope"),
        choices=[c for c in DataScope.choices if c[0] != DataScope.GROUP],
        default=DataScope.OWN,
    )

    class Meta:
        ordering = ["position__code", "capability"]
        verbose_name = _("position capability")
        verbose_name_plural = _("position capabilities")
        constraints = [
            *tenant_keys("position"),
            models.UniqueConstraint(
                fields=["dealership", "position", "capability"], name="positioncapability_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(scope__in=[1, 2, 3]), name="positioncapability_scope_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position.code}: {self.capability} ({self.get_scope_display()})"


# Direct foreign-key permission tables (django-guardian) for explicit per-object grants on the
# staff records; guardian uses them instead of its generic tables for this model. They are
# tenant rows of the record's dealership.
class StaffMemberUserObjectPermission(TenantUserObjectPermission):
    content_object = models.ForeignKey(StaffMember, on_delete=models.CASCADE)

    class Meta(TenantUserObjectPermission.Meta):
        abstract = False
        unique_together = ()
        constraints = tenant_object_permission_constraints("user")


class StaffMemberGroupObjectPermission(TenantGroupObjectPermission):
    content_object = models.ForeignKey(StaffMember, on_delete=models.CASCADE)

    class Meta(TenantGroupObjectPermission.Meta):
        abstract = False
        unique_together = ()
        constraints = tenant_object_permission_constraints("group")


# The approval engine's rows (org/approvals/models.py), imported so Django finds them.
from org.approvals.models import (  # noqa: E402
    ApprovalChain,
    ApprovalRequest,
    ApprovalStep,
    Attachment,
    ChainStep,
    Delegation,
    StepApprover,
)

# The admin office's rows (org/office/models.py): notices, meetings, training, the rota.
from org.office.models import (  # noqa: E402
    ActionItem,
    Meeting,
    MeetingAttendee,
    Notice,
    NoticeReceipt,
    NoticeTarget,
    RotaShift,
    TrainingRecord,
    TrainingSession,
)

__all__ = [
    "ActionItem",
    "ApprovalChain",
    "ApprovalRequest",
    "ApprovalStep",
    "Attachment",
    "ChainStep",
    "Delegation",
    "Department",
    "Meeting",
    "MeetingAttendee",
    "Notice",
    "NoticeReceipt",
    "NoticeTarget",
    "Position",
    "PositionAssignment",
    "PositionCapability",
    "RotaShift",
    "StaffMember",
    "StaffMemberGroupObjectPermission",
    "StaffMemberUserObjectPermission",
    "StepApprover",
    "TrainingRecord",
    "TrainingSession",
]
