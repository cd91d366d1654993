"""The notification centre's writes: :func:`notify` (what every module calls), reading,
preferences, WeCom robots, and sending the deliveries (retried with backoff, never twice)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dealership import queue
from dealership.access import check_model_permission, get_object_for_user, lock_for_user
from dealership.access_cache import forget_for_users
from dealership.audit import audit_record, save_audited, snapshot
from dealership.models import AuditEntry, Dealership, User
from dealership.notifications import channels
from dealership.notifications import recipients as refs
from dealership.notifications.kinds import Email, all_kinds, channels_for, get_kind
from dealership.notifications.models import (
    Delivery,
    Notification,
    NotificationPreference,
    WeComRobot,
)
from dealership.tenancy import dealership_context, get_scope, system_context

logger = logging.getLogger(__name__)

LANGUAGES = ("zh-hans", "en")
ROBOT_FIELDS = ("name", "webhook_url", "audience", "is_active")
Enqueue = Callable[[int, int], None]


# --- telling people ---------------------------------------------------------------------------


def _render(text, language: str) -> str:
    with translation.override(language):
        return str(text or "")


def _bilingual(text, limit: int | None = None) -> dict[str, str]:
    rendered = {lang: _render(text, lang) for lang in LANGUAGES}
    if limit:
        rendered = {lang: value[:limit] for lang, value in rendered.items()}
    return rendered


def _stored_key(key: str | None) -> str:
    if not key:
        return uuid.uuid4().hex
    return key if len(key) <= 200 else hashlib.sha256(key.encode()).hexdigest()


def _dealership_for(obj, dealership) -> Dealership:
    if dealership is not None:
        return (
            dealership
            if isinstance(dealership, Dealership)
            else Dealership.objects.get(pk=dealership)
        )
    dealership_id = getattr(obj, "dealership_id", None)
    if dealership_id is None:
        scope = get_scope()
        dealership_id = scope.current_id
        if dealership_id is None:
            raise ValueError("notify() needs a dealership: pass dealership= or a tenant obj.")
    return Dealership.objects.get(pk=dealership_id)


def local_today(dealership: Dealership) -> dt.date:
    return timezone.now().astimezone(dealership.zoneinfo).date()


def notify(
    kind: str,
    recipients: Iterable,
    subject,
    obj=None,
    body="",
    key: str | None = None,
    *,
    dealership=None,
) -> list[Notification]:
    """Tell ``recipients`` (users, :class:`~dealership.notifications.PositionHolders`, …)
    about ``obj`` in the app, and by e-mail / WeCom as each person's channels for ``kind`` say.

    ``subject`` and ``body`` may be lazy translations (``format_lazy``); both languages are
    stored. ``key`` makes the call idempotent: a person already told with this key is not told
    again, so a job that runs twice, late or after downtime sends nothing extra. Runs inside
    the caller's transaction; the messages leave only after it commits, and sending never
    blocks the caller. Returns the notifications created now."""
    declared = get_kind(kind)
    dealership = _dealership_for(obj, dealership)
    on = local_today(dealership)
    user_ids = refs.resolve(recipients, kind=kind, dealership=dealership, on=on)
    if not user_ids:
        return []
    key = _stored_key(key)
    subjects, bodies = _bilingual(subject, 200), _bilingual(body)
    with transaction.atomic():
        already = set(
            Notification.objects.filter(
                dealership=dealership, key=key, recipient_id__in=user_ids
            ).values_list("recipient_id", flat=True)
        )
        new_ids = user_ids - already
        if not new_ids:
            return []
        Notification.objects.bulk_create(
            [
                Notification(
                    dealership=dealership,
                    recipient_id=user_id,
                    kind=kind,
                    key=key,
                    subject_zh=subjects["zh-hans"],
                    subject_en=subjects["en"],
                    body_zh=bodies["zh-hans"],
                    body_en=bodies["en"],
                    object_type=obj._meta.label if obj is not None else "",
                    object_id=str(obj.pk) if obj is not None else "",
                )
                for user_id in sorted(new_ids)
            ],
            ignore_conflicts=True,  # a concurrent call with the same key: the row exists once
        )
        created = list(
            Notification.objects.filter(dealership=dealership, key=key, recipient_id__in=new_ids)
            .select_related("recipient")
            .order_by("recipient_id")
        )
        _plan_deliveries(declared, dealership, created, key=key, on=on, obj=obj)
        forget_for_users(new_ids)  # their bells count again
    return created


def _plan_deliveries(kind, dealership, created: list[Notification], *, key, on, obj) -> None:
    """The delivery rows of a new notification: an e-mail per person who gets each one, one
    WeCom post per robot of the people who get WeCom (their department's group, else the
    dealership's). Digests are planned by the daily digest job."""
    users = {n.recipient_id: n.recipient for n in created}
    preferences = {
        p.user_id: p
        for p in NotificationPreference.objects.filter(user_id__in=users, kind=kind.code)
    }
    wanted = channels_for(kind, users, preferences)
    rows = []
    for notification in created:
        user = notification.recipient
        if wanted[user.pk].email == Email.EACH and user.email:
            rows.append(_email_delivery(dealership, kind, notification, user))
    wecom_users = {user_id for user_id, c in wanted.items() if c.wecom}
    if wecom_users:
        rows += _wecom_deliveries(
            dealership, kind, created[0], wecom_users, key=key, on=on, obj=obj
        )
    if rows:
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        keys = [row.dedupe_key for row in rows]
        transaction.on_commit(lambda: _enqueue_after_commit(dealership.pk, keys))


def _where(dealership, kind, language) -> str:
    with translation.override(language):
        return f"{dealership.name} · {kind.name}"


def _email_delivery(dealership, kind, notification: Notification, user) -> Delivery:
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = f"[{dealership.name}] {notification.subject}"
        text = render_to_string(
            "notifications/email.txt",
            {
                "notification": notification,
                "where": _where(dealership, kind, language),
                "url": channels.absolute_url(notification.get_absolute_url()),
                "preferences_url": channels.absolute_url("/notifications/preferences/"),
            },
        )
    return Delivery(
        dealership=dealership,
        channel=Delivery.Channel.EMAIL,
        kind=kind.code,
        dedupe_key=f"email:{notification.pk}",
        notification=notification,
        recipient=user,
        address=user.email,
        subject=channels.mask_private(subject)[:255],
        body=channels.mask_private(text),
        next_attempt_at=timezone.now(),
    )


def _wecom_deliveries(dealership, kind, sample: Notification, user_ids, *, key, on, obj):
    robots = list(WeComRobot.objects.filter(dealership=dealership, is_active=True))
    if not robots:
        return []
    by_audience = {robot.audience: robot for robot in robots}
    chosen = {}
    for keys in refs.audiences_of(user_ids, dealership=dealership, on=on).values():
        matched = [by_audience[k] for k in sorted(keys) if k in by_audience]
        if not matched and "" in by_audience:
            matched = [by_audience[""]]
        for robot in matched:
            chosen[robot.pk] = robot
    language = settings.LANGUAGE_CODE
    with translation.override(language):
        subject = sample.subject
        content = channels.wecom_markdown(
            subject=subject,
            body=sample.body,
            where=_where(dealership, kind, language),
            url=channels.absolute_url(_object_path(obj)),
        )
    return [
        Delivery(
            dealership=dealership,
            channel=Delivery.Channel.WECOM,
            kind=kind.code,
            dedupe_key=f"wecom:{robot.pk}:{key}",
            robot=robot,
            address=robot.masked_url[:254],
            subject=channels.mask_private(subject)[:255],
            body=channels.mask_private(content),
            next_attempt_at=timezone.now(),
        )
        for robot in chosen.values()
    ]


def _object_path(obj) -> str:
    """A group message links to the object (the app checks who may open it), else to the
    notifications page."""
    path = getattr(obj, "get_absolute_url", None)
    return path() if callable(path) else "/notifications/"


def _enqueue_after_commit(dealership_id: int, dedupe_keys: list[str]) -> None:
    if not settings.NOTIFICATIONS_SEND_ON_COMMIT:
        return  # no worker (make run): the scheduler loop sends them within a minute
    try:
        with dealership_context(dealership_id):
            ids = Delivery.objects.filter(dedupe_key__in=dedupe_keys).values_list("pk", flat=True)
            for delivery_id in ids:
                queue.enqueue_delivery(delivery_id, dealership_id)
    except Exception:  # the broker is down: the next dispatch finds the rows and sends them
        logger.exception("Could not enqueue deliveries; the dispatcher will send them")


# --- reading ----------------------------------------------------------------------------------


def notification_mark_read(*, user, notification_id) -> Notification:
    """Mark one of the user's own notifications read (404 for anyone else's). A person's own
    reading state is theirs to change in every workspace, HQ's read-only scope included; it is
    not a business change, so it is not audited."""
    notification = get_object_for_user(user, Notification, "view", pk=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        with dealership_context(notification.dealership_id):
            Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
                read_at=notification.read_at
            )
        forget_for_users([user.pk])
    return notification


def notifications_mark_all_read(*, user, kind: str = "") -> int:
    """Mark every unread notification of the user (of ``kind``) read; returns how many."""
    unread = Notification.objects.for_user(user, "view").filter(read_at__isnull=True)
    if kind:
        unread = unread.filter(kind=kind)
    now, count = timezone.now(), 0
    by_dealership: dict[int, list[int]] = {}
    for pk, dealership_id in unread.values_list("pk", "dealership_id"):
        by_dealership.setdefault(dealership_id, []).append(pk)
    for dealership_id, ids in by_dealership.items():
        with dealership_context(dealership_id):
            count += Notification.objects.filter(pk__in=ids, read_at__isnull=True).update(
                read_at=now
            )
    forget_for_users([user.pk])
    return count


# --- preferences ------------------------------------------------------------------------------


@transaction.atomic
def preferences_set(*, user, choices: dict[str, tuple[str, bool]]) -> None:
    """Set the user's channels: ``{kind code: (e-mail each/digest/off, WeCom on/off)}``. Kinds a
    person may not turn off keep their defaults; an unknown kind or choice is refused."""
    if not getattr(user, "is_authenticated", False):
        raise ValidationError(_("Log in to choose your notifications."))
    for code, (email, wecom) in choices.items():
        try:
            kind = get_kind(code)
        except LookupError:
            raise ValidationError(
                _("Unknown kind of notification: %(kind)s") % {"kind": code}
            ) from None
        if email not in Email.values:
            raise ValidationError(
                {code: _("Choose how to receive e-mails: each one, a daily digest or off.")}
            )
        if not kind.optional:
            if (email, bool(wecom)) != (kind.email, kind.wecom):
                raise ValidationError(
                    {
                        code: _("%(kind)s cannot be changed: everyone receives it.")
                        % {"kind": kind.name}
                    }
                )
            continue
        NotificationPreference.objects.update_or_create(
            user=user, kind=code, defaults={"email": email, "wecom": bool(wecom)}
        )


def preferences_for(user) -> list[tuple]:
    """(kind, channels, chosen by the person?) for every kind, in one query."""
    rows = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    result = []
    for kind in all_kinds():
        channels_ = channels_for(
            kind, [user.pk], {user.pk: rows[kind.code]} if kind.code in rows else {}
        )
        result.append((kind, channels_[user.pk], kind.code in rows and kind.optional))
    return result


# --- WeCom robots -----------------------------------------------------------------------------


def _validate_robot(robot: WeComRobot) -> None:
    channels.check_webhook_url(robot.webhook_url)
    allowed = {""} | {key for key, _label in refs.audience_choices(robot.dealership)}
    if robot.audience not in allowed:
        raise ValidationError({"audience": _("Choose a department of this dealership.")})


@transaction.atomic
def robot_create(*, actor, name: str, webhook_url: str, audience: str = "", is_active=True):
    check_model_permission(actor, WeComRobot, "add")
    robot = WeComRobot(
        dealership_id=get_scope().current_id,
        name=name.strip(),
        webhook_url=webhook_url.strip(),
        audience=audience,
        is_active=is_active,
    )
    return save_audited(
        actor=actor, obj=robot, before=None, fields=ROBOT_FIELDS, validate=_validate_robot
    )


@transaction.atomic
def robot_update(*, actor, robot_id: int, **changes) -> WeComRobot:
    robot = lock_for_user(actor, WeComRobot, robot_id)
    before = snapshot(robot, ROBOT_FIELDS)
    for field, value in changes.items():
        if field not in ROBOT_FIELDS:
            raise ValidationError(_("%(field)s cannot be changed.") % {"field": field})
        setattr(robot, field, value.strip() if isinstance(value, str) else value)
    return save_audited(
        actor=actor, obj=robot, before=before, fields=ROBOT_FIELDS, validate=_validate_robot
    )


@transaction.atomic
def robot_delete(*, actor, robot_id: int) -> None:
    robot = lock_for_user(actor, WeComRobot, robot_id, "delete")
    before = snapshot(robot, ROBOT_FIELDS)
    audit_record(actor=actor, action=AuditEntry.Action.DELETE, obj=robot, before=before, after=None)
    robot.delete()


@transaction.atomic
def robot_send_test(*, actor, robot_id: int) -> Delivery:
    """Queue a test message to the robot's group (sent by the workers, never in the request)."""
    robot = lock_for_user(actor, WeComRobot, robot_id)
    language = settings.LANGUAGE_CODE
    with translation.override(language):
        subject = _("Test message from the Dealership ERP")
        content = channels.wecom_markdown(
            subject=subject,
            body=_("If you can read this, %(robot)s is set up.") % {"robot": robot.name},
            where=robot.dealership.name,
        )
    delivery = Delivery.objects.create(
        dealership=robot.dealership,
        channel=Delivery.Channel.WECOM,
        kind="",
        dedupe_key=f"wecom:{robot.pk}:test:{uuid.uuid4().hex}",
        robot=robot,
        address=robot.masked_url[:254],
        subject=subject,
        body=content,
        next_attempt_at=timezone.now(),
    )
    keys = [delivery.dedupe_key]
    transaction.on_commit(lambda: _enqueue_after_commit(robot.dealership_id, keys))
    return delivery


# --- sending ----------------------------------------------------------------------------------


def _due(now) -> Q:
    return Q(state__in=[Delivery.State.PENDING, Delivery.State.RETRYING]) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def delivery_send(*, delivery_id: int, now: dt.datetime | None = None) -> Delivery | None:
    """Claim one due delivery (one conditional ``UPDATE``, so two workers never send it twice),
    send it, and record the outcome: sent, or failed and due again after the next backoff
    delay (``NOTIFICATIONS_RETRY_DELAYS``), or failed for good once they are used up. Runs
    inside the delivery's dealership scope; ``None`` when it was not due or someone else has
    it."""
    now = now or timezone.now()
    claimed = Delivery.objects.filter(_due(now), pk=delivery_id).update(
        state=Delivery.State.SENDING, attempts=F("attempts") + 1, started_at=now
    )
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("robot").get(pk=delivery_id)
    try:
        if delivery.channel == Delivery.Channel.WECOM:
            if delivery.robot is None:
                raise channels.DeliveryFailed("The WeCom robot was removed.")
            channels.send_wecom(webhook_url=delivery.robot.webhook_url, content=delivery.body)
        else:
            channels.send_email(
                address=delivery.address, subject=delivery.subject, body=delivery.body
            )
    except Exception as error:  # recorded on the row and retried, never lost silently
        if not isinstance(error, channels.DeliveryFailed):
            logger.exception("Delivery %s failed unexpectedly", delivery_id)
        delays = settings.NOTIFICATIONS_RETRY_DELAYS
        final = delivery.attempts > len(delays)
        Delivery.objects.filter(pk=delivery_id).update(
            state=Delivery.State.FAILED if final else Delivery.State.RETRYING,
            next_attempt_at=None
            if final
            else now + dt.timedelta(seconds=delays[delivery.attempts - 1]),
            last_error=str(error)[:2000] or type(error).__name__,
        )
    else:
        Delivery.objects.filter(pk=delivery_id).update(
            state=Delivery.State.SENT, sent_at=timezone.now(), next_attempt_at=None, last_error=""
        )
    delivery.refresh_from_db()
    return delivery


def deliveries_dispatch(
    *, now: dt.datetime, enqueue: Enqueue, limit: int = 500, interval: int | None = None
) -> list[int]:
    """Hand every due delivery to ``enqueue`` (the workers, or this process without Redis).
    A delivery left ``sending`` by a worker that died is due again. The pass is recorded as
    the ``deliveries`` dispatcher's (``interval``: the loop's seconds between passes, else
    ``NOTIFICATIONS_DISPATCH_INTERVAL``) for the scheduler health."""
    queue.dispatcher_pass_record(
        name="deliveries", now=now, interval=interval or settings.NOTIFICATIONS_DISPATCH_INTERVAL
    )
    with system_context():
        Delivery.objects.filter(
            state=Delivery.State.SENDING,
            started_at__lt=now - dt.timedelta(minutes=settings.NOTIFICATIONS_STALE_MINUTES),
        ).update(
            state=Delivery.State.RETRYING,
            next_attempt_at=now,
            last_error="The worker sending this message stopped before it finished.",
        )
        due = list(
            Delivery.objects.filter(_due(now))
            .order_by("next_attempt_at", "pk")
            .values_list("pk", "dealership_id")[:limit]
        )
    for delivery_id, dealership_id in due:
        enqueue(delivery_id, dealership_id)
    return [delivery_id for delivery_id, _ in due]


def send_in_process(delivery_id: int, dealership_id: int) -> None:
    with dealership_context(dealership_id):
        delivery_send(delivery_id=delivery_id)


@transaction.atomic
def delivery_retry(*, actor, delivery_id: int) -> Delivery:
    """Send a failed delivery again now, with a fresh set of attempts."""
    delivery = lock_for_user(actor, Delivery, delivery_id)
    if delivery.state not in (Delivery.State.FAILED, Delivery.State.RETRYING):
        raise ValidationError(_("Only a failed message can be sent again."))
    before = snapshot(delivery, ("state", "attempts"))
    delivery.state, delivery.attempts = Delivery.State.PENDING, 0
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["state", "attempts", "next_attempt_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=delivery,
        before=before,
        after=snapshot(delivery, ("state", "attempts")),
    )
    keys = [delivery.dedupe_key]
    transaction.on_commit(lambda: _enqueue_after_commit(delivery.dealership_id, keys))
    return delivery


# --- the daily digest -------------------------------------------------------------------------


def digest_plan(*, dealership: Dealership, run_date: dt.date) -> int:
    """One e-mail per person who chose the daily digest for some kinds, listing their
    notifications of those kinds from the day before ``run_date`` that are still unread.
    Idempotent: a digest is keyed by person and day, so running again sends nothing extra."""
    zone = dealership.zoneinfo
    day = run_date - dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = start + dt.timedelta(days=1)
    unread = list(
        Notification.objects.filter(
            dealership=dealership, created_at__gte=start, created_at__lt=end, read_at__isnull=True
        )
        .select_related("recipient")
        .order_by("recipient_id", "created_at")
    )
    if not unread:
        return 0
    user_ids = {n.recipient_id for n in unread}
    preferences: dict[tuple[int, str], NotificationPreference] = {
        (p.user_id, p.kind): p for p in NotificationPreference.objects.filter(user_id__in=user_ids)
    }
    per_user: dict[int, list[Notification]] = {}
    for notification in unread:
        try:
            kind = get_kind(notification.kind)
        except LookupError:
            continue
        uid = notification.recipient_id
        pref = preferences.get((uid, kind.code))
        chosen = channels_for(kind, [uid], {uid: pref} if pref else {})[uid]
        if chosen.email == Email.DIGEST and notification.recipient.email:
            per_user.setdefault(uid, []).append(notification)
    rows = []
    for uid, items in per_user.items():
        user: User = items[0].recipient
        language = user.language or settings.LANGUAGE_CODE
        with translation.override(language):
            subject = _("[%(dealership)s] %(count)s notifications of %(day)s") % {
                "dealership": dealership.name,
                "count": len(items),
                "day": day.isoformat(),
            }
            text = render_to_string(
                "notifications/digest.txt",
                {
                    "items": [(n, channels.absolute_url(n.get_absolute_url())) for n in items],
                    "day": day,
                    "dealership": dealership,
                    "list_url": channels.absolute_url("/notifications/"),
                    "preferences_url": channels.absolute_url("/notifications/preferences/"),
                },
            )
        rows.append(
            Delivery(
                dealership=dealership,
                channel=Delivery.Channel.DIGEST,
                kind="",
                dedupe_key=f"digest:{uid}:{run_date.isoformat()}",
                recipient=user,
                address=user.email,
                subject=channels.mask_private(subject)[:255],
                body=channels.mask_private(text),
                next_attempt_at=timezone.now(),
            )
        )
    keys = [row.dedupe_key for row in rows]
    planned = set(Delivery.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    transaction.on_commit(lambda: _enqueue_after_commit(dealership.pk, keys))
    return len(set(keys) - planned)
