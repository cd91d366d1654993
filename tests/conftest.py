"""The fixed cast used throughout the suite.

* dealership A and B belong to dealer group 1, C to group 2;
* ``user_a`` / ``user_b`` / ``user_c`` work in A / B / C; ``hq_user`` is HQ of group 1;
* ``outsider`` has no membership at all and must see nothing.
"""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.cast import Cast, build_cast


@pytest.fixture
def cast(db) -> Cast:
    return build_cast()


@pytest.fixture
def client_for(client):
    from django.test import Client

    def make(user) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return make


@pytest.fixture
def api_for(db):
    def make(user) -> APIClient:
        api = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return api

    return make


@pytest.fixture(autouse=True)
def _test_defaults(settings):
    """Mail goes to the outbox; Celery tasks run in-process unless a test starts a worker."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
