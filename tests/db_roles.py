"""The test session runs as the app's database role, not as the owner that created the database.

pytest-django creates and migrates the test database with ``DATABASE_URL``'s credentials (the
owner, e.g. ``postgres``; ``post_migrate`` applies the row-level security policies). Then the
``default`` connection switches to the app's role for the rest of the session, so every test
runs under the policies exactly as the app does in production: no superuser, no BYPASSRLS, not
the owner. The role gets the app's privileges plus two the app itself never needs: ``TRUNCATE``
(the ``empty_database`` fixture, and the flush after a transactional test) and ``UPDATE`` on
sequences (resetting them).
"""

from __future__ import annotations

import contextlib

from django.db import connection

CREATE_ROLE = """
DO $$ BEGIN
    CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;  -- exists, or another session
END $$
"""


def use_app_role(role: str) -> dict | None:
    """Grant ``role`` the app's privileges on the test database and reconnect as it (trust
    authentication: no password). Returns the owner's credentials, for :func:`restore_role`."""
    if connection.vendor != "postgresql" or connection.settings_dict["USER"] == role:
        return None
    quoted = connection.ops.quote_name(role)
    with connection.cursor() as cursor:
        cursor.execute(CREATE_ROLE.format(role=quoted))
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public "
            f"TO {quoted}"
        )
        cursor.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
    owner = {key: connection.settings_dict[key] for key in ("USER", "PASSWORD")}
    connection.close()
    connection.settings_dict.update(USER=role, PASSWORD="")
    return owner


def restore_role(owner: dict | None) -> None:
    if owner is not None:
        connection.close()
        connection.settings_dict.update(owner)


def in_scope_of(response):
    """The scope of the request that produced ``response``.

    A queryset a view hands its template is lazy: a test that reads it from
    ``response.context`` after the response (or follows a foreign key of a row it loaded
    earlier) runs it outside any scope, where row-level security shows no tenant row."""
    from dealership.tenancy import tenant_context

    return tenant_context(response.wsgi_request.tenant_scope)


@contextlib.contextmanager
def other_session():
    """A second database session (autocommit), as another worker process would have: e.g. to
    hold a run's advisory lock the way a live worker does."""
    import psycopg

    params = connection.get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold", "server_side_binding"):
        params.pop(key, None)
    with psycopg.connect(**params, autocommit=True) as other:
        yield other


@contextlib.contextmanager
def lock_held_elsewhere(namespace: str, key: int):
    """Another session holds the advisory lock ``namespace``/``key`` (dealership.locks)."""
    from dealership import locks

    with other_session() as other, other.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", locks._keys(namespace, key))
        yield
