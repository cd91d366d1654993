"""The fixed cast used throughout the suite.

* dealership A and B belong to dealer group 1, C to group 2;
* ``user_a`` / ``user_b`` / ``user_c`` work in A / B / C; ``hq_user`` is HQ of group 1;
* ``outsider`` has no membership at all and must see nothing.

Speed: the cast (three dealerships with the full org-chart template) is built **once per
session** when the test database is created; each ``db`` test runs in a transaction rolled back
to it, and ``cast`` hands out fresh instances. Passwords are hashed with MD5 in tests.
"""

from __future__ import annotations

import os

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.cast import Cast, build_cast
from tests.db_roles import restore_role, use_app_role

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
APP_ROLE = os.environ.get("TEST_DATABASE_APP_ROLE", "erp_app")


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """Tests hash a password per login they create; the production hasher takes ~0.3 s each."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield


@pytest.fixture(scope="session", autouse=True)
def _own_files_and_cache(tmp_path_factory):
    """Files the tests store go to a directory of this session (never the developer's ``var/``),
    and cache keys carry the pytest-xdist worker: ``make test`` runs the suite in two processes,
    each with its own test database (pytest-django adds ``_gw0``, ``_gw1`` to its name), whose
    rows share primary keys and so must not share stored files or cached values."""
    from django.conf import settings
    from django.test.utils import override_settings

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    caches = {
        alias: {**config, "KEY_PREFIX": f"{config.get('KEY_PREFIX', '')}{worker}"}
        for alias, config in settings.CACHES.items()
    }
    files = tmp_path_factory.mktemp("files")
    with override_settings(
        PRIVATE_MEDIA_ROOT=files / "private", MEDIA_ROOT=files / "media", CACHES=caches
    ):
        yield


@pytest.fixture(scope="session")
def django_db_setup(_fast_password_hashing, django_db_setup, django_db_blocker):
    """The test database, with the shared cast built once for the whole session.

    ``DATABASE_URL`` (the owner) creates and migrates it; the suite then runs as the app's role
    (``erp_app``, created if missing), which row-level security binds as in production."""
    with django_db_blocker.unblock():
        owner = use_app_role(APP_ROLE)
        build_cast()
    yield
    with django_db_blocker.unblock():
        restore_role(owner)  # the owner drops the test database


def _transactional(item) -> bool:
    """Whether pytest-django runs ``item`` in autocommit and flushes the database after it."""
    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test flushed the database, the cast is built again (committed), so
    the test database holds the cast between any two tests whatever order they run in (with
    pytest-xdist's work stealing a worker may take a plain test after a transactional one)."""
    yield
    if nextitem is not None and _transactional(item):  # (after the last test the database is gone)
        blocker = item.session.config.stash.get(_DB_BLOCKER, None)
        if blocker is not None:
            with blocker.unblock():
                build_cast()


_DB_BLOCKER = pytest.StashKey()


@pytest.fixture(scope="session", autouse=True)
def _remember_db_blocker(request, django_db_blocker):
    request.config.stash[_DB_BLOCKER] = django_db_blocker


@pytest.fixture
def cast(db) -> Cast:
    """The shared cast, read afresh for this test (built again after a transactional test
    flushed the database)."""
    return build_cast()


KEPT_TABLES = {"django_migrations", "django_content_type", "auth_permission"}


@pytest.fixture
def empty_database(db):
    """No cast, no rows at all (for a test that counts everything, e.g. the demo seeding): the
    tables are emptied inside the test's transaction, so the rollback brings the cast back."""
    from django.db import connection

    tables = sorted(
        set(connection.introspection.django_table_names(only_existing=True)) - KEPT_TABLES
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE {} CASCADE".format(", ".join(map(connection.ops.quote_name, tables)))
        )


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
        _, token = AuthToken.objects.create(user)
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return api

    return make


@pytest.fixture(autouse=True)
def _test_defaults(settings):
    """Mail goes to the outbox; Celery tasks run in-process unless a test starts a worker."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # the queries a test counts are those of a request that finds nothing cached; the access
    # cache itself is tested with it on (tests/dealership/test_access_cache.py,
    # tests/test_list_queries.py)
    settings.ACCESS_CACHE_SECONDS = 0
    _no_holiday_overrides()
    # each test starts from the rolled-back database: nothing cached by an earlier test counts
    from dealership.access_cache import forget

    forget()


def _no_holiday_overrides():
    """The holiday overrides cached as "none" for every year, so no test's query count depends on
    when the process last read them (tests of overrides forget the cache and read their rows:
    the ``holidays`` fixture of tests/reports)."""
    from dealership import jobs

    jobs.forget_holiday_overrides()
    for year in range(2000, 2050):
        jobs._overrides[year] = (float("inf"), {})
