"""Platform models: users, the tenancy core (brands, dealer groups, dealerships), memberships
and the rows that record scheduled work.

The tenancy core lives in the platform (not in ``org/``) because every app, the middleware
and the scheduler need it, and the platform imports no app.
"""

from __future__ import annotations

from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dealership.access_cache import AccessQuerySetMixin
from dealership.files import private_storage
from dealership.tenancy.constraints import tenant_keys
from dealership.tenancy.models import TenantManager, TenantModel, TenantQuerySet

__all__ = [
    "AuditEntry",
    "BilingualName",
    "Brand",
    "DealerGroup",
    "Dealership",
    "Delivery",
    "DispatcherPass",
    "GroupExport",
    "GroupMembership",
    "HolidayOverride",
    "JobRun",
    "ListExport",
    "Membership",
    "Notification",
    "NotificationPreference",
    "OemChannel",
    "OemSubmission",
    "PrintedDocument",
    "ReportRun",
    "SecurityEvent",
    "TenantManager",
    "TenantModel",
    "TenantQuerySet",
    "User",
    "WeComRobot",
]

TIME_ZONE_CHOICES = sorted((tz, tz) for tz in available_timezones())


class AccessQuerySet(AccessQuerySetMixin, models.QuerySet):
    """Queryset of the platform's access tables (see :mod:`dealership.access_cache`)."""


