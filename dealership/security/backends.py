from axes.backends import AxesStandaloneBackend


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' check, first in ``AUTHENTICATION_BACKENDS``: a login locked out (5 failures
    of one name from one IP address) is refused before any password is checked.

    Every login over HTTP passes the request (the login form, the admin, the token endpoint);
    code that authenticates without one (the test client's ``login()``) is not throttled."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
