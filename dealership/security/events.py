"""Recording the log of logins (the receivers of Django's and django-axes' signals that call it
are in :mod:`dealership.security.receivers`), and the answer given to a locked-out login (the
same for every name, whether it belongs to someone or not)."""

from __future__ import annotations

import logging

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
