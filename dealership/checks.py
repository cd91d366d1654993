"""System checks that keep tenancy rules from eroding as models are added."""

from __future__ import annotations

from django.core import checks
from django.db import models

from dealership.tenancy.models import tenant_models


@checks.register(checks.Tags.models)
def check_tenant_uniqueness(app_configs=None, models_to_check=None, **kwargs):
    """dealership.E001: every unique constraint of a tenant model includes ``dealership``."""
    errors = []
    for model in models_to_check if models_to_check is not None else tenant_models():
        for field in model._meta.local_fields:
            if field.unique and not field.primary_key:
                errors.append(
                    checks.Error(
                        f"{model._meta.label}.{field.name} is unique across all dealerships.",
                        hint="Use a UniqueConstraint that includes 'dealership' instead of unique=True.",
                        obj=model,
                        id="dealership.E001",
                    )
                )
        for fields in model._meta.unique_together:
            if "dealership" not in fields:
                errors.append(
                    checks.Error(
                        f"{model._meta.label} unique_together {fields} lacks 'dealership'.",
                        obj=model,
                        id="dealership.E001",
                    )
                )
        for constraint in model._meta.constraints:
            if (
                isinstance(constraint, models.UniqueConstraint)
                and "dealership" not in constraint.fields
            ):
                errors.append(
                    checks.Error(
                        f"{model._meta.label} constraint {constraint.name} lacks 'dealership'.",
                        obj=model,
                        id="dealership.E001",
                    )
                )
    return errors


@checks.register(checks.Tags.models)
def check_tenant_foreign_keys(app_configs=None, models_to_check=None, **kwargs):
    """dealership.E002: every tenant model has its unique ``(dealership, id)`` key, and every
    foreign key from a tenant model to a tenant model has its composite twin, so the database
    itself refuses a reference to another dealership's row (see ``tenant_keys``)."""
    from dealership.tenancy.constraints import TENANT_KEY_FIELDS, TenantForeignKey
    from dealership.tenancy.models import TenantModel

    errors = []
    for model in models_to_check if models_to_check is not None else tenant_models():
        constraints = model._meta.constraints
        hint = "Add *tenant_keys(...) from dealership.tenancy.constraints to Meta.constraints."
        if not any(
            isinstance(c, models.UniqueConstraint)
            and tuple(c.fields) == TENANT_KEY_FIELDS
            and c.condition is None
            for c in constraints
        ):
            errors.append(
                checks.Error(
                    f"{model._meta.label} lacks its unique (dealership, id) key.",
                    hint=hint,
                    obj=model,
                    id="dealership.E002",
                )
            )
        covered = {c.field for c in constraints if isinstance(c, TenantForeignKey)}
        for field in model._meta.local_fields:
            if (
                field.many_to_one
                and field.name != "dealership"
                and isinstance(field.related_model, type)
                and issubclass(field.related_model, TenantModel)
                and field.name not in covered
            ):
                errors.append(
                    checks.Error(
                        f"{model._meta.label}.{field.name} points to a tenant model without a "
                        "composite (dealership, id) foreign key.",
                        hint=hint,
                        obj=model,
                        id="dealership.E002",
                    )
                )
    return errors


@checks.register(checks.Tags.security, deploy=True)
def check_site_url(app_configs=None, **kwargs):
    """Links in e-mails and WeCom messages must point at the real site, over HTTPS."""
    from urllib.parse import urlsplit

    from django.conf import settings

    parts = urlsplit(settings.SITE_URL)
    if parts.scheme != "https" or parts.hostname in (None, "localhost", "127.0.0.1"):
        return [
            checks.Warning(
                f"SITE_URL is {settings.SITE_URL!r}: links in e-mails and WeCom messages would "
                "not reach the site.",
                hint="Set SITE_URL to the address people open, e.g. https://erp.example.com.",
                id="dealership.W003",
            )
        ]
    return []


@checks.register(checks.Tags.models)
def check_tenant_tables_coverable(app_configs=None, **kwargs):
    """dealership.E003: a tenant model's rows can be covered by row-level security: no
    many-to-many table without a ``dealership`` column (give it a ``through`` tenant model)."""
    from dealership.tenancy.rls import unprotected_many_to_many

    return [
        checks.Error(
            f"{name} is a many-to-many table of a tenant model with no dealership column, so "
            "row-level security cannot cover it.",
            hint="Declare through=... a tenant model (a TenantModel with tenant_keys(...)).",
            id="dealership.E003",
        )
        for name in unprotected_many_to_many()
    ]


