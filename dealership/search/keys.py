"""How a piece of a value is found by an index the application's database role may use.

The application reads every tenant table under row-level security (``dealership.tenancy.rls``).
PostgreSQL never evaluates a *leaky* operator before a row-level security policy, and
``LIKE``/``ILIKE`` (``textlike``) are leaky: a trigram index serving ``name LIKE '%王%'`` is
not used for that role, which reads every row of its scope instead (200–700 ms for a group HQ
on the bench data). Comparisons (``=``, ``<``, ``>=`` on text) are leakproof, so a b-tree range
is used under the policy as everywhere else.

A search therefore finds a piece of a value at its start or at its end:

* ``field__search_head=value``: the field starts with ``value`` (a range on the field:
  ``field >= value AND field < value⁺``, compared byte by byte, ``COLLATE "C"`` on PostgreSQL,
  SQLite's own ``BINARY`` order);
* ``field__search_tail=value``: the field ends with ``value``: the same range over its
  *reversed twin*, the stored column ``<field>_reversed`` the database keeps (:func:`reversed_twin`)
  holding the value written backwards, compared with the value written backwards.

Both are served by ``(dealership_id, column COLLATE "C")`` indexes (:func:`dealership.search.operations.head_index`), made on
PostgreSQL only; SQLite (``make run``) reads without them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Lookup
from django.db.models.expressions import Col
from django.db.models.functions import Reverse

TWIN_SUFFIX = "_reversed"


def following(value: str) -> str | None:
    """The first string after every string that starts with ``value`` (``王`` → ``玌``: its
    last character's successor, skipping the surrogates), or ``None`` if there is none."""
    chars = list(value)
    while chars:
        code = ord(chars[-1]) + 1
        if 0xD800 <= code <= 0xDFFF:
            code = 0xE000
        if code <= 0x10FFFF:
            chars[-1] = chr(code)
            return "".join(chars)
        chars.pop()
    return None


def _starts_with(column_sql: str, params, value: str, connection):
    if connection.vendor == "postgresql":
        column_sql = f'({column_sql} COLLATE "C")'
    upper = following(value)
    if upper is None:
        return f"{column_sql} >= %s", (*params, value)
    return f"{column_sql} >= %s AND {column_sql} < %s", (*params, value, upper)


class SearchHead(Lookup):
    """``field__search_head=value``: the field starts with ``value`` (see the module)."""

    lookup_name = "search_head"

    def as_sql(self, compiler, connection):
        column_sql, params = compiler.compile(self.lhs)
        return _starts_with(column_sql, params, str(self.rhs), connection)


class SearchTail(Lookup):
    """``field__search_tail=value``: the field ends with ``value``, read from its reversed twin
    ``<field>_reversed`` (see the module)."""

    lookup_name = "search_tail"

    def as_sql(self, compiler, connection):
        if not isinstance(self.lhs, Col):
            raise TypeError("search_tail applies to a model field with a reversed twin.")
        twin = self.lhs.target.model._meta.get_field(self.lhs.target.name + TWIN_SUFFIX)
        column_sql = (
            f"{compiler.quote_name_unless_alias(self.lhs.alias)}."
            f"{connection.ops.quote_name(twin.column)}"
        )
        return _starts_with(column_sql, (), str(self.rhs)[::-1], connection)


models.CharField.register_lookup(SearchHead)
models.CharField.register_lookup(SearchTail)


def reversed_twin(source: str, max_length: int) -> models.GeneratedField:
    """The stored, database-kept reversed copy of ``source`` (``13912345678`` →
    ``87654321931``) that ``source__search_tail`` reads; name it ``<source>_reversed``."""
    return models.GeneratedField(
        expression=Reverse(source),
        output_field=models.CharField(max_length=max_length),
        db_persist=True,
    )
