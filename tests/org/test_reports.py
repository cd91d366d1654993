"""The personnel tracking sheet (人员跟踪表), the monthly OEM submission of the org chart: run as
the scheduler does on the first working day after the month (8 October 2026, after the National
Day holiday), its workbook holds the headcount at the start and the end of the month, the
joiners and the leavers by department and position — the people hired and ended through the org
services — and nobody of another dealership."""

from __future__ import annotations

import datetime as dt

import pytest

from dealership.actors import SYSTEM
from dealership.reports.periods import Period
from dealership.reports.registry import get_report
from dealership.tenancy import dealership_context
from org import reports, services
from org.models import Department, Position
from tests.factories import UserFactory
from tests.reports.oem_tables import gather_queries, oem_runner, text, total_label

pytestmark = pytest.mark.django_db

CODE = reports.PERSONNEL_TRACKING
SEPTEMBER = "2026-09"
_numbers = iter(range(1, 10_000))


@pytest.fixture
def oem_run(settings, tmp_path, monkeypatch):
    return oem_runner(settings, tmp_path, monkeypatch)


def employ(dealership, code: str, start: str, end: str | None = None, name: str = ""):
    """A person hired through the org services on ``start`` in position ``code`` and, with
    ``end``, whose employment ended on that day."""
    n = next(_numbers)
    user = UserFactory(username=f"pt_{dealership.code}_{n}", name=name or f"员工{n}")
    with dealership_context(dealership):
        staff = services.staff_hire(
            actor=SYSTEM,
            user=user,
            employee_no=f"PT{n:04d}",
            start_date=dt.date.fromisoformat(start),
            positions=[Position.objects.get(code=code)],
        )
        if end:
            staff = services.staff_end(
                actor=SYSTEM, staff_id=staff.pk, end_date=dt.date.fromisoformat(end)
            )
    return staff


def names(dealership, *codes) -> dict:
    """Chinese names of positions and departments by code (the report is written in Chinese)."""
    with dealership_context(dealership):
        found = {p.code: p.name_zh for p in Position.objects.filter(code__in=codes)}
        found.update({d.code: d.name_zh for d in Department.objects.filter(code__in=codes)})
    return found


@pytest.fixture
def september(cast):
    """Dealership A's September 2026 (its GM employed since 2025); B's movements alongside."""
    people = {
        "consultant": employ(cast.a, "sales_consultant", "2026-03-01"),
        "first_day": employ(cast.a, "sales_consultant", "2026-09-01", name="九月一"),
        "last_day": employ(cast.a, "service_advisor", "2026-09-30", name="九月末"),
        "october": employ(cast.a, "technician", "2026-10-01"),
        "manager_left": employ(cast.a, "sales_manager", "2025-06-01", "2026-09-15", name="经理"),
        "left_last_day": employ(cast.a, "accountant", "2026-01-01", "2026-09-30", name="会计"),
        "left_august": employ(cast.a, "cashier", "2026-01-01", "2026-08-31"),
        "left_october": employ(cast.a, "hr_manager", "2026-02-01", "2026-10-01"),
        "in_and_out": employ(cast.a, "technician", "2026-09-10", "2026-09-20", name="短工"),
    }
    # another dealership's movements in the same month, in positions A also has
    employ(cast.b, "sales_consultant", "2026-09-05")
    employ(cast.b, "sales_manager", "2025-01-01", "2026-09-12")
    return people


def test_the_declaration(cast):
    report = get_report(CODE)
    assert report.oem and report.period == "month" and report.department == "admin_finance"
    assert report.owners == ("hr_manager", "admin_manager")
    period = Period.from_key("month", SEPTEMBER)
    due = report.due_at(period, cast.a)
    assert (due.date(), due.hour) == (dt.date(2026, 10, 8), 17)  # after the National Day week