@checks.register(checks.Tags.database)
def check_row_level_security(app_configs=None, databases=None, **kwargs):
    """dealership.E003: on PostgreSQL, every tenant table has row-level security enabled and
    forced with the current tenant policies (``check --database default``, and the test suite).

    The tables' owner is not checked: it is the role that runs ``migrate``, whose
    ``post_migrate`` handler applies the policies (so a model added later is covered when its
    table is created, and a ``migrate`` is never blocked by what it is about to fix)."""
    from django.db import connections

    from dealership.tenancy import rls

    errors = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "postgresql" or rls.owns_tenant_tables(connection):
            continue
        for state in rls.table_states(connection).values():
            errors.extend(
                checks.Error(
                    f"Tenant table {state.table}: {problem}.",
                    hint=(
                        "Drop it: a permissive policy widens what the tenant policies admit."
                        if problem.endswith(rls.FOREIGN_POLICY)
                        else "Run `manage.py migrate` as the tables' owner: it applies the "
                        "tenant policies to every tenant table (dealership.tenancy.rls)."
                    ),
                    id="dealership.E003",
                )
                for problem in state.problems
            )
    return errors


@checks.register(checks.Tags.database, checks.Tags.security, deploy=True)
def check_database_role(app_configs=None, databases=None, **kwargs):
    """dealership.E004 (``check --deploy --database default``): the app connects as a role that
    row-level security binds: no superuser, no BYPASSRLS, not the tables' owner."""
    from django.db import connections

    from dealership.tenancy import rls

    errors = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        errors.extend(
            checks.Error(
                f"Database {alias!r}: {problem}, so row-level security does not bind the app.",
                hint="Point DATABASE_URL at the app's role (erp_app; README, 'Roles and "
                "row-level security'); only `migrate` runs as the owner.",
                id="dealership.E004",
            )
            for problem in rls.role_problems(connection)
        )
    return errors


@checks.register(checks.Tags.compatibility)
def check_holiday_calendar(app_configs=None, **kwargs):
    """dealership.W011: the mainland-China working-day calendar covers the years the scheduler
    needs (this year; from December the next one too). Otherwise "first working day" and the
    approval deadlines would silently take Monday to Friday."""
    import datetime as dt

    from django.db import DatabaseError

    from dealership.jobs import uncovered_years

    try:
        missing = uncovered_years(dt.date.today())
    except DatabaseError:  # no database yet (before the first migrate)
        return []
    return [
        checks.Warning(
            f"The holiday calendar does not cover {year}: Monday to Friday would be taken as "
            "working days.",
            hint="Upgrade chinesecalendar, or enter the year's holidays and make-up working days "
            "as holiday overrides in the admin (Platform › Holiday overrides).",
            id="dealership.W011",
        )
        for year in missing
    ]


@checks.register(checks.Tags.compatibility)
def check_pdf_font_subsetter(app_configs=None, **kwargs):
    """dealership.W012: WeasyPrint finds HarfBuzz's subsetter (``libharfbuzz-subset``, Debian
    ``libharfbuzz-subset0``). Without it WeasyPrint falls back to fontTools, which takes 2–4 s
    to embed a CJK font in each PDF instead of 0.1 s: every report run, and ``seed_demo``'s
    couple of hundred runs, slow down by that much."""
    try:
        from weasyprint.text.ffi import harfbuzz, harfbuzz_subset
    except (ImportError, OSError) as error:  # no Pango: no PDF at all
        return [
            checks.Warning(
                f"WeasyPrint cannot start ({error}): reports get no PDF.",
                hint="Install Pango (scripts/system-packages.sh run).",
                id="dealership.W012",
            )
        ]
    if harfbuzz_subset is None or not harfbuzz.hb_version_atleast(4, 1, 0):
        return [
            checks.Warning(
                "WeasyPrint finds no HarfBuzz subsetter (libharfbuzz-subset >= 4.1): each PDF "
                "with Chinese takes seconds to embed its font.",
                hint="Install it (Debian: libharfbuzz-subset0; scripts/system-packages.sh run).",
                id="dealership.W012",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_bench_off(app_configs=None, **kwargs):
    """dealership.E005 (``check --deploy``): the route benchmark is off. With ``DJANGO_BENCH``
    the server answers ``/bench/plain/…``, the API's lists without the access policy (every
    row of the tenant scope to anyone logged in), and a statement count on every response:
    instruments of ``make bench`` on a throw-away database, never of a deployment."""
    from django.conf import settings

    if getattr(settings, "BENCH", False):
        return [
            checks.Error(
                "DJANGO_BENCH is on: /bench/plain/ serves the API's lists without the access "
                "policy.",
                hint="Unset DJANGO_BENCH; it is for `make bench` on a throw-away database only.",
                id="dealership.E005",
            )
        ]
    return []
