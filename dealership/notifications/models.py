"""The notification centre's rows: what each person was told (:class:`Notification`), each
message handed to a channel outside the app (:class:`Delivery`), the WeCom group robots
(:class:`WeComRobot`) and each person's channel choices (:class:`NotificationPreference`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dealership.tenancy.constraints import tenant_keys
from dealership.tenancy.models import TenantModel


class Notification(TenantModel):
    """One thing one person was told, in the app. Unique per (dealership, recipient, key): the
    same event never notifies the same person twice, however often the code that tells runs.

    The subject and body are stored in both languages (rendered when the event happened); the
    object it is about is named by ``object_type`` / ``object_id`` and linked only while the
    reader may still open it."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=64)
    key = models.CharField(_("key"), max_length=200)
    subject_zh = models.CharField(_("subject (Chinese)"), max_length=200)
    subject_en = models.CharField(_("subject (English)"), max_length=200)
    body_zh = models.TextField(_("text (Chinese)"), blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            *tenant_keys(),
            models.UniqueConstraint(
                fields=["dealership", "recipient", "key"], name="notification_once_per_key"
            ),
        ]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                name="notification_unread",
                condition=Q(read_at__isnull=True),
            )
        ]

    def _text(self, zh: str, en: str) -> str:
        return en if (get_language() or "").startswith("en") and en else zh

    @property
    def subject(self) -> str:
        return self._text(self.subject_zh, self.subject_en)

    @property
    def body(self) -> str:
        return self._text(self.body_zh, self.body_en)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("notifications:detail", kwargs={"pk": self.pk})


class WeComRobot(TenantModel):
    """A WeCom (企业微信) group robot: messages for the people of its audience (a department, or
    the whole dealership when blank) are posted to the group through its webhook."""

    name = models.CharField(_("name"), max_length=100)
    webhook_url = models.URLField(
        _("webhook address"),
        max_length=500,
        help_text=_("The robot's webhook address from the WeCom group settings."),
    )
    audience = models.CharField(
        _("for"),
        max_length=100,
        blank=True,
        help_text=_("Whose messages go to this group; blank: the whole dealership."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["audience", "name"]
        verbose_name = _("WeCom robot")
        verbose_name_plural = _("WeCom robots")
        constraints = [
            *tenant_keys(),
            models.UniqueConstraint(
                fields=["dealership", "audience"],
                name="wecomrobot_one_per_audience",
                violation_error_message=_("This group already has a robot; edit that one."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("notifications:robot_edit", kwargs={"pk": self.pk})

    @property
    def masked_url(self) -> str:
        """The address without its secret key (``…key=ab12****``)."""
        url = self.webhook_url
        head, sep, secret = url.partition("key=")
        return f"{head}{sep}{secret[:4]}****" if sep else url


class Delivery(TenantModel):
    """One message handed to a channel outside the app (an e-mail to a person, a digest, a post
    to a WeCom group): the state row of its sending. Unique per (dealership, ``dedupe_key``), so
    the same message is never sent twice; failed attempts are retried with backoff."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        DIGEST = "digest", _("Daily digest")
        WECOM = "wecom", _("WeCom group")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        RETRYING = "retrying", _("Failed, will retry")
        FAILED = "failed", _("Failed")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=64, blank=True)
    dedupe_key = models.CharField(_("key"), max_length=255)
    notification = models.ForeignKey(
        Notification,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("notification"),
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    robot = models.ForeignKey(
        WeComRobot,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("WeCom robot"),
    )
    address = models.CharField(_("to"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("message delivery")
        verbose_name_plural = _("message deliveries")
        constraints = [
            *tenant_keys("notification", "robot"),
            models.UniqueConstraint(
                fields=["dealership", "dedupe_key"], name="delivery_once_per_key"
            ),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.subject}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("notifications:delivery_detail", kwargs={"pk": self.pk})

    @property
    def target(self) -> str:
        if self.channel == self.Channel.WECOM:
            return str(self.robot) if self.robot_id else "—"
        return self.address


class NotificationPreference(models.Model):
    """A person's channels for one kind of notification (the same in every workspace). Without
    a row the kind's defaults apply; kinds a person may not turn off ignore their rows."""

    class Email(models.TextChoices):
        EACH = "each", _("Each one")
        DIGEST = "digest", _("Daily digest")
        OFF = "off", _("Off")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=64)
    email = models.CharField(_("e-mail"), max_length=10, choices=Email.choices)
    wecom = models.BooleanField(_("WeCom group"))

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_pref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind}"
