"""``{% table_row row %}`` (dealership/templatetags/tables.py) writes each row of every list as
django-tables2's own ``table.tbody.row`` block does: same cells, attributes, escaping, empty
values, links and localization."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import django_tables2 as tables
from django.template import loader
from django.test import RequestFactory, override_settings
from django.utils import translation


class Sample(tables.Table):
    name = tables.Column(linkify=lambda record: f"/somewhere/{record['id']}/")
    note = tables.Column(default="—", attrs={"td": {"class": "text-end", "data-x": "a&b"}})
    amount = tables.Column()
    plain = tables.Column(localize=False, accessor="amount", verbose_name="plain")
    local = tables.Column(localize=True, accessor="amount", verbose_name="local")
    day = tables.DateColumn(format="Y-m-d")
    at = tables.DateTimeColumn(format="Y-m-d H:i")

    class Meta:
        row_attrs = {"data-id": lambda record: record["id"]}


ROWS = [
    {
        "id": 1,
        "name": "<b>王</b> & 李",
        "note": "",
        "amount": Decimal("12345.5"),
        "day": dt.date(2026, 11, 27),
        "at": dt.datetime(2026, 11, 27, 1, 30, tzinfo=dt.UTC),
    },
    {"id": 2, "name": "张三", "note": None, "amount": 7, "day": None, "at": None},
    {"id": 3, "name": "x", "note": "<i>ok</i>", "amount": 1234567, "day": None, "at": None},
]


def _rows(template_name: str) -> list[str]:
    request = RequestFactory().get("/list/")
    table = Sample(ROWS)
    table.request = request  # as RequestConfig does
    html = loader.get_template(template_name).render({"table": table}, request)
    body = html[html.index("<tbody") : html.index("</tbody>")]
    body = re.sub(r">\s+<", "><", body)
    return re.findall(r"<tr .*?</tr>", body)


@override_settings(USE_THOUSAND_SEPARATOR=True)
def test_each_row_is_the_librarys_markup():
    for language in ("zh-hans", "en"):
        with translation.override(language):
            ours = _rows("platform/table.html")
            theirs = _rows("django_tables2/bootstrap5.html")
            assert len(ours) == len(ROWS)
            assert ours == theirs


def test_cells_are_escaped_and_linked():
    first, second, _third = _rows("platform/table.html")
    assert '<a href="/somewhere/1/">&lt;b&gt;王&lt;/b&gt; &amp; 李</a>' in first
    assert 'data-id="1"' in first and 'data-x="a&amp;b"' in first
    assert "2026-11-27" in first
    assert "<td " in second and "—" in second
