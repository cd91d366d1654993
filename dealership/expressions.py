"""Query expressions the platform and the modules share."""

from __future__ import annotations

from django.db.models import BooleanField, Expression, F, QuerySet, Subquery


class AmongRows(Expression):
    """``column`` is one of the values ``queryset`` selects, as a condition a ``Q`` can hold:
    ``Q(AmongRows("vehicle", Vehicle.objects.filter(plate="粤A12345").values("pk")))``.

    On PostgreSQL it is written ``column = ANY(ARRAY(SELECT …))``: the subquery is planned and
    run on its own (an init plan), so it uses the index that serves its one condition, and the
    rows are then found by key (an index too), even inside an ``OR`` of several fields. A join,
    ``IN (SELECT …)`` or ``EXISTS`` inside such an ``OR`` makes PostgreSQL read every row of the
    scope instead. Elsewhere (SQLite) ``column IN (SELECT …)``."""

    conditional = True

    def __init__(self, column: str, queryset: QuerySet):
        super().__init__(output_field=BooleanField())
        self.column = F(column)
        self.rows = Subquery(queryset)

    def get_source_expressions(self):
        return [self.column, self.rows]

    def set_source_expressions(self, exprs):
        self.column, self.rows = exprs

    def _parts(self, compiler):
        column, column_params = compiler.compile(self.column)
        rows, rows_params = compiler.compile(self.rows)
        return column, rows, (*column_params, *rows_params)

    def as_sql(self, compiler, connection):
        column, rows, params = self._parts(compiler)
        return f"{column} IN {rows}", params

    def as_postgresql(self, compiler, connection):
        column, rows, params = self._parts(compiler)
        return f"{column} = ANY(ARRAY{rows})", params
