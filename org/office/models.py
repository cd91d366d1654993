"""The admin office's records (综合部): OEM notices and technical bulletins with each recipient's
acknowledgement, meeting minutes with their action items, training sessions with each trainee's
check (and re-training, 转训), the staff rota with the attendance marked against it.

Every row is a tenant row; people are ``StaffMember`` rows of the same dealership (composite
tenant keys), so a notice, a meeting or a rota never names someone of another dealership."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dealership.files import private_storage
from dealership.models import TenantModel
from dealership.tenancy.constraints import tenant_keys


def _notice_path(instance, filename: str) -> str:
    import uuid

    return f"notices/{instance.dealership_id}/{uuid.uuid4().hex}"


# --- OEM notices and technical bulletins (厂家通知 / 技术通报) ------------------------------------


class Notice(TenantModel):
    """A notice from the car maker (or a technical bulletin, or an internal notice), registered
    by the admin office or the technical expert and distributed to positions: every holder gets
    a :class:`NoticeReceipt` and acknowledges it (已阅)."""

    class Kind(models.TextChoices):
        OEM_NOTICE = "oem_notice", _("OEM notice")
        TECHNICAL_BULLETIN = "technical_bulletin", _("Technical bulletin")
        INTERNAL = "internal", _("Internal notice")

    number = models.CharField(_("number"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    issuer = models.CharField(
        _("issued by"), max_length=100, blank=True, help_text=_("e.g. the car maker's office")
    )
    issued_on = models.DateField(_("issued on"))
    body = models.TextField(_("text"), blank=True)
    attachment = models.FileField(
        _("attachment"), storage=private_storage, upload_to=_notice_path, blank=True
    )
    attachment_name = models.CharField(_("file name"), max_length=200, blank=True)
    attachment_type = models.CharField(_("file type"), max_length=100, blank=True)
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kept by department"),
    )
    positions = models.ManyToManyField(
        "org.Position",
        through="NoticeTarget",
        related_name="+",
        verbose_name=_("distributed to"),
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )
    distributed_at = models.DateTimeField(_("distributed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            *tenant_keys("department"),
            models.UniqueConstraint(
                fields=["dealership", "number"],
                name="notice_unique_number",
                violation_error_message=_("A notice with this number is already registered."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("org:notice_detail", kwargs={"pk": self.pk})


class NoticeTarget(TenantModel):
    """A position a notice is distributed to (its holders on the day of distribution)."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="targets", verbose_name=_("notice")
    )
    position = models.ForeignKey(
        "org.Position", on_delete=models.PROTECT, related_name="+", verbose_name=_("position")
    )

    class Meta:
        ordering = ["notice", "position"]
        verbose_name = _("notice position")
        verbose_name_plural = _("notice positions")
        constraints = [
            *tenant_keys("notice", "position"),
            models.UniqueConstraint(
                fields=["dealership", "notice", "position"], name="noticetarget_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.position_id}"


class NoticeReceipt(TenantModel):
    """One recipient of a notice: when it reached them, when they acknowledged it (已阅), and
    the reminders sent while unread."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="receipts", verbose_name=_("notice")
    )
    staff = models.ForeignKey(
        "org.StaffMember", on_delete=models.PROTECT, related_name="+", verbose_name=_("recipient")
    )
    delivered_at = models.DateTimeField(_("delivered at"))
    read_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("last reminded at"), null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(_("reminders"), default=0)

    class Meta:
        ordering = ["notice", "read_at", "pk"]
        verbose_name = _("notice receipt")
        verbose_name_plural = _("notice receipts")
        constraints = [
            *tenant_keys("notice", "staff"),
            models.UniqueConstraint(
                fields=["dealership", "notice", "staff"], name="noticereceipt_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice} — {self.staff_id}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("org:notice_detail", kwargs={"pk": self.notice_id})


# --- meetings and action items (会议纪要) -------------------------------------------------------


class Meeting(TenantModel):
    class Kind(models.TextChoices):
        MORNING = "morning", _("Morning meeting")
        EVENING = "evening", _("Evening meeting")
        DEPARTMENT = "department", _("Department meeting")
        MANAGEMENT_REVIEW = "management_review", _("Management review")
        OTHER = "other", _("Other meeting")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("subject"), max_length=200)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=100, blank=True)
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    chair = models.ForeignKey(
        "org.StaffMember",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chaired by"),
    )
    attendees = models.ManyToManyField(
        "org.StaffMember",
        through="MeetingAttendee",
        related_name="meetings",
        verbose_name=_("attendees"),
    )
    minutes = models.TextField(_("minutes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = tenant_keys("department", "chair")

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("org:meeting_detail", kwargs={"pk": self.pk})


class MeetingAttendee(TenantModel):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("meeting")
    )
    staff = models.ForeignKey(
        "org.StaffMember", on_delete=models.PROTECT, related_name="+", verbose_name=_("attendee")
    )

    class Meta:
        ordering = ["meeting", "staff"]
        verbose_name = _("meeting attendee")
        verbose_name_plural = _("meeting attendees")
        constraints = [
            *tenant_keys("meeting", "staff"),
            models.UniqueConstraint(
                fields=["dealership", "meeting", "staff"], name="meetingattendee_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} — {self.staff_id}"


class ActionItem(TenantModel):
    """A decision of a meeting someone must carry out by a date (owner, due date, state);
    overdue items are on the owner's dashboard and reminded once."""

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("action item", "Open")
        DONE = "done", pgettext_lazy("action item", "Done")
        CANCELLED = "cancelled", pgettext_lazy("action item", "Cancelled")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="items", verbose_name=_("meeting")
    )
    title = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        "org.StaffMember", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    due_on = models.DateField(_("due on"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    result = models.TextField(_("result"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    class Meta:
        ordering = ["state", "due_on", "pk"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        constraints = tenant_keys("meeting", "owner")
        indexes = [models.Index(fields=["dealership", "state", "due_on"], name="actionitem_due")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("org:meeting_detail", kwargs={"pk": self.meeting_id})

    def is_overdue(self, today) -> bool:
        return self.state == self.State.OPEN and self.due_on < today


# --- training (培训 / 转训) ---------------------------------------------------------------------


class TrainingSession(TenantModel):
    """A course held on a day: by the car maker, in-house, or a re-training (转训) in which
    someone trained at ``source`` passes the course on to colleagues."""

    class Kind(models.TextChoices):
        OEM = "oem", _("OEM training")
        INTERNAL = "internal", _("In-house training")
        RETRAINING = "retraining", _("Re-training (passed on)")

    course = models.CharField(_("course"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    held_on = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=5,
        decimal_places=1,
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(999)],
    )
    trainer = models.ForeignKey(
        "org.StaffMember",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("trainer (colleague)"),
    )
    trainer_name = models.CharField(
        _("trainer (outside)"), max_length=100, blank=True, help_text=_("e.g. the car maker's")
    )
    source = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="retrainings",
        verbose_name=_("passes on the session"),
    )
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    content = models.TextField(_("content"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        constraints = tenant_keys("trainer", "source", "department")

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.course}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("org:training_detail", kwargs={"pk": self.pk})

    @property
    def trainer_display(self) -> str:
        if self.trainer_id:
            return str(self.trainer)
        return self.trainer_name


class TrainingRecord(TenantModel):
    """One trainee of a session and the result of the check (passed / failed, a score), with
    the date a re-check is due."""

    class Result(models.TextChoices):
        PENDING = "pending", _("Not checked yet")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")

    session = models.ForeignKey(
        TrainingSession,
        on_delete=models.CASCADE,
        related_name="records",
        verbose_name=_("session"),
    )
    trainee = models.ForeignKey(
        "org.StaffMember", on_delete=models.PROTECT, related_name="+", verbose_name=_("trainee")
    )
    result = models.CharField(
        _("check"), max_length=10, choices=Result.choices, default=Result.PENDING
    )
    score = models.DecimalField(
        _("score"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    recheck_due_on = models.DateField(_("re-check due on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    class Meta:
        ordering = ["session", "trainee"]
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        constraints = [
            *tenant_keys("session", "trainee"),
            models.UniqueConstraint(
                fields=["dealership", "session", "trainee"],
                name="trainingrecord_unique",
                violation_error_message=_("This person is already a trainee of the session."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session} — {self.trainee_id}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("org:training_detail", kwargs={"pk": self.session_id})


# --- the rota and attendance (排班 / 考勤) ------------------------------------------------------


class RotaShift(TenantModel):
    """One staff member's shift on one day in a department's rota, and the attendance marked
    against it (present, late, on leave, absent…)."""

    class Kind(models.TextChoices):
        FULL = "full", _("Full day")
        EARLY = "early", _("Early shift")
        LATE = "late", _("Late shift")
        DUTY = "duty", _("On duty")
        REST = "rest", _("Rest day")

    class Mark(models.TextChoices):
        PRESENT = "present", _("Present")
        LATE = "late", _("Late")
        LEFT_EARLY = "left_early", _("Left early")
        LEAVE = "leave", _("On leave")
        SICK = "sick", _("Sick leave")
        ABSENT = "absent", _("Absent")

    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    staff = models.ForeignKey(
        "org.StaffMember", on_delete=models.PROTECT, related_name="+", verbose_name=_("staff")
    )
    day = models.DateField(_("day"))
    kind = models.CharField(_("shift"), max_length=10, choices=Kind.choices)
    mark = models.CharField(_("attendance"), max_length=12, choices=Mark.choices, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked by"),
    )
    marked_at = models.DateTimeField(_("marked at"), null=True, blank=True)

    class Meta:
        ordering = ["day", "department", "staff"]
        verbose_name = _("rota shift")
        verbose_name_plural = _("rota shifts")
        constraints = [
            *tenant_keys("department", "staff"),
            models.UniqueConstraint(
                fields=["dealership", "staff", "day"],
                name="rotashift_one_per_day",
                violation_error_message=_("This person already has a shift on this day."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="rest") | Q(mark=""),
                name="rotashift_no_mark_on_rest_day",
                violation_error_message=_("A rest day has no attendance mark."),
            ),
        ]
        indexes = [models.Index(fields=["dealership", "department", "day"], name="rotashift_day")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("org:rotashift_detail", kwargs={"pk": self.pk})
