"""``dealership.columns``' date columns write what django-tables2's own write (the same text in
the same time zone and language, the default for an empty value) without compiling a template
per cell, and export the same values."""

from __future__ import annotations

import datetime as dt
import re

import django_tables2 as tables
import pytest
from django.template import loader
from django.test import RequestFactory
from django.utils import timezone, translation

from dealership import columns

ROWS = [
    {
        "day": dt.date(2026, 11, 27),
        "at": dt.datetime(2026, 11, 27, 17, 30, tzinfo=dt.UTC),  # the 28th in Shanghai
    },
    {"day": None, "at": None},
    {"day": dt.date(2026, 1, 2), "at": dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)},
]


def _table(kind):
    class Dates(tables.Table):
        day = kind.DateColumn(format="Y-m-d")
        day_short = kind.DateColumn(accessor="day")
        day_long = kind.DateColumn(accessor="day", short=False, default="（无）")
        at = kind.DateTimeColumn(format="Y-m-d H:i")
        at_short = kind.DateTimeColumn(accessor="at")
        at_long = kind.DateTimeColumn(accessor="at", short=False)

    return Dates(ROWS)


def _cells(table) -> list[str]:
    request = RequestFactory().get("/list/")
    html = loader.get_template("platform/table.html").render({"table": table}, request)
    body = html[html.index("<tbody") : html.index("</tbody>")]
    return re.findall(r"<td[^>]*>(.*?)</td>", body, flags=re.S)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_the_cells_read_as_the_librarys(language, zone):
    with translation.override(language), timezone.override(zone):
        ours, theirs = _cells(_table(columns)), _cells(_table(tables))
    assert len(ours) == 6 * len(ROWS)
    assert ours == theirs


def test_a_date_time_is_shown_in_the_current_time_zone():
    with timezone.override("Asia/Shanghai"):
        first = _cells(_table(columns))[:6]
    assert first[0] == "2026-11-27" and first[3] == "2026-11-28 01:30"


def test_an_empty_value_shows_the_default():
    second = _cells(_table(columns))[6:12]
    assert second[0] == "—" and second[2] == "（无）"


def test_exports_take_the_same_values():
    ours, theirs = _table(columns), _table(tables)
    assert list(ours.as_values()) == list(theirs.as_values())
