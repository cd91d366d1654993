"""Row-level security: PostgreSQL itself admits only the rows of the tenant scope.

The second line of tenant isolation, under the application's (``TenantManager``, the writes'
scope checks). Three settings of the database session carry the scope held in the context
variable:

* ``app.dealerships`` — the dealerships the code may read, e.g. ``{1,2}``;
* ``app.writable`` — the dealerships it may write (``{}`` for an HQ user);
* ``app.system`` — ``on`` only inside :func:`~dealership.tenancy.system_context`.

:func:`apply_scope` (installed on every PostgreSQL connection by the
``dealership.tenancy.postgresql`` backend) sets them before a statement whenever the scope in
context differs from what the connection holds, so requests, Celery tasks, commands and raw SQL
all run with their own scope, and a persistent connection never keeps the previous one. With no
scope, every tenant table looks empty.

Every tenant table has row-level security enabled and **forced** (its owner is bound too) and
the four policies of :data:`POLICIES`. :func:`apply_row_level_security` creates them; it runs
after every ``migrate`` (a ``post_migrate`` handler), so a tenant model added later is covered
when its table is created, and the system check ``dealership.E003`` fails for a tenant table
whose policies are missing or out of date. See README, "Roles and row-level security".
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from psycopg.pq import TransactionStatus

from dealership.tenancy.context import TenantScope, current_scope

#: Set before the statement when the scope changed; never logged, never counted as a query.
SET_SCOPE_SQL = (
    "SELECT set_config('app.dealerships', %s, false), set_config('app.writable', %s, false), "
    "set_config('app.system', %s, false)"
)

# Sub-selects, so PostgreSQL evaluates each setting once per statement (an init plan) instead
# of once per row; the outer cast (a no-op) makes `ANY (...)` take the array rather than read
# the sub-select as a set of rows. A setting never set (a new connection) or '' admits nothing.
_SYSTEM = "(SELECT current_setting('app.system', true) = 'on')"


def _member_of(setting: str) -> str:
    return (
        f"dealership_id = ANY ((SELECT coalesce(nullif(current_setting('{setting}', true), ''), "
        "'{}')::bigint[])::bigint[])"
    )


READABLE = f"{_SYSTEM} OR {_member_of('app.dealerships')}"
WRITABLE = f"{_SYSTEM} OR {_member_of('app.writable')}"

#: name -> the policy's clauses (permissive: a row passes when one of them admits it).
#: ``UPDATE`` sees what the scope reads, so ``SELECT ... FOR UPDATE`` locks a row an HQ user
#: reads (the view then answers 403, not 404), and an ``UPDATE`` of it is an error, never a
#: silent no-op; its new version must be writable. Rows the scope cannot read stay invisible.
POLICIES: dict[str, str] = {
    "tenant_read": f"FOR SELECT USING ({READABLE})",
    "tenant_insert": f"FOR INSERT WITH CHECK ({WRITABLE})",
    "tenant_update": f"FOR UPDATE USING ({READABLE}) WITH CHECK ({WRITABLE})",
    "tenant_delete": f"FOR DELETE USING ({WRITABLE})",
}


def _signature(name: str) -> str:
    """The comment stored on each policy: tells an up-to-date policy from an older one."""
    digest = hashlib.sha256(POLICIES[name].encode()).hexdigest()[:16]
    return f"dealership tenant policy {digest}"


# --- the scope of each statement ----------------------------------------------------------------


def _ids(ids) -> str:
    return "{" + ",".join(str(int(i)) for i in sorted(ids)) + "}"


@lru_cache(maxsize=1024)
def scope_settings(scope: TenantScope | None) -> tuple[str, str, str]:
    """The values of ``app.dealerships``, ``app.writable`` and ``app.system`` for ``scope``."""
    if scope is None:
        return ("{}", "{}", "off")
    if scope.is_system:
        return ("{}", "{}", "on")
    return (_ids(scope.dealership_ids), _ids(scope.writable_ids), "off")


def apply_scope(execute, sql, params, many, context):
    """An execute wrapper: bring the connection's settings to the scope in context first.

    Costs one statement only when the scope differs from what the connection holds (the
    backend forgets that after a rollback, which undoes a ``set_config`` made in the rolled-back
    transaction or savepoint, and on every new connection).
    """
    connection = context["connection"]
    values = scope_settings(current_scope())
    if values != connection.tenant_settings:
        raw = connection.connection
        # in a failed transaction only a rollback can run (e.g. to the savepoint of an atomic
        # block left in another scope), and it undoes what would be set now: leave it unknown
        if raw.info.transaction_status == TransactionStatus.INERROR:
            connection.tenant_settings = None
        else:
            connection.tenant_settings = None  # unknown until the statement below succeeds
            # Django's own error classes, and the connection marked as having had an error, so
            # a connection the server dropped (restarted) is closed and opened afresh instead
            # of failing every later task of the worker (found by tests/faults)
            with connection.wrap_database_errors, raw.cursor() as cursor:
                cursor.execute(SET_SCOPE_SQL, values)
            connection.tenant_settings = values
    return execute(sql, params, many, context)


# --- policies -----------------------------------------------------------------------------------


FOREIGN_POLICY = "is not one of the tenant policies"


@dataclass(frozen=True)
class TableState:
    table: str
    enabled: bool
    forced: bool
    policies: dict[str, str]  # name -> comment

    @property
    def problems(self) -> list[str]:
        found = []
        if not self.enabled:
            found.append("row-level security is not enabled")
        if not self.forced:
            found.append("row-level security is not forced")
        for name in POLICIES:
            if name not in self.policies:
                found.append(f"policy {name} is missing")
            elif self.policies[name] != _signature(name):
                found.append(f"policy {name} is out of date")
        for name in sorted(set(self.policies) - set(POLICIES)):
            found.append(f"policy {name} {FOREIGN_POLICY}")
        return found

    @property
    def needs_apply(self) -> bool:
        """Whether :func:`apply_row_level_security` has something to do here (it never drops
        a policy that is not its own: the check reports it)."""
        return any(not problem.endswith(FOREIGN_POLICY) for problem in self.problems)


def tenant_tables() -> list[str]:
    """The tables of every concrete tenant model (models added later included)."""
    from dealership.tenancy.models import tenant_models

    return sorted(
        {
            model._meta.db_table
            for model in tenant_models()
            if model._meta.managed and not model._meta.proxy
        }
    )


def table_states(connection, tables: list[str] | None = None) -> dict[str, TableState]:
    """The row-level security of each of ``tables`` (default: every tenant table) that exists."""
    tables = tenant_tables() if tables is None else tables
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   coalesce(json_object_agg(p.polname, coalesce(d.description, ''))
                            FILTER (WHERE p.polname IS NOT NULL), '{}')
            FROM pg_class c
            LEFT JOIN pg_policy p ON p.polrelid = c.oid
            LEFT JOIN pg_description d
                   ON d.objoid = p.oid AND d.classoid = 'pg_policy'::regclass
            WHERE c.relnamespace = current_schema()::regnamespace
              AND c.relkind IN ('r', 'p') AND c.relname = ANY (%s)
            GROUP BY c.relname, c.relrowsecurity, c.relforcerowsecurity
            """,
            [list(tables)],
        )
        rows = cursor.fetchall()
    states = {}
    for table, enabled, forced, policies in rows:
        if isinstance(policies, str):  # json not decoded by the driver
            import json

            policies = json.loads(policies)
        states[table] = TableState(table, enabled, forced, dict(policies))
    return states


