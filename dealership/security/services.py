"""Writes of the login security: signing a person out everywhere, lifting a lockout, API tokens.

Each is recorded in the log of logins (:class:`~dealership.security.models.SecurityEvent`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from dealership.security.events import record
from dealership.security.models import SecurityEvent

TOKEN_ID_LENGTH = 8


def token_id(token) -> str:
    """The short public id of an API token: the first characters of its lookup key (the rest
    of the secret and its hash are never shown)."""
    return token.token_key[:TOKEN_ID_LENGTH]


def live_tokens(user) -> QuerySet:
    from knox.models import AuthToken

    now = timezone.now()
    return (
        AuthToken.objects.filter(user=user)
        .exclude(expiry__lt=now)
        .order_by("-created", "token_key")
    )


@transaction.atomic
def token_create(*, user, request=None):
    """A new API token for ``user`` (expires after ``REST_KNOX["TOKEN_TTL"]``):
    ``(instance, secret)`` — the secret is shown once and stored only hashed."""
    from knox.models import AuthToken

    instance, secret = AuthToken.objects.create(user=user)
    record(SecurityEvent.Kind.TOKEN_CREATED, request=request, user=user, detail=token_id(instance))
    return instance, secret


@transaction.atomic
def token_revoke(*, user, token_id_prefix: str, request=None, actor=None) -> int:
    """Revoke the caller's token with this id; how many were revoked (0: not theirs/unknown)."""
    from knox.models import AuthToken

    if len(token_id_prefix) != TOKEN_ID_LENGTH:
        return 0
    tokens = AuthToken.objects.filter(user=user, token_key__startswith=token_id_prefix)
    count, _ = tokens.delete()
    if count:
        record(
            SecurityEvent.Kind.TOKEN_REVOKED,
            request=request,
            user=user,
            actor=actor,
            detail=token_id_prefix,
        )
    return count


@transaction.atomic
def tokens_revoke_all(*, user, request=None, actor=None, detail: str = "all") -> int:
    """Revoke every API token of ``user``; how many there were."""
    from knox.models import AuthToken

    count, _ = AuthToken.objects.filter(user=user).delete()
    if count:
        record(
            SecurityEvent.Kind.TOKEN_REVOKED,
            request=request,
            user=user,
            actor=actor,
            detail=f"{detail} ({count})",
        )
    return count


@transaction.atomic
def user_sign_out_everywhere(user, *, actor=None, request=None, reason: str = "") -> None:
    """End every session and API token of ``user`` (an employment ended, an administrator's
    decision). Sessions end through the session hash (``User.session_epoch``), so this works
    whatever the session backend; the next request of such a session is anonymous."""
    user_model = get_user_model()
    user_model.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.session_epoch = user_model.objects.values_list("session_epoch", flat=True).get(pk=user.pk)
    tokens_revoke_all(user=user, request=request, actor=actor, detail=reason or "signed out")
    record(SecurityEvent.Kind.SIGNED_OUT, request=request, user=user, actor=actor, detail=reason)


def locked_out_usernames(usernames=None) -> set[str]:
    """The names locked out now (from any IP address), among ``usernames`` if given."""
    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    cool_off = get_cool_off()
    if cool_off:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    if usernames is not None:
        attempts = attempts.filter(username__in=usernames)
    return set(attempts.values_list("username", flat=True))


@transaction.atomic
def user_unlock(*, actor, user=None, username: str = "", request=None) -> int:
    """Lift the lockout of a login (every IP address); recorded even when nothing was locked.
    Who may unlock whom is checked by the caller (:func:`~dealership.security.audience.
    unlockable_users`, the admin for superusers)."""
    from axes.utils import reset

    name = user.get_username() if user is not None else username
    count = reset(username=name)
    record(
        SecurityEvent.Kind.UNLOCK,
        request=request,
        user=user,
        username=name,
        actor=actor,
        detail=str(count),
    )
    return count
