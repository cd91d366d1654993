"""Sessions end after ``SESSION_IDLE_HOURS`` without a request (and at browser close unless the
person ticked "remember me": see :class:`dealership.security.views.LoginView`)."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout

from dealership.security.events import LOGOUT_REASON

LAST_ACTIVITY = "_erp_last_activity"
# The last activity is written at most once a minute, so most requests do not save the session.
WRITE_EVERY_SECONDS = 60


def start_session(request) -> None:
    """Called at every login: the idle clock starts now."""
    session = getattr(request, "session", None)
    if session is not None:
        session[LAST_ACTIVITY] = int(time.time())


class SessionIdleMiddleware:
    """After ``AuthenticationMiddleware``: a logged-in session idle for longer than
    ``SESSION_IDLE_HOURS`` is logged out (recorded as a logout, reason "idle") and the request
    goes on as anonymous (pages redirect to the login)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY) is not None:
            now = int(time.time())
            last = session.get(LAST_ACTIVITY)
            if last is not None and now - int(last) > settings.SESSION_IDLE_HOURS * 3600:
                setattr(request, LOGOUT_REASON, "idle")
                logout(request)
            elif last is None or now - int(last) >= WRITE_EVERY_SECONDS:
                session[LAST_ACTIVITY] = now
        return self.get_response(request)
