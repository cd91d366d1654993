"""The receivers of Django's and django-axes' signals: logins, logouts, failures and lockouts go
to the log of logins, a login starts the idle clock, and a new password ends the API tokens.
Connected by :func:`dealership.security.setup.register`."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save

from dealership.security.events import LOGOUT_REASON, TOKEN_LOGIN_FLAG, record
from dealership.security.middleware import start_session
from dealership.security.models import SecurityEvent
from dealership.security.services import tokens_revoke_all


def _on_logged_in(sender, request, user, **kwargs):
    if request is None or getattr(request, TOKEN_LOGIN_FLAG, False):
        return
    start_session(request)
    record(SecurityEvent.Kind.LOGIN, request=request, user=user)


def _on_logged_out(sender, request, user, **kwargs):
    if user is None:
        return
    record(
        SecurityEvent.Kind.LOGOUT,
        request=request,
        user=user,
        detail=getattr(request, LOGOUT_REASON, ""),
    )


def _on_login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username") or "")
    user = get_user_model().objects.filter(username=username).first() if username else None
    # refused without checking the password: locked out already (axes counted nothing)
    refused = getattr(request, "axes_locked_out", False) and (
        getattr(request, "axes_failures_since_start", None) is None
    )
    detail = "locked out" if refused else ""
    record(SecurityEvent.Kind.FAILURE, request=request, user=user, username=username, detail=detail)


def _on_locked_out(sender, request, username, ip_address, **kwargs):
    # axes signals every refused attempt of a locked-out login; the lockout begins at the
    # failure that reached the limit (the only one it counted: failures_since_start is set).
    if getattr(request, "axes_failures_since_start", None) is None:
        return
    user = get_user_model().objects.filter(username=username).first() if username else None
    record(SecurityEvent.Kind.LOCKOUT, request=request, user=user, username=username or "")


def _on_user_saved(sender, instance, created, **kwargs):
    """A new password (changed, reset, set by an administrator) ends every API token; Django
    ends the other sessions itself (their hash no longer matches) and
    ``update_session_auth_hash`` keeps the one that changed it."""
    if created or getattr(instance, "_password", None) is None:
        return
    tokens_revoke_all(user=instance, detail="password changed")


def connect() -> None:
    from axes.signals import user_locked_out

    user_logged_in.connect(_on_logged_in, dispatch_uid="security_logged_in")
    user_logged_out.connect(_on_logged_out, dispatch_uid="security_logged_out")
    user_login_failed.connect(_on_login_failed, dispatch_uid="security_login_failed")
    user_locked_out.connect(_on_locked_out, dispatch_uid="security_locked_out")
    post_save.connect(_on_user_saved, sender=get_user_model(), dispatch_uid="security_user_saved")
