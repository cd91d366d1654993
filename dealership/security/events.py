"""Recording the log of logins, from Django's and django-axes' signals, and the answer given to
a locked-out login (the same for every name, whether it belongs to someone or not)."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from dealership.security.models import SecurityEvent

logger = logging.getLogger(__name__)

LOCKED_OUT_MESSAGE = _("Too many failed login attempts. Please try again later.")

# Set on the request by the token endpoint: its login is recorded as a token creation.
TOKEN_LOGIN_FLAG = "_security_token_login"  # noqa: S105 (an attribute name)  # nosec B105
# Set on the request by the idle timeout before it logs the session out.
LOGOUT_REASON = "_security_logout_reason"


def client_ip(request) -> str | None:
    if request is None:
        return None
    ip = getattr(request, "axes_ip_address", None)
    if ip:
        return ip
    from axes.helpers import get_client_ip_address

    try:
        return get_client_ip_address(request) or None
    except Exception:  # a request built by hand (tests, force_login) may have no META at all
        return None


def client_user_agent(request) -> str:
    meta = getattr(request, "META", None) or {}
    return str(meta.get("HTTP_USER_AGENT", ""))[:300]


def record(kind: str, *, request=None, user=None, username: str = "", actor=None, detail=""):
    """One row of the log of logins (never fails the login: an error is logged)."""
    if user is not None and not getattr(user, "pk", None):
        user = None
    try:
        return SecurityEvent.objects.create(
            kind=kind,
            user=user,
            username=(username or (user.get_username() if user is not None else ""))[:150],
            actor=actor if getattr(actor, "pk", None) else None,
            ip_address=client_ip(request),
            user_agent=client_user_agent(request),
            detail=str(detail)[:200],
        )
    except Exception:  # pragma: no cover - the log must never break a login
        logger.exception("could not record the security event %s", kind)
        return None


def _on_logged_in(sender, request, user, **kwargs):
    if request is None or getattr(request, TOKEN_LOGIN_FLAG, False):
        return
    from dealership.security.middleware import start_session

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
    from dealership.security.services import tokens_revoke_all

    tokens_revoke_all(user=instance, detail="password changed")


def connect() -> None:
    from axes.signals import user_locked_out

    user_logged_in.connect(_on_logged_in, dispatch_uid="security_logged_in")
    user_logged_out.connect(_on_logged_out, dispatch_uid="security_logged_out")
    user_login_failed.connect(_on_login_failed, dispatch_uid="security_login_failed")
    user_locked_out.connect(_on_locked_out, dispatch_uid="security_locked_out")
    post_save.connect(_on_user_saved, sender=get_user_model(), dispatch_uid="security_user_saved")


def lockout_response(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: 429 with "too many attempts, try again later" — the same for
    every name. The API gets its error shape, pages the login form again."""
    from dealership.views import is_api_request

    if is_api_request(request):
        if original_response is not None and original_response.status_code == 429:
            return original_response  # the token endpoint answered already
        from django.http import JsonResponse

        return JsonResponse(
            {"error": {"status": 429, "code": "locked_out", "message": str(LOCKED_OUT_MESSAGE)}},
            status=429,
        )
    from dealership.security.forms import LoginForm

    return render(
        request,
        "registration/login.html",
        {
            "form": LoginForm(request),
            "locked_out": True,
            "locked_out_message": LOCKED_OUT_MESSAGE,
            "next": request.POST.get("next", "") or request.GET.get("next", ""),
        },
        status=429,
    )
