"""The CRM department's OEM monthly submissions: competitor intelligence (竞争对手情报表, the past
month's, first working day 17:00) and the advertising summary (广告宣传总结表, the month's own,
its last day 17:00). The scheduled run's workbook holds the records' numbers — prices to the
fen, averages rounded half up — only of its own dealership and month, and goes to the OEM."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import translation

from crm.models import AdChannel
from crm.reports.oem import ADVERTISING_SUMMARY, COMPETITOR_INTELLIGENCE, COUNTED_NOTE, TOTAL
from dealership.actors import SYSTEM
from dealership.models import OemSubmission, ReportRun
from dealership.reports import ReportContent, get_report
from dealership.reports.periods import Period
from dealership.reports.services import report_run_scheduled
from dealership.tenancy import dealership_context
from tests.crm.factories import FACTORIES
from tests.reports.conftest import pdf_text, xlsx_rows

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path


def observation(dealership, day, brand, model, price, promotion="", source=""):
    return FACTORIES["CompetitorObservation"](
        dealership=dealership,
        observed_on=day,
        brand=brand,
        model=model,
        price=Decimal(price),
        promotion=promotion,
        source=source,
    )


def ad(dealership, channel, description, start, end, cost, leads):
    return FACTORIES["AdvertisingSpend"](
        dealership=dealership,
        channel=channel,
        description=description,
        period_start=start,
        period_end=end,
        cost=Decimal(cost),
        leads_attributed=leads,
    )


def run_of(code, dealership, run_date) -> ReportRun:
    with dealership_context(dealership):
        report_run_scheduled(report=get_report(code), dealership=dealership, run_date=run_date)
        run = ReportRun.objects.get(report=code)
    assert run.status == "done", run.error
    return run


def exact(value) -> Decimal:
    """A workbook number as the amount it stands for (the cell holds a float)."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def in_report_language(label) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(label)


# --- competitor intelligence --------------------------------------------------------------------


@pytest.fixture
def october_observations(cast):
    a, oct_ = cast.a, dt.date(2026, 10, 1)
    observation(a, oct_.replace(day=3), "比亚迪", "秦PLUS", "99800.00", "送保险", "对手展厅")
    observation(a, oct_.replace(day=12), "比亚迪", "秦PLUS", "101800.00", "首付0元")
    observation(a, oct_.replace(day=20), "比亚迪", "秦PLUS", "97800.50")  # no promotion
    observation(a, oct_.replace(day=31), "丰田", "凯美瑞", "175800.00", "置换补贴8000")
    observation(a, dt.date(2026, 9, 30), "丰田", "凯美瑞", "1.00", "九月")  # another month
    observation(a, dt.date(2026, 11, 1), "丰田", "凯美瑞", "2.00", "十一月")
    observation(cast.b, oct_.replace(day=10), "本田", "雅阁", "169800.00")  # another dealership


def test_competitor_intelligence_numbers_equal_the_records(cast, october_observations):
    # 2 November 2026 is the first working day of the month: October's report
    run = run_of(COMPETITOR_INTELLIGENCE, cast.a, dt.date(2026, 11, 2))
    assert run.period_key == "2026-10"
    content = ReportContent.from_json(run.content)
    assert [value for _label, value, _kind in content.figures] == [4, 2, 2]
    by_model, detail = content.tables
    rows = {(row[0], row[1]): row[2:] for row in by_model.rows}
    assert rows == {
        # (99800.00 + 101800.00 + 97800.50) / 3 = 99800.1666… → 99800.17; the newest promotion
        ("比亚迪", "秦PLUS"): [
            3,
            Decimal("97800.50"),
            Decimal("99800.17"),
            Decimal("101800.00"),
            "首付0元",
        ],
        ("丰田", "凯美瑞"): [
            1,
            Decimal("175800.00"),
            Decimal("175800.00"),
            Decimal("175800.00"),
            "置换补贴8000",
        ],
    }
    assert [row[:4] for row in detail.rows] == [
        [dt.date(2026, 10, 3), "比亚迪", "秦PLUS", Decimal("99800.00")],
        [dt.date(2026, 10, 12), "比亚迪", "秦PLUS", Decimal("101800.00")],
        [dt.date(2026, 10, 20), "比亚迪", "秦PLUS", Decimal("97800.50")],
        [dt.date(2026, 10, 31), "丰田", "凯美瑞", Decimal("175800.00")],
    ]

    sheet = xlsx_rows(run.xlsx.read())
    summary = next(r for r in sheet if r[:2] == ["比亚迪", "秦PLUS"] and r[2] == 3)
    assert summary[2] == 3 and summary[6] == "首付0元"
    assert [exact(v) for v in summary[3:6]] == [
        Decimal("97800.50"),
        Decimal("99800.17"),
        Decimal("101800.00"),
    ]
    listed = [r for r in sheet if isinstance(r[0], dt.datetime)]
    assert [(r[0].date(), r[1], exact(r[3]), r[4]) for r in listed] == [
        (dt.date(2026, 10, 3), "比亚迪", Decimal("99800.00"), "送保险"),
        (dt.date(2026, 10, 12), "比亚迪", Decimal("101800.00"), "首付0元"),
        (dt.date(2026, 10, 20), "比亚迪", Decimal("97800.50"), None),
        (dt.date(2026, 10, 31), "丰田", Decimal("175800.00"), "置换补贴8000"),
    ]
    text = pdf_text(run.pdf.read())
    assert "比亚迪" in text and "凯美瑞" in text and "雅阁" not in text
    # an OEM submission: the run is handed to the car maker's channel
    with dealership_context(cast.a):
        assert OemSubmission.objects.filter(run=run).count() == 1