def test_headcount_joiners_and_leavers_equal_the_records(cast, september, oem_run):
    book = oem_run(CODE, cast.a, SEPTEMBER)
    # start: the GM, the consultant, the sales manager, the accountant, the HR manager
    # joined: first day, last day, in-and-out; left: the manager, the accountant, in-and-out
    assert book.figure(reports.OPENING) == 5
    assert book.figure(reports.JOINERS) == 3
    assert book.figure(reports.LEAVERS) == 3
    assert book.figure(reports.CLOSING) == 5
    assert book.figure(reports.TURNOVER) == pytest.approx(0.6)  # 3 / ((5 + 5) / 2)

    n = names(
        cast.a,
        "gm",
        "sales_consultant",
        "sales_manager",
        "service_advisor",
        "technician",
        "accountant",
        "cashier",
        "hr_manager",
        "gm_office",
        "sales",
        "aftersales",
        "admin_finance",
        "crm",
    )
    by_position = book.keyed(reports.BY_POSITION, keys=2)
    expected = {
        ("gm_office", "gm"): [1, 0, 0, 1],
        ("sales", "sales_consultant"): [1, 1, 0, 2],
        ("sales", "sales_manager"): [1, 0, 1, 0],
        ("aftersales", "service_advisor"): [0, 1, 0, 1],
        ("aftersales", "technician"): [0, 1, 1, 0],  # the October hire not counted
        ("admin_finance", "accountant"): [1, 0, 1, 0],
        ("admin_finance", "cashier"): [0, 0, 0, 0],  # left in August
        ("admin_finance", "hr_manager"): [1, 0, 0, 1],  # leaves in October
    }
    for (department, position), numbers in expected.items():
        assert by_position[(n[department], n[position])] == numbers, position
    # every other position of the chart is listed, vacant
    assert (n["crm"], names(cast.a, "crm_director")["crm_director"]) in by_position
    assert by_position[(total_label(), None)] == [5, 3, 3, 5]

    by_department = book.keyed(reports.BY_DEPARTMENT)
    assert by_department[n["gm_office"]] == [1, 0, 0, 1]
    assert by_department[n["sales"]] == [2, 1, 1, 2]
    assert by_department[n["aftersales"]] == [0, 2, 1, 1]
    assert by_department[n["admin_finance"]] == [2, 0, 1, 1]
    assert by_department[n["crm"]] == [0, 0, 0, 0]
    assert by_department[total_label()] == [5, 3, 3, 5]

    movements = book.table(reports.MOVEMENTS)
    day = lambda d: dt.datetime(2026, 9, d)  # noqa: E731
    joined, left = text(reports.JOINED), text(reports.LEFT)
    assert [(row[0], row[1], row[2], row[5]) for row in movements] == [
        (day(1), joined, "九月一", n["sales_consultant"]),
        (day(10), joined, "短工", n["technician"]),
        (day(15), left, "经理", n["sales_manager"]),
        (day(20), left, "短工", n["technician"]),
        (day(30), joined, "九月末", n["service_advisor"]),
        (day(30), left, "会计", n["accountant"]),
    ]
    assert movements[2][3] == september["manager_left"].employee_no
    assert movements[2][4] == n["sales"]


def test_another_dealership_counts_its_own_people_only(cast, september, oem_run):
    book = oem_run(CODE, cast.b, SEPTEMBER)
    # B: its GM (since 2025), one joiner, one leaver
    assert book.figure(reports.OPENING) == 2
    assert book.figure(reports.JOINERS) == 1
    assert book.figure(reports.LEAVERS) == 1
    assert book.figure(reports.CLOSING) == 2
    assert len(book.table(reports.MOVEMENTS)) == 2


def test_queries_do_not_grow_with_the_staff(cast):
    employ(cast.a, "sales_consultant", "2026-09-03")
    employ(cast.a, "technician", "2026-01-01", "2026-09-03")
    few = gather_queries(CODE, cast.a, SEPTEMBER)
    for _i in range(12):
        employ(cast.a, "service_advisor", "2026-09-04")
        employ(cast.a, "accountant", "2026-02-01", "2026-09-21")
        employ(cast.a, "cashier", "2026-02-01")
    assert gather_queries(CODE, cast.a, SEPTEMBER) == few
