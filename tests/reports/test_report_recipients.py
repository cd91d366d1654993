"""Who is told about a report reads it: a report's recipients and owners read it (its page and
its runs) even when it belongs to another department — the admin manager, told of the customer
department's thank-you-letter mail log, opens it — but no other report of that department, and
submits none to the car maker."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dealership.models import ReportRun
from dealership.reports.access import may_export_report, may_read_report
from dealership.reports.registry import get_report
from dealership.reports.selectors import readable_reports, runs_for_user
from dealership.tenancy import dealership_context
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db

LOG, TRACKING = "crm.thank_you_letter_log", "crm.price_tracking"


def _run(dealership, code, key="2026-10"):
    from dealership.reports.periods import Period

    report = get_report(code)
    period = Period.from_key(report.period, key if report.period == "month" else "2026-10-H1")
    with dealership_context(dealership):
        return ReportRun.objects.create(
            dealership=dealership,
            report=code,
            department_code=report.department,
            period_kind=period.kind,
            period_key=period.key,
            period_start=period.start,
            period_end=period.end,
            status="done",
        )


def test_a_recipient_of_another_departments_report_reads_it_and_no_other(client, cast):
    admin = UserFactory(username="rcpt_admin", name="行政经理")
    hire(admin, cast.a, "admin_manager")
    assert "admin_manager" in get_report(LOG).recipients
    assert get_report(LOG).department == get_report(TRACKING).department == "crm"
    log_run, tracking_run = _run(cast.a, LOG), _run(cast.a, TRACKING)

    with dealership_context(cast.a):
        assert may_read_report(admin, get_report(LOG))
        assert not may_read_report(admin, get_report(TRACKING))
        assert not may_export_report(admin, get_report(LOG))
        codes = {report.code for report in readable_reports(admin)}
        assert LOG in codes and TRACKING not in codes
        runs = set(runs_for_user(admin).values_list("pk", flat=True))
        assert log_run.pk in runs and tracking_run.pk not in runs

    client.force_login(admin)
    url = reverse("platform:report_detail", args=[LOG])
    assert client.get(url, {"period": "2026-10"}).status_code == 200
    assert client.get(log_run.get_absolute_url()).status_code == 200
    assert client.get(reverse("platform:report_detail", args=[TRACKING])).status_code == 403
    assert client.get(tracking_run.get_absolute_url()).status_code in (403, 404)


def test_a_position_without_reports_view_reads_nothing_even_when_named(cast):
    from org.models import PositionCapability

    admin = UserFactory(username="rcpt_admin2")
    hire(admin, cast.a, "admin_manager")
    with dealership_context(cast.a):
        PositionCapability.objects.filter(
            position__code="admin_manager", capability="reports.view"
        ).delete()
    from dealership.access_cache import forget

    forget()
    admin = type(admin).objects.get(pk=admin.pk)
    with dealership_context(cast.a):
        assert not may_read_report(admin, get_report(LOG))
