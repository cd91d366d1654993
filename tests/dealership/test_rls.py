"""Row-level security: PostgreSQL itself admits only the rows of the tenant scope.

These tests go around the application's tenant filters on purpose (raw SQL, ``_base_manager``)
to show the database's own line: the suite runs as the app's role (``tests/db_roles.py``), which
the policies bind, as in production.
"""

from __future__ import annotations

from contextlib import suppress

import pytest
from django.db import IntegrityError, ProgrammingError, connection, transaction

from dealership.checks import check_database_role, check_row_level_security, tenant_models
from dealership.tenancy import TenantScope, dealership_context, rls, system_context, tenant_context
from org.models import Department, Position

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row-level security is PostgreSQL's"
    ),
]

RLS_REFUSED = "row-level security"


def fetch(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def dealerships_in(table: str) -> set[int]:
    sql = f"SELECT DISTINCT dealership_id FROM {connection.ops.quote_name(table)}"  # noqa: S608 - a table name of ours
    return {d for (d,) in fetch(sql)}


def insert_department(dealership_id: int, code: str) -> None:
    execute(
        'INSERT INTO org_department (dealership_id, code, kind, name_zh, name_en, "order") '
        "VALUES (%s, %s, 'custom', 'x', 'x', 1)",
        [dealership_id, code],
    )


def test_the_suite_runs_as_a_role_that_the_policies_bind():
    (superuser, bypass), *_ = fetch(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    )
    assert (superuser, bypass) == (False, False)
    assert rls.role_problems(connection) == []
    assert check_database_role(databases=["default"]) == []


def test_every_tenant_table_has_row_level_security_forced_with_the_policies():
    tables = rls.tenant_tables()
    assert {m._meta.db_table for m in tenant_models()} == set(tables)
    assert {"org_position", "dealership_auditentry", "finance_payment"} <= set(tables)
    states = rls.table_states(connection)
    assert set(states) == set(tables)  # every tenant table exists and is covered
    for state in states.values():
        assert state.enabled and state.forced, state.table
        assert set(state.policies) == set(rls.POLICIES), state.table
        assert state.problems == [], state.table
    policies = fetch(
        "SELECT tablename, policyname, cmd FROM pg_policies WHERE tablename = 'org_position'"
    )
    assert {(p, c) for _, p, c in policies} == {
        ("tenant_read", "SELECT"),
        ("tenant_insert", "INSERT"),
        ("tenant_update", "UPDATE"),
        ("tenant_delete", "DELETE"),
    }
    assert check_row_level_security(databases=["default"]) == []
    # nothing left to apply (and the app's role could not: it does not own the tables)
    assert rls.apply_row_level_security(connection) == []


def test_the_check_names_what_is_missing_or_outdated():
    state = rls.TableState(
        "crm_customer",
        enabled=True,
        forced=False,
        policies={"tenant_read": rls._signature("tenant_read"), "tenant_update": "old", "x": ""},
    )
    assert state.problems == [
        "row-level security is not forced",
        "policy tenant_insert is missing",
        "policy tenant_update is out of date",
        "policy tenant_delete is missing",
        "policy x is not one of the tenant policies",
    ]


def test_raw_sql_returns_only_the_rows_of_the_scope(cast):
    with system_context():
        assert {cast.a.pk, cast.b.pk, cast.c.pk} <= dealerships_in("org_position")
    with dealership_context(cast.a):
        assert dealerships_in("org_position") == {cast.a.pk}
        assert dealerships_in("dealership_auditentry") <= {cast.a.pk}
        # the application's filters skipped on purpose: the database still filters
        assert {p.dealership_id for p in Position._base_manager.all()} == {cast.a.pk}
    with dealership_context(cast.b):
        assert dealerships_in("org_position") == {cast.b.pk}


def test_with_no_scope_every_tenant_table_is_empty(cast):
    with system_context():
        assert fetch("SELECT count(*) FROM org_position")[0][0] > 0
    for table in rls.tenant_tables():
        sql = f"SELECT count(*) FROM {connection.ops.quote_name(table)}"  # noqa: S608 - a model's table
        assert fetch(sql) == [(0,)], table
    assert Position._base_manager.count() == 0


def test_a_write_into_another_dealership_is_refused_by_the_database(cast):
    with dealership_context(cast.a):
        with pytest.raises(ProgrammingError, match=RLS_REFUSED), transaction.atomic():
            insert_department(cast.b.pk, "rls-b")
        insert_department(cast.a.pk, "rls-a")  # the control: its own dealership is writable
        own = fetch("SELECT id FROM org_department WHERE code = 'rls-a'")[0][0]
        # moving its own row into B
        with pytest.raises(ProgrammingError, match=RLS_REFUSED), transaction.atomic():
            execute("UPDATE org_department SET dealership_id = %s WHERE id = %s", [cast.b.pk, own])
        # B's rows are out of reach: updating or deleting them touches nothing
        assert (
            execute("UPDATE org_department SET name_zh = 'x' WHERE dealership_id = %s", [cast.b.pk])
            == 0
        )
        assert execute("DELETE FROM org_position WHERE dealership_id = %s", [cast.b.pk]) == 0
        assert Department._base_manager.filter(dealership=cast.b).update(name_zh="x") == 0
    with dealership_context(cast.b):
        assert not Department.objects.filter(name_zh="x").exists()


def test_hq_scope_reads_the_group_and_writes_nothing(cast):
    with tenant_context(TenantScope.for_group(cast.group1.pk, [cast.a.pk, cast.b.pk])):
        assert dealerships_in("org_position") == {cast.a.pk, cast.b.pk}
        with pytest.raises(ProgrammingError, match=RLS_REFUSED), transaction.atomic():
            execute("UPDATE org_department SET name_zh = 'x' WHERE dealership_id = %s", [cast.a.pk])
        with pytest.raises(ProgrammingError, match=RLS_REFUSED), transaction.atomic():
            insert_department(cast.a.pk, "rls-hq")
        assert execute("DELETE FROM org_position WHERE dealership_id = %s", [cast.a.pk]) == 0
        # it may lock what it reads (a view then answers 403 rather than 404)
        assert fetch(
            "SELECT id FROM org_department WHERE dealership_id = %s FOR UPDATE", [cast.a.pk]
        )
    with dealership_context(cast.a):
        assert not Department.objects.filter(name_zh="x").exists()


def test_system_scope_reads_and_writes_every_dealership(cast):
    with system_context():
        insert_department(cast.c.pk, "rls-system")
        assert execute("UPDATE org_department SET name_en = 'y' WHERE code = 'rls-system'") == 1


def test_the_scope_follows_the_context_on_one_persistent_connection(cast):
    with dealership_context(cast.a):
        assert dealerships_in("org_position") == {cast.a.pk}
        with dealership_context(cast.b):
            assert dealerships_in("org_position") == {cast.b.pk}
        assert dealerships_in("org_position") == {cast.a.pk}
    assert dealerships_in("org_position") == set()


class Boom(Exception):
    pass


def test_a_rollback_that_undoes_the_settings_is_followed(cast):
    """A savepoint rollback (and a rollback) undoes a ``set_config`` made inside it: the
    connection then holds the previous scope, and the next statement must set it again."""
    with dealership_context(cast.b):
        assert dealerships_in("org_position") == {cast.b.pk}
        savepoint = transaction.savepoint()  # taken in B's scope
        with dealership_context(cast.a):
            assert dealerships_in("org_position") == {cast.a.pk}  # A's settings inside it
            transaction.savepoint_rollback(savepoint)
            # PostgreSQL holds B's settings again: the connection must not believe it holds A's
            assert dealerships_in("org_position") == {cast.a.pk}
        assert dealerships_in("org_position") == {cast.b.pk}
        with suppress(Boom), transaction.atomic():
            with dealership_context(cast.c):
                assert dealerships_in("org_position") == {cast.c.pk}
            raise Boom
        assert dealerships_in("org_position") == {cast.b.pk}


def test_an_error_in_an_inner_scope_rolls_back_to_the_savepoint_cleanly(cast):
    """The savepoint is left in the outer scope while the transaction is in error: the
    settings cannot be set then, and need not be (the rollback is about to undo them)."""
    with dealership_context(cast.b):
        assert dealerships_in("org_position") == {cast.b.pk}
        with suppress(IntegrityError), transaction.atomic(), dealership_context(cast.a):
            insert_department(cast.a.pk, "rls-twice")
            insert_department(cast.a.pk, "rls-twice")  # the unique code: an error
        assert dealerships_in("org_position") == {cast.b.pk}
    with dealership_context(cast.a):
        assert not Department.objects.filter(code="rls-twice").exists()


def test_the_scope_costs_a_statement_only_when_it_changes(cast, monkeypatch):
    calls = []
    original = rls.SET_SCOPE_SQL
    monkeypatch.setattr(rls, "SET_SCOPE_SQL", original)

    real_cursor = type(connection.connection).cursor

    def counting_cursor(self, *args, **kwargs):
        cursor = real_cursor(self, *args, **kwargs)
        real_execute = cursor.execute

        def execute(query, params=None, **kw):
            if query == rls.SET_SCOPE_SQL:
                calls.append(params)
            return real_execute(query, params, **kw)

        cursor.execute = execute
        return cursor

    connection.ensure_connection()
    monkeypatch.setattr(type(connection.connection), "cursor", counting_cursor)
    with dealership_context(cast.a):
        for _ in range(3):
            fetch("SELECT count(*) FROM org_position")
        with dealership_context(cast.a):  # the same scope again
            fetch("SELECT count(*) FROM org_position")
    fetch("SELECT 1")
    a = f"{{{cast.a.pk}}}"
    assert calls == [(a, a, "off"), ("{}", "{}", "off")]
