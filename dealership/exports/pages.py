"""Every list exports itself: :class:`ListExportMixin` for the pages (``?export=csv|xlsx``, part
of :class:`dealership.views.ScopedListView`) and :class:`ApiExportMixin` for the API's lists
(``?format=csv|xlsx``, part of every tenant viewset).

The file holds what the list shows, as the viewer sees it: the list is read again page by page
through the view's own code (its filters, sorting, chokepoint and per-page masking of phone
numbers), only with longer pages, so memory stays flat however long the list is; the columns are
the page's columns (the API's: its fields), numbers stay numbers and dates dates."""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
import urllib.parse
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from django_tables2.paginators import LazyPaginator
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from dealership.access import check_model_permission
from dealership.exports.models import ListExport
from dealership.exports.service import (
    EXPORT_PARAM,
    NOT_FILTERS,
    count_upto,
    export_counted,
    export_record,
    export_store,
    inline_rows,
    page_rows,
)
from dealership.exports.values import NUMBER, cell, csv_chunks, text, write_xlsx

FORMATS = ListExport.Format.values
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def file_response(fmt: str, filename: str, title: str, header: list[str], rows):
    """The file, at once: CSV streamed row by row; XLSX written to a temporary file (spilled to
    disk when large) and streamed from it."""
    if fmt == ListExport.Format.CSV:
        response = StreamingHttpResponse(
            csv_chunks(header, rows), content_type=CONTENT_TYPES["csv"]
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    # closed by FileResponse once sent
    file = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    write_xlsx(file, title, header, rows)
    file.seek(0)
    return FileResponse(
        file, as_attachment=True, filename=filename, content_type=CONTENT_TYPES["xlsx"]
    )


# --- pages (django-tables2) -------------------------------------------------------------------


class ExportPaginator(LazyPaginator):
    """The list's pages while exporting: as long as :func:`page_rows` says (a page shown on the
    screen is kept short by :class:`dealership.tables.ListPaginator`)."""


class ListExportMixin:
    """``?export=csv`` / ``?export=xlsx`` on a list page: the list (its filters and sorting) as a
    file, or a background export when it is longer than :func:`inline_rows`. The page gets
    ``export_links`` (the table's buttons) for who may export."""

    exportable = True
    exporting = False

    def export_title(self) -> str:
        return str(getattr(self, "title", "") or self.model._meta.verbose_name_plural)

    def get_table_pagination(self, table):
        if self.exporting:
            return {"paginator_class": ExportPaginator, "per_page": page_rows()}
        return super().get_table_pagination(table)

    def export_links(self) -> list[tuple[str, str]]:
        if not self.exportable or self.table_class is None:
            return []
        query = self.request.GET.copy()
        for key in NOT_FILTERS:
            query.pop(key, None)
        links = []
        for fmt, label in ListExport.Format.choices:
            query[EXPORT_PARAM] = fmt
            links.append((label, f"?{query.urlencode()}"))
        return links

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        if not self.exporting:
            table.export_links = self.export_links()
        return table

    def export_response(self):
        request = self.request
        fmt = request.GET.get(EXPORT_PARAM)
        if not self.exportable or self.table_class is None:
            raise BadRequest(_("This list cannot be exported."))
        if fmt not in FORMATS:
            raise BadRequest(
                _("Unknown export format “%(format)s”: use csv or xlsx.") % {"format": fmt[:20]}
            )
        check_model_permission(request.user, self.model, "export")
        self.object_list = self.get_queryset()
        form = getattr(self, "filter_form", None)
        if form is not None and form.is_bound and not form.is_valid():
            raise BadRequest(_("The filters are not valid: correct them on the list first."))
        title = self.export_title()
        job = getattr(request, "export_job", None)
        if job is not None:  # the background export asks again (dealership.exports.service)
            export_counted(job, self.object_list)
            header, rows = self.export_rows()
            export_store(job, title, header, rows)
            return HttpResponse(status=204)
        limit = inline_rows()
        total = count_upto(self.object_list, limit + 1)
        record = functools.partial(
            export_record,
            request=request,
            user=request.user,
            source=ListExport.Source.PAGE,
            title=title,
            fmt=fmt,
            total=total,
        )
        if total > limit:
            export = record(background=True)
            messages.info(
                request,
                _(
                    "The list has more than %(limit)s rows: it is exported in the background. "
                    "You will be told in the notifications when the file is ready."
                )
                % {"limit": limit},
            )
            return redirect(export.get_absolute_url())
        export = record(background=False)
        header, rows = self.export_rows()
        return file_response(fmt, export.filename, title, header, rows)

    def _export_page(self, base, number: int):
        query = base.copy()
        query["page"] = str(number)
        self.request.GET = query
        return self.get_table(**self.get_table_kwargs())

    def export_rows(self):
        """The header and an iterator of the rows, read a page at a time."""
        self.exporting = True
        base = self.request.GET.copy()
        for key in NOT_FILTERS:
            base.pop(key, None)
        first = self._export_page(base, 1)
        names, typed = _table_columns(first)
        header = [text(first.columns[name].header) for name in names]

        def rows():
            table, number = first, 1
            while True:
                for row in table.paginated_rows:
                    yield [_table_value(row, name, typed[name]) for name in names]
                if not table.page.has_next():
                    return
                number += 1
                table = self._export_page(base, number)

        return header, rows()


def _table_columns(table) -> tuple[list[str], dict[str, bool]]:
    """The columns shown (not action buttons nor columns without a heading), and for each
    whether its raw number or date is taken (no ``value_`` method, not a choice)."""
    model = getattr(table.data, "model", None)
    names, typed = [], {}
    for column in table.columns:
        if column.column.exclude_from_export or not text(column.header):
            continue
        field = None
        if model is not None and column.accessor:
            try:
                field = column.accessor.get_field(model)
            except Exception:  # a computed column
                field = None
        names.append(column.name)
        typed[column.name] = not hasattr(table, f"value_{column.name}") and not getattr(
            field, "choices", None
        )
    return names, typed


def _table_value(row, name: str, typed: bool):
    if typed:
        accessor = row.table.columns[name].accessor
        raw = accessor.resolve(row.record, quiet=True) if accessor else None
        if isinstance(raw, (*NUMBER, dt.date)) and not isinstance(raw, bool):
            return cell(raw)
    return cell(row.get_cell_value(name))


# --- the API (Django REST framework) -------------------------------------------------------------


class _ExportRenderer(JSONRenderer):
    """Chosen by ``?format=csv|xlsx`` on a list (which answers the file itself); anything else
    it would render (an error, the 202 of a background export) is JSON."""

    export_format = ""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return super().render(data, "application/json", renderer_context)


class CSVExportRenderer(_ExportRenderer):
    media_type = "text/csv"
    format = export_format = "csv"


class XLSXExportRenderer(_ExportRenderer):
    media_type = CONTENT_TYPES["xlsx"]
    format = export_format = "xlsx"


class ExportCursorPagination(CursorPagination):
    page_size_query_param = None

    def __init__(self, ordering_from):
        self.ordering_from = ordering_from
        self.page_size = page_rows()

    def get_ordering(self, request, queryset, view):
        return self.ordering_from.get_ordering(request, queryset, view)


class ExportPagePagination(PageNumberPagination):
    page_size_query_param = None

    def __init__(self):
        self.page_size = page_rows()


class ApiExportMixin:
    """``?format=csv`` / ``?format=xlsx`` on an API list: the list's own ``list()`` is asked
    page after page (its filters, chokepoint and masking), the rows flattened
    (``customer.name``) under their field names."""

    exporting = ""

    def get_renderers(self):
        renderers = super().get_renderers()
        if getattr(self, "action", None) == "list":
            renderers += [CSVExportRenderer(), XLSXExportRenderer()]
        return renderers

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        fmt = getattr(request.accepted_renderer, "export_format", "")
        if not fmt:
            return
        self.exporting = fmt
        listing = self.list
        self.get = lambda req, *a, **kw: self.export_answer(listing, req, *a, **kw)

    @property
    def paginator(self):
        if self.exporting:
            return self._export_paginator
        return super().paginator

    def get_paginated_response(self, data):
        if self.exporting:
            self._export_data = data
            return Response(None)
        return super().get_paginated_response(data)

    def export_title(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    def export_answer(self, listing, request, *args, **kwargs):
        django_request = request._request
        fmt = self.exporting
        title = self.export_title()
        job = getattr(django_request, "export_job", None)
        if job is not None:  # the background export asks again (dealership.exports.service)
            export_counted(job, self.filter_queryset(self.get_queryset()))
            header, rows = self.export_rows(listing, request, *args, **kwargs)
            export_store(job, title, header, rows)
            return Response(status=204)
        limit = inline_rows()
        total = count_upto(self.filter_queryset(self.get_queryset()), limit + 1)
        record = functools.partial(
            export_record,
            request=django_request,
            user=request.user,
            source=ListExport.Source.API,
            title=title,
            fmt=fmt,
            total=total,
        )
        if total > limit:
            export = record(background=True)
            url = reverse("platform-api:listexport-detail", kwargs={"pk": export.pk})
            return Response(
                {"id": export.pk, "status": export.status, "rows": total, "url": url},
                status=202,
                headers={"Location": url},
            )
        export = record(background=False)
        header, rows = self.export_rows(listing, request, *args, **kwargs)
        return file_response(fmt, export.filename, title, header, rows)

    def export_rows(self, listing, request, *args, **kwargs):
        pagination = self.pagination_class
        if pagination is not None and issubclass(pagination, CursorPagination):
            self._export_paginator = ExportCursorPagination(pagination())
            position_param = "cursor"
        else:
            self._export_paginator = ExportPagePagination()
            position_param = "page"
        base = request._request.GET.copy()
        for key in NOT_FILTERS:
            base.pop(key, None)

        def page(position):
            query = base.copy()
            if position:
                query[position_param] = position
            request._request.GET = query
            self._export_data = None
            listing(request, *args, **kwargs)
            if self._export_data is None:
                raise ParseError(_("This list cannot be exported."))
            return self._export_data, self._next_position(position_param)

        first, following = page(None)
        fields = _serializer_fields(first)
        flat = [_flatten(item) for item in first]
        header = list(dict.fromkeys(key for item in flat for key in item)) or list(fields)

        def rows():
            data, items, position = first, flat, following
            while True:
                for item in items:
                    yield [_api_value(item.get(key), fields.get(key)) for key in header]
                if not position:
                    return
                data, position = page(position)
                items = [_flatten(item) for item in data]

        return header, rows()

    def _next_position(self, param: str) -> str | None:
        paginator = self._export_paginator
        if isinstance(paginator, CursorPagination):
            link = paginator.get_next_link()
            if not link:
                return None
            return urllib.parse.parse_qs(urllib.parse.urlsplit(link).query).get(param, [None])[0]
        if paginator.page.has_next():
            return str(paginator.page.next_page_number())
        return None


def _serializer_fields(data) -> dict:
    serializer = getattr(data, "serializer", None)
    child = getattr(serializer, "child", None)
    return dict(getattr(child, "fields", {}) or {})


def _flatten(item, prefix: str = "") -> dict:
    if not isinstance(item, dict):
        return {prefix or "value": item}
    flat = {}
    for key, value in item.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        elif isinstance(value, list):
            flat[name] = "; ".join(
                ", ".join(str(v) for v in part.values()) if isinstance(part, dict) else str(part)
                for part in value
            )
        else:
            flat[name] = value
    return flat


def _api_value(value, field):
    """What a serializer answered, typed again from its field: amounts as numbers, dates and
    times as dates."""
    if isinstance(value, str) and value:
        try:
            if isinstance(field, serializers.DecimalField):
                return Decimal(value)
            if isinstance(field, serializers.DateTimeField):
                return cell(parse_datetime(value) or value)
            if isinstance(field, serializers.DateField):
                return parse_date(value) or value
        except (InvalidOperation, ValueError):
            pass
    return cell(value)
