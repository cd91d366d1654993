"""Retention lists: the job ``crm.retention_lists`` lists, for the month of its run, the
customers delivered 3–5 and 6–8 months before who have not come back for service; once
(run twice = once; a late run builds the missed months once); after-sales acknowledges
receipt once; the retention rate per delivery month equals the records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.models import RetentionEntry, RetentionList
from crm.notifications import RETENTION_LIST
from crm.selectors.outreach import retention_rates
from crm.services import outreach as services
from dealership.jobs import Monthly, get_job
from dealership.models import JobRun
from dealership.notifications.models import Notification
from dealership.tenancy import dealership_context
from tests.crm.test_outreach_support import delivered, frozen, run_job, serviced

pytestmark = pytest.mark.django_db
JUNE = dt.date(2026, 6, 1)


@pytest.fixture
def deliveries(cast, team):
    """Deliveries around the June 2026 list (band 3-5: Jan–Mar 2026, band 6-8: Oct–Dec 2025)."""
    staff = team.sales_consultant
    rows = {}
    rows["feb"] = delivered(cast.a, dt.date(2026, 2, 10), staff=staff, name="二月")
    rows["back"] = delivered(cast.a, dt.date(2026, 2, 15), staff=staff, name="回来了")
    serviced(cast.a, dt.date(2026, 5, 1), customer=rows["back"][0], vehicle=rows["back"][1])
    rows["jan1"] = delivered(cast.a, dt.date(2026, 1, 1), staff=staff, name="一月一日")
    rows["mar31"] = delivered(cast.a, dt.date(2026, 3, 31), staff=staff, name="三月底")
    rows["apr"] = delivered(cast.a, dt.date(2026, 4, 5), staff=staff, name="四月")
    rows["nov"] = delivered(cast.a, dt.date(2025, 11, 20), staff=staff, name="十一月")
    # came back with another car: this car has still not been serviced
    rows["dec"] = delivered(cast.a, dt.date(2025, 12, 1), staff=staff, name="十二月")
    from tests.crm.test_outreach_support import vehicle_for

    other = vehicle_for(cast.a, rows["dec"][0])
    serviced(cast.a, dt.date(2026, 1, 10), customer=rows["dec"][0], vehicle=other)
    rows["sep"] = delivered(cast.a, dt.date(2025, 9, 30), staff=staff, name="九月")
    # the same day of service as the delivery does not count as coming back
    rows["same_day"] = delivered(cast.a, dt.date(2025, 10, 3), staff=staff, name="同日")
    serviced(
        cast.a, dt.date(2025, 10, 3), customer=rows["same_day"][0], vehicle=rows["same_day"][1]
    )
    return rows


def _lists(cast):
    with dealership_context(cast.a):
        return {
            (f"{row.month:%Y-%m}", row.band): sorted(
                RetentionEntry.objects.filter(retention_list=row).values_list(
                    "customer__name", flat=True
                )
            )
            for row in RetentionList.objects.all()
        }


def test_the_job_is_registered_monthly_on_the_first_at_eight():
    job = get_job("crm.retention_lists")
    assert job.schedule == Monthly(day=1, at=dt.time(8, 0))


def test_the_june_lists_hold_who_has_not_come_back(cast, team, deliveries):
    with frozen(JUNE, 8):
        run = run_job(cast.a, JUNE, "crm.retention_lists")
    assert run.state == JobRun.State.SUCCEEDED, run.error
    assert _lists(cast) == {
        ("2026-06", "3-5"): ["一月一日", "三月底", "二月"],
        ("2026-06", "6-8"): ["十一月", "十二月", "同日"],
    }
    with dealership_context(cast.a):
        entry = RetentionEntry.objects.get(customer=deliveries["feb"][0])
        assert entry.vehicle == deliveries["feb"][1]
        assert entry.delivered_on == dt.date(2026, 2, 10)
        told = Notification.objects.filter(kind=RETENTION_LIST)
        assert {n.recipient_id for n in told} == {team.service_manager.pk}
        assert told.count() == 2  # one per list


def test_running_again_changes_nothing_and_tells_nobody_again(cast, team, deliveries):
    with frozen(JUNE, 8), dealership_context(cast.a):
        services.retention_lists_publish(dealership=cast.a, day=JUNE)
        before = _lists(cast), Notification.objects.filter(kind=RETENTION_LIST).count()
        # a customer comes back meanwhile: the list already handed over is not rewritten
        serviced(cast.a, JUNE, customer=deliveries["feb"][0], vehicle=deliveries["feb"][1])
        assert "0 lists built, 0 notified" in services.retention_lists_publish(
            dealership=cast.a, day=JUNE
        )
        assert (_lists(cast), Notification.objects.filter(kind=RETENTION_LIST).count()) == before


def test_a_late_run_builds_the_missed_months_once(cast, team, deliveries):
    with frozen(JUNE, 8), dealership_context(cast.a):
        services.retention_lists_build(day=JUNE)
    # the scheduler was down on 1 July and 1 August; the run of 1 September catches up
    september = dt.date(2026, 9, 1)
    with frozen(september, 9), dealership_context(cast.a):
        created = services.retention_lists_build(day=september)
        assert sorted((f"{x.month:%Y-%m}", x.band) for x in created) == [
            ("2026-07", "3-5"),
            ("2026-07", "6-8"),
            ("2026-08", "3-5"),
            ("2026-08", "6-8"),
            ("2026-09", "3-5"),
            ("2026-09", "6-8"),
        ]
        assert services.retention_lists_build(day=september) == []
    lists = _lists(cast)
    assert lists[("2026-07", "3-5")] == ["三月底", "二月", "四月"]  # Feb–Apr
    assert lists[("2026-08", "6-8")] == ["一月一日", "二月", "十二月"]  # Dec–Feb; 回来了 is back
    # a run later in a month than the 1st (run_jobs by hand) builds that month's lists
    with frozen(dt.date(2026, 10, 15), 9), dealership_context(cast.a):
        assert {x.month for x in services.retention_lists_build(day=dt.date(2026, 10, 15))} == {
            dt.date(2026, 10, 1)
        }


def test_the_first_run_builds_only_its_own_month(cast, team, deliveries):
    with frozen(JUNE, 8), dealership_context(cast.a):
        assert {x.month for x in services.retention_lists_build(day=JUNE)} == {JUNE}


def test_after_sales_acknowledges_once(cast, team, deliveries):
    with frozen(JUNE, 8), dealership_context(cast.a):
        services.retention_lists_build(day=JUNE)
        target = RetentionList.objects.get(band="3-5")
    with frozen(JUNE, 11), dealership_context(cast.a):
        for nobody in (team.sales_consultant, team.service_advisor, team.cr_specialist):
            with pytest.raises(PermissionDenied):
                services.retention_list_acknowledge(actor=nobody, list_id=target.pk)
        done = services.retention_list_acknowledge(actor=team.service_manager, list_id=target.pk)
        assert done.acknowledged_by == team.service_manager
        assert done.acknowledged_at is not None
        with pytest.raises(ValidationError, match="already acknowledged by team service_manager"):
            services.retention_list_acknowledge(actor=team.crm_director, list_id=target.pk)
        # the CRM managers may acknowledge too
        other = RetentionList.objects.get(band="6-8")
        services.retention_list_acknowledge(actor=team.customer_relations_manager, list_id=other)


def test_retention_rates_are_the_records(cast, team):
    staff = team.sales_consultant
    may = dt.date(2026, 1, 10)
    back_in_2 = delivered(cast.a, may, staff=staff)
    serviced(cast.a, dt.date(2026, 3, 5), customer=back_in_2[0], vehicle=back_in_2[1])
    back_in_5 = delivered(cast.a, dt.date(2026, 1, 20), staff=staff)
    serviced(cast.a, dt.date(2026, 6, 19), customer=back_in_5[0], vehicle=back_in_5[1])
    never = delivered(cast.a, dt.date(2026, 1, 31), staff=staff)
    exactly_3 = delivered(cast.a, dt.date(2026, 1, 31), staff=staff)  # back on 30 April
    serviced(cast.a, dt.date(2026, 4, 30), customer=exactly_3[0], vehicle=exactly_3[1])
    late = delivered(cast.a, dt.date(2026, 2, 3), staff=staff)
    serviced(cast.a, dt.date(2026, 8, 20), customer=late[0], vehicle=late[1])
    assert never  # delivered, never back
    today = dt.date(2026, 9, 1)
    with frozen(today), dealership_context(cast.a):
        rows = {r["month"]: r for r in retention_rates(team.customer_relations_manager, 12)}
    assert (
        len(rows) == 12 and min(rows) == dt.date(2025, 10, 1) and max(rows) == dt.date(2026, 9, 1)
    )
    january = rows[dt.date(2026, 1, 1)]
    assert (january["delivered"], january["back_3"], january["back_6"]) == (4, 2, 3)
    assert january["rate_3"] == 50 and january["rate_6"] == 75
    assert january["final_3"] and january["final_6"]  # 31 July has passed
    february = rows[dt.date(2026, 2, 1)]
    assert (february["delivered"], february["back_3"], february["back_6"]) == (1, 0, 0)
    assert february["final_3"] and february["final_6"]  # six months after 28 February
    assert not rows[dt.date(2026, 8, 1)]["final_3"]  # August's deliveries may still come
    assert rows[dt.date(2026, 3, 1)]["rate_3"] is None  # nothing delivered
    with frozen(today), dealership_context(cast.a), pytest.raises(PermissionDenied):
        retention_rates(team.sales_consultant)
