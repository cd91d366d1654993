"""Migration operations for the search's indexes that only PostgreSQL runs: the ``pg_trgm``
extension and GIN trigram indexes (``LIKE '%…%'``, ``endswith`` and ``contains`` served by an
index). SQLite (``make run``) skips them and searches without; the migration state is the same
on both (the indexes are SQL only, not declared on the models)."""

from __future__ import annotations

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class PostgresOnlySQL(migrations.RunSQL):
    """``RunSQL`` that runs on PostgreSQL and does nothing elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def trigram_extension() -> TrigramExtension:
    """``CREATE EXTENSION IF NOT EXISTS pg_trgm`` (Django's operation already skips SQLite)."""
    return TrigramExtension()


def trigram_index(table: str, column: str, name: str) -> PostgresOnlySQL:
    """A GIN trigram index on ``table.column`` (PostgreSQL only)."""
    return PostgresOnlySQL(
        f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ("{column}" gin_trgm_ops)',
        f'DROP INDEX IF EXISTS "{name}"',
    )


def plain_index(table: str, columns: tuple[str, ...], name: str) -> PostgresOnlySQL:
    """A b-tree index for equality (PostgreSQL only; SQLite searches without)."""
    cols = ", ".join(f'"{c}"' for c in columns)
    return PostgresOnlySQL(
        f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({cols})',
        f'DROP INDEX IF EXISTS "{name}"',
    )


def dropped_index(table: str, column: str, name: str) -> PostgresOnlySQL:
    """A trigram index of :func:`trigram_index` dropped (made again when migrating back)."""
    made = trigram_index(table, column, name)
    return PostgresOnlySQL(made.reverse_sql, made.sql)


def head_index(table: str, column: str, name: str) -> PostgresOnlySQL:
    """The b-tree ``(dealership_id, column COLLATE "C")`` a search key range uses (PostgreSQL
    only, like the trigram indexes before it; see :mod:`dealership.search.keys`)."""
    return PostgresOnlySQL(
        f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("dealership_id", "{column}" COLLATE "C")',
        f'DROP INDEX IF EXISTS "{name}"',
    )