def test_competitor_intelligence_is_per_dealership(cast, october_observations):
    run = run_of(COMPETITOR_INTELLIGENCE, cast.b, dt.date(2026, 11, 2))
    content = ReportContent.from_json(run.content)
    assert [row[:3] for row in content.tables[0].rows] == [["本田", "雅阁", 1]]
    sheet = xlsx_rows(run.xlsx.read())
    assert not any(cell in ("比亚迪", "丰田") for row in sheet for cell in row)


def test_an_empty_month_is_reported_as_such(cast):
    run = run_of(COMPETITOR_INTELLIGENCE, cast.a, dt.date(2026, 11, 2))
    content = ReportContent.from_json(run.content)
    assert [value for _label, value, _kind in content.figures] == [0, 0, 0]
    assert content.tables[0].rows == [] and content.note


def test_competitor_intelligence_is_due_on_the_first_working_day_at_17(cast):
    report = get_report(COMPETITOR_INTELLIGENCE)
    assert report.oem and report.department == "crm"
    assert report.owners == ("customer_relations_manager", "crm_director")
    # 1–7 October 2026 is the National Day holiday: September's report is due on the 8th
    september = Period.from_key("month", "2026-09")
    assert report.due_at(september, cast.a) == dt.datetime(2026, 10, 8, 17, 0, tzinfo=SHANGHAI)
    assert not report.due.is_due_on(dt.date(2026, 10, 1))
    assert report.period_due_on(dt.date(2026, 10, 8)) == september
    october = Period.from_key("month", "2026-10")
    assert report.due_at(october, cast.a) == dt.datetime(2026, 11, 2, 17, 0, tzinfo=SHANGHAI)


# --- advertising summary ------------------------------------------------------------------------


@pytest.fixture
def october_spends(cast):
    a = cast.a
    ad(
        a,
        "auto_portal",
        "汽车之家置顶",
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 31),
        "12000.00",
        30,
    )
    # runs into November: counted, whole, in October (the month it starts)
    ad(a, "auto_portal", "易车专题", dt.date(2026, 10, 15), dt.date(2026, 11, 14), "8000.50", 0)
    ad(a, "social", "抖音直播", dt.date(2026, 10, 5), dt.date(2026, 10, 6), "3333.33", 7)
    ad(a, "tv", "九月电视", dt.date(2026, 9, 25), dt.date(2026, 10, 10), "50000.00", 9)
    ad(a, "newspaper", "十一月报纸", dt.date(2026, 11, 1), dt.date(2026, 11, 1), "700.00", 1)
    ad(cast.b, "radio", "B店电台", dt.date(2026, 10, 1), dt.date(2026, 10, 31), "999.00", 3)