class BilingualName:
    """``name`` in the active language (Chinese unless English is active): a mixin for models
    with ``name_zh`` and ``name_en``."""

    @property
    def name(self) -> str:
        return (
            self.name_en
            if (get_language() or "").startswith("en") and self.name_en
            else self.name_zh
        )

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in. ``name`` holds the full name as written (e.g. 张伟)."""

    name = models.CharField(_("full name"), max_length=100, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language of the e-mails this person receives (the last one chosen)."),
    )
    # Raised by dealership.security.services.user_sign_out_everywhere: every session made
    # before it no longer matches the session hash (like a password change), whatever the
    # session backend.
    session_epoch = models.PositiveIntegerField(_("session generation"), default=0, editable=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def _get_session_auth_hash(self, secret=None):
        """Django's hash of the password (sessions end when it changes), plus the generation:
        signing out everywhere ends every session too. Generation 0 keeps Django's own hash, so
        sessions made before the generation existed stay valid."""
        if not self.session_epoch:
            return super()._get_session_auth_hash(secret=secret)
        from django.utils.crypto import salted_hmac

        return salted_hmac(
            "dealership.User.session_auth_hash",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_full_name(self) -> str:
        return self.name or super().get_full_name() or self.username

    def get_short_name(self) -> str:
        return self.name or self.username

    def __str__(self) -> str:
        return self.get_full_name()


class Brand(BilingualName, models.Model):
    """A car brand and its maker (the OEM, 主机厂), e.g. 东风悦达起亚."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    oem_name_zh = models.CharField(_("OEM (Chinese)"), max_length=100, blank=True)
    oem_name_en = models.CharField(_("OEM (English)"), max_length=100, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("brand")
        verbose_name_plural = _("brands")


class DealerGroup(BilingualName, models.Model):
    """A dealer group (集团总部) owning several dealerships."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)

    objects = AccessQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("dealer group")
        verbose_name_plural = _("dealer groups")


class Dealership(BilingualName, models.Model):
    """A dealership (4S店): the tenant. Its staff see only its data."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    login_prefix = models.CharField(
        _("login prefix"),
        max_length=16,
        unique=True,
        validators=[
            RegexValidator(
                r"^[a-z][a-z0-9]*$", _("Use lower-case letters and digits, starting with a letter.")
            )
        ],
        help_text=_(
            "Logins created by this dealership's HR start with it, e.g. whkia_zhangwei: "
            "each dealership names its own logins and never sees another's."
        ),
    )
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    brand = models.ForeignKey(
        Brand, on_delete=models.PROTECT, related_name="dealerships", verbose_name=_("brand")
    )
    group = models.ForeignKey(
        DealerGroup,
        on_delete=models.PROTECT,
        related_name="dealerships",
        verbose_name=_("dealer group"),
        null=True,
        blank=True,
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", choices=TIME_ZONE_CHOICES
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    # printed at the head of the customer's documents (dealership.documents); set in the admin
    logo = models.ImageField(
        _("logo"), upload_to="logos/", storage=private_storage, blank=True, max_length=200
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = AccessQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("dealership")
        verbose_name_plural = _("dealerships")

    def login_name(self, name: str) -> str:
        """The full login for the name HR typed (the prefix is added once)."""
        name = name.strip()
        prefix = f"{self.login_prefix}_"
        return name if name.startswith(prefix) else prefix + name

    @property
    def zoneinfo(self):
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.time_zone)


class Membership(models.Model):
    """A user's access to one dealership. Ending it (``is_active=False``) removes access at once.

    This is the platform's access table (read before any tenant scope exists); the org chart
    (``org/``) attaches positions and employee details to it.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    dealership = models.ForeignKey(
        Dealership,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("dealership"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = AccessQuerySet.as_manager()

    class Meta:
        ordering = ["dealership__code", "user__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["dealership", "user"], name="membership_unique_user_per_dealership"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.dealership}"


class GroupMembership(models.Model):
    """An HQ user's access to a dealer group: read-only across the group's dealerships."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="group_memberships", verbose_name=_("user")
    )
    group = models.ForeignKey(
        DealerGroup,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("dealer group"),
    )
    position_code = models.SlugField(
        _("HQ position"),
        max_length=50,
        blank=True,
        help_text=_(
            "The HQ position (e.g. hq_director or hq_analyst): it decides what the user may read "
            "across the group. Without a valid HQ position the membership grants nothing."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = AccessQuerySet.as_manager()

    class Meta:
        ordering = ["group__code", "user__username"]
        verbose_name = _("HQ membership")
        verbose_name_plural = _("HQ memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"], name="groupmembership_unique_user_per_group"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.group}"


class JobRun(TenantModel):
    """One run of a scheduled job for one dealership and one day: the scheduler's state row.

    Unique per (dealership, job, run_date): running the scheduler twice, late or after downtime
    finds the same row and never duplicates the work.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        # due while the dispatcher was down for longer than the catch-up window: recorded and
        # reported, never run on its own (an operator runs it with ``run_jobs --date``)
        MISSED = "missed", _("Missed")

    job = models.CharField(_("job"), max_length=100)
    run_date = models.DateField(_("date"))
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    error = models.TextField(_("error"), blank=True)
    # a failed run is retried from then on (exponential backoff); ``None``: it gave up
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # the process of the latest attempt ("host:pid"), for the operator
    worker = models.CharField(_("worker"), max_length=200, blank=True)

    class Meta:
        ordering = ["-run_date", "job"]
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        constraints = [
            *tenant_keys(),
            models.UniqueConstraint(
                fields=["dealership", "job", "run_date"], name="jobrun_unique_per_day"
            ),
        ]
        indexes = [models.Index(fields=["state", "run_date"], name="jobrun_state_date")]

    def __str__(self) -> str:
        return f"{self.job} {self.run_date:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("platform:jobrun_detail", kwargs={"pk": self.pk})


class DispatcherPass(models.Model):
    """The latest pass of one of the platform's dispatchers (``jobs``, ``reports``,
    ``deliveries``): the health page and ``/api/v1/platform/health/`` show it, and the job
    dispatcher reads it to tell which days it missed while it was down."""

    name = models.CharField(_("dispatcher"), max_length=32, primary_key=True)
    last_pass_at = models.DateTimeField(_("last pass at"))
    interval = models.PositiveIntegerField(_("interval (seconds)"))
    host = models.CharField(_("host"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("dispatcher pass")
        verbose_name_plural = _("dispatcher passes")

    def __str__(self) -> str:
        return f"{self.name} {self.last_pass_at:%Y-%m-%d %H:%M:%S}"


class AuditEntry(TenantModel):
    """Who changed what, when, with the values before and after: one row per write of a
    service (see :mod:`dealership.audit`). Each module's services record their own objects; a
    viewer sees an entry only when they may see the object it is about."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        GRANT = "grant", _("Granted")
        REVOKE = "revoke", _("Revoked")
        END = "end", _("Ended")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        constraints = tenant_keys()

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("platform:audit_detail", kwargs={"pk": self.pk})


# The notification centre's rows live in their own module; imported here so Django finds them.
from dealership.documents.models import PrintedDocument  # noqa: E402
from dealership.exports.models import ListExport  # noqa: E402
from dealership.notifications.models import (  # noqa: E402
    Delivery,
    Notification,
    NotificationPreference,
    WeComRobot,
)
from dealership.reports.models import (  # noqa: E402
    GroupExport,
    HolidayOverride,
    OemChannel,
    OemSubmission,
    ReportRun,
)
from dealership.security.models import SecurityEvent  # noqa: E402
