"""The in-process scheduler of `make run`: quiet while nothing is due, then one line per run
with the time in the dealership's own time zone."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from dealership.models import Dealership
from tests.dealership.test_jobs import _make_opened, jobs, only_test_jobs  # noqa: F401


@pytest.mark.usefixtures("only_test_jobs")
def test_quiet_when_nothing_is_due(cast):
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert out.getvalue() == ""
    call_command("run_scheduler", "--once", "-v", "2", stdout=out)
    assert "no job due" in out.getvalue()


@pytest.mark.usefixtures("jobs")
def test_reports_each_run_in_the_dealerships_time_zone(
    cast,
    django_capture_on_commit_callbacks,
):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    _make_opened(cast, yesterday)
    Dealership.objects.filter(code="c").update(time_zone="Asia/Urumqi")
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_scheduler", "--once", stdout=out)
    lines = [
        line
        for line in out.getvalue().splitlines()
        if f"test.daily_report for {yesterday:%Y-%m-%d}" in line
    ]
    assert len(lines) == 3, out.getvalue()
    by_code = {line.split(" · ")[1]: line for line in lines}
    assert set(by_code) == {"a", "b", "c"}
    assert "Asia/Shanghai" in by_code["a"] and "Asia/Urumqi" in by_code["c"]
    shanghai = dt.datetime.strptime(by_code["a"][:19], "%Y-%m-%d %H:%M:%S")
    urumqi = dt.datetime.strptime(by_code["c"][:19], "%Y-%m-%d %H:%M:%S")
    assert round((shanghai - urumqi).total_seconds() / 3600) == 2