def test_advertising_summary_numbers_equal_the_records(cast, october_spends):
    # the summary of the month is made on its last day
    run = run_of(ADVERTISING_SUMMARY, cast.a, dt.date(2026, 10, 31))
    assert run.period_key == "2026-10"
    content = ReportContent.from_json(run.content)
    assert [value for _label, value, _kind in content.figures] == [Decimal("23333.83"), 37, 3]
    by_channel, spends = content.tables
    labels = {in_report_language(label): code for code, label in AdChannel.choices}
    rows = {labels.get(row[0], row[0]): row[1:] for row in by_channel.rows}
    assert rows["auto_portal"] == [2, Decimal("20000.50"), 30, Decimal("666.68")]
    assert rows["social"] == [1, Decimal("3333.33"), 7, Decimal("476.19")]
    assert rows["tv"] == [0, Decimal("0.00"), 0, None]
    assert rows[in_report_language(TOTAL)] == [3, Decimal("23333.83"), 37, Decimal("630.64")]
    assert len(by_channel.rows) == len(AdChannel.values) + 1  # every channel, then the total
    assert by_channel.note == in_report_language(COUNTED_NOTE)
    assert sorted(row[1] for row in spends.rows) == ["抖音直播", "易车专题", "汽车之家置顶"]

    sheet = xlsx_rows(run.xlsx.read())
    portal = in_report_language(AdChannel.AUTO_PORTAL.label)
    row = next(r for r in sheet if r[0] == portal and r[1] == 2)
    assert [row[1], exact(row[2]), row[3], exact(row[4])] == [
        2,
        Decimal("20000.50"),
        30,
        Decimal("666.68"),
    ]
    total = next(r for r in sheet if r[0] == in_report_language(TOTAL) and r[1] == 3)
    assert [exact(total[2]), total[3], exact(total[4])] == [
        Decimal("23333.83"),
        37,
        Decimal("630.64"),
    ]
    listed = next(r for r in sheet if r[1] == "易车专题")
    assert (listed[2].date(), listed[3].date(), exact(listed[4]), listed[5], listed[6]) == (
        dt.date(2026, 10, 15),
        dt.date(2026, 11, 14),
        Decimal("8000.50"),
        0,
        None,
    )
    assert not any(cell in ("九月电视", "十一月报纸", "B店电台") for r in sheet for cell in r)
    with dealership_context(cast.a):
        assert OemSubmission.objects.filter(run=run).count() == 1


def test_advertising_summary_is_per_dealership(cast, october_spends):
    run = run_of(ADVERTISING_SUMMARY, cast.b, dt.date(2026, 10, 31))
    content = ReportContent.from_json(run.content)
    assert [value for _label, value, _kind in content.figures] == [Decimal("999.00"), 3, 1]
    assert [row[1] for row in content.tables[1].rows] == ["B店电台"]


def test_advertising_summary_is_due_on_the_last_day_at_17(cast):
    report = get_report(ADVERTISING_SUMMARY)
    assert report.oem and report.covers == "current"
    october = Period.from_key("month", "2026-10")
    assert report.due_at(october, cast.a) == dt.datetime(2026, 10, 31, 17, 0, tzinfo=SHANGHAI)
    february = Period.from_key("month", "2026-02")
    assert report.due_at(february, cast.a) == dt.datetime(2026, 2, 28, 17, 0, tzinfo=SHANGHAI)
    assert not report.due.is_due_on(dt.date(2026, 10, 30))
    assert report.period_due_on(dt.date(2026, 10, 31)) == october


# --- the demo -----------------------------------------------------------------------------------


def test_the_demo_fills_both_reports_once(cast):
    import time_machine

    from crm import demo_intelligence
    from crm.models import AdvertisingSpend, CompetitorObservation

    with time_machine.travel(dt.datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI), tick=False):
        demo_intelligence.seed([cast.a])
        with dealership_context(cast.a):
            days = list(CompetitorObservation.objects.values_list("observed_on", flat=True))
            starts = list(AdvertisingSpend.objects.values_list("period_start", flat=True))
            counts = (len(days), len(starts))
            assert min(days) >= dt.date(2026, 8, 1) and max(days) <= dt.date(2026, 11, 10)
            assert {d.month for d in days} == {8, 9, 10, 11} == {d.month for d in starts}
        demo_intelligence.seed([cast.a])  # again: nothing more
        with dealership_context(cast.a):
            assert (
                CompetitorObservation.objects.count(),
                AdvertisingSpend.objects.count(),
            ) == counts
            october = Period.from_key("month", "2026-10")
            content = get_report(COMPETITOR_INTELLIGENCE).gather(SYSTEM, october)
            assert content.figures[0][1] == sum(d.month == 10 for d in days)
            summary = get_report(ADVERTISING_SUMMARY).gather(SYSTEM, october)
            assert summary.figures[2][1] == 4
