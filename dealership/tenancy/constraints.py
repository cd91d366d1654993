"""Cross-tenant references made impossible in PostgreSQL.

Every foreign key from a tenant table to a tenant table gets a composite twin
``(dealership_id, x_id) → target (dealership_id, id)``, backed by a unique
``(dealership_id, id)`` on every tenant table: a row can then only point to a row of its own
dealership, whatever code (or raw SQL) writes it. This is also the shape Citus needs for foreign
keys between tables distributed by ``dealership_id``.

Models declare them with :func:`tenant_keys` in ``Meta.constraints`` (``makemigrations`` turns
them into migrations); the system check ``dealership.E002`` fails for a tenant model that lacks
one. Other databases (SQLite for ``make run``) rely on the application check in
:func:`dealership.tenancy.models.check_same_dealership`.
"""

from __future__ import annotations

from django.db import models
from django.db.models.constraints import BaseConstraint

TENANT_KEY_FIELDS = ("dealership", "id")


class TenantForeignKey(BaseConstraint):
    """``(dealership_id, <field>_id)`` references ``(dealership_id, id)`` of the target."""

    def __init__(self, *, field: str, name: str, **kwargs):
        self.field = field
        super().__init__(name=name, **kwargs)

    def _sql(self, model, schema_editor) -> str | None:
        if schema_editor.connection.vendor != "postgresql":
            return None
        quote = schema_editor.quote_name
        field = model._meta.get_field(self.field)
        target = field.related_model._meta
        dealership = model._meta.get_field("dealership").column
        return (
            f"ALTER TABLE {quote(model._meta.db_table)} ADD CONSTRAINT {quote(self.name)} "
            f"FOREIGN KEY ({quote(dealership)}, {quote(field.column)}) "
            f"REFERENCES {quote(target.db_table)} "
            f"({quote(target.get_field('dealership').column)}, {quote(target.pk.column)}) "
            "DEFERRABLE INITIALLY DEFERRED"
        )

    def constraint_sql(self, model, schema_editor):
        # inside CREATE TABLE: added once every table of the migration exists (like Django's
        # own foreign keys), since the target's unique key may be created after this table
        sql = self._sql(model, schema_editor)
        if sql:
            schema_editor.deferred_sql.append(sql)
        return None

    def create_sql(self, model, schema_editor):
        return self._sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        quote = schema_editor.quote_name
        return (
            f"ALTER TABLE {quote(model._meta.db_table)} DROP CONSTRAINT IF EXISTS "
            f"{quote(self.name)}"
        )

    def validate(self, model, instance, exclude=None, using=None):
        """Checked on save by ``TenantModel`` (one error for every write path)."""

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        kwargs["field"] = self.field
        return path, args, kwargs

    def __eq__(self, other):
        if isinstance(other, TenantForeignKey):
            return self.name == other.name and self.field == other.field
        return super().__eq__(other)

    def __repr__(self):
        return f"<{self.__class__.__name__}: field={self.field!r} name={self.name!r}>"


def tenant_keys(*foreign_keys: str) -> list[BaseConstraint]:
    """The constraints of a tenant model: its unique ``(dealership, id)`` key, and a composite
    foreign key for each named field that points to another tenant model."""
    return [
        models.UniqueConstraint(fields=TENANT_KEY_FIELDS, name="%(app_label)s_%(class)s_tkey"),
        *(
            TenantForeignKey(field=field, name=f"%(app_label)s_%(class)s_{field}_tfk")
            for field in foreign_keys
        ),
    ]