def apply_row_level_security(connection, tables: list[str] | None = None) -> list[str]:
    """Enable and force row-level security and (re)create the policies of every tenant table
    that lacks them or has older ones. Idempotent; must run as the tables' owner (``migrate``).
    Returns the tables changed."""
    from django.db import transaction

    if connection.vendor != "postgresql":
        return []
    changed = [s.table for s in table_states(connection, tables).values() if s.needs_apply]
    if not changed:
        return []
    quote = connection.ops.quote_name
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for table in changed:
            cursor.execute(f"ALTER TABLE {quote(table)} ENABLE ROW LEVEL SECURITY")
            cursor.execute(f"ALTER TABLE {quote(table)} FORCE ROW LEVEL SECURITY")
            for name, clauses in POLICIES.items():
                cursor.execute(f"DROP POLICY IF EXISTS {quote(name)} ON {quote(table)}")
                cursor.execute(f"CREATE POLICY {quote(name)} ON {quote(table)} {clauses}")
                cursor.execute(
                    f"COMMENT ON POLICY {quote(name)} ON {quote(table)} IS %s", [_signature(name)]
                )
    return changed


def unprotected_many_to_many() -> list[str]:
    """Auto-created many-to-many tables of tenant models: tenant data without a dealership
    column, which no policy can cover (declare a ``through`` tenant model instead)."""
    from dealership.tenancy.models import tenant_models

    return sorted(
        f"{model._meta.label}.{field.name}"
        for model in tenant_models()
        for field in model._meta.local_many_to_many
        if field.remote_field.through._meta.auto_created
    )


def owns_tenant_tables(connection) -> bool:
    """Whether the connected role owns a tenant table (the role that runs ``migrate``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
            " AND relname = ANY (%s) AND relowner = (SELECT oid FROM pg_roles"
            " WHERE rolname = current_user))",
            [tenant_tables()],
        )
        return cursor.fetchone()[0]


def role_problems(connection) -> list[str]:
    """Why the role the app connects as would escape row-level security (empty when it cannot)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        user, superuser, bypass = cursor.fetchone()
    problems = []
    if superuser:
        problems.append(f"the database role {user} is a superuser")
    if bypass:
        problems.append(f"the database role {user} has BYPASSRLS")
    if owns_tenant_tables(connection):
        problems.append(f"the database role {user} owns the tenant tables")
    return problems


def apply_after_migrate(sender, using, verbosity=1, stdout=None, **kwargs):
    """``post_migrate``: cover every tenant table, including those of models added later."""
    from django.db import connections

    changed = apply_row_level_security(connections[using])
    if changed and verbosity >= 1 and stdout is not None:
        stdout.write(f"  Row-level security applied to {len(changed)} tenant tables.\n")
