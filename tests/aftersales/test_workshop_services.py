"""Workshop services: bays, assigning jobs, clocking on and off, efficiency numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from aftersales import services
from aftersales.models import (
    Bay,
    Job,
    JobStatus,
    LineKind,
    RepairLine,
    RepairStatus,
    TimeEntry,
)
from aftersales.selectors import workshop as selectors
from dealership.models import AuditEntry
from dealership.tenancy import dealership_context
from tests.aftersales.conftest import make_repair_order

pytestmark = pytest.mark.django_db


def make_job(
    dealership,
    advisor,
    *,
    hours="1.50",
    status=RepairStatus.APPROVED,
    order=None,
    technician=None,
    bay=None,
    description="更换机油",
):
    """A repair order (approved by default) with one labour line and its job."""
    order = order or make_repair_order(dealership, advisor, status=status)
    with dealership_context(dealership):
        line = RepairLine.objects.create(
            dealership=dealership,
            repair_order=order,
            kind=LineKind.LABOUR,
            description=description,
            operation_code="OP10",
            hours=Decimal(hours),
            rate=Decimal("200"),
            amount=Decimal(hours) * 200,
        )
        return Job.objects.create(
            dealership=dealership,
            repair_order=order,
            line=line,
            sold_hours=Decimal(hours),
            technician=technician,
            bay=bay,
        )


def make_bay(dealership, code="A1", **fields):
    with dealership_context(dealership):
        return Bay.objects.create(dealership=dealership, code=code, name=f"工位{code}", **fields)


def _clock_on(dealership, actor, job):
    with dealership_context(dealership):
        return services.job_clock_on(actor=actor, job_id=job.pk)


def _clock_off(dealership, actor, job, finished=False):
    with dealership_context(dealership):
        return services.job_clock_off(actor=actor, job_id=job.pk, finished=finished)


def _reload(dealership, obj):
    with dealership_context(dealership):
        return type(obj).objects.get(pk=obj.pk)


# --- bays ----------------------------------------------------------------------------------------


def test_the_supervisor_creates_and_changes_bays(cast, staff):
    with dealership_context(cast.a):
        bay = services.bay_create(actor=staff.workshop_supervisor, code=" a1 ", name="快修工位")
        assert (bay.code, bay.name, bay.is_active) == ("A1", "快修工位", True)
        bay = services.bay_update(actor=staff.service_manager, bay_id=bay.pk, is_active=False)
        assert bay.is_active is False
        assert AuditEntry.objects.filter(object_type="aftersales.Bay").count() == 2


def test_bay_codes_are_unique_and_required(cast, staff):
    make_bay(cast.a, "A1")
    with dealership_context(cast.a):
        with pytest.raises(ValidationError) as error:
            services.bay_create(actor=staff.workshop_supervisor, code="a1", name="x")
        assert "code" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            services.bay_create(actor=staff.workshop_supervisor, code="", name="")
        assert {"code", "name"} <= set(error.value.message_dict)
        assert Bay.objects.count() == 1


def test_an_advisor_or_a_technician_cannot_change_bays(cast, staff):
    bay = make_bay(cast.a)
    with dealership_context(cast.a):
        with pytest.raises(PermissionDenied):
            services.bay_create(actor=staff.advisor, code="B1", name="x")
        with pytest.raises(PermissionDenied):
            services.bay_update(actor=staff.advisor, bay_id=bay.pk, name="x")
        with pytest.raises(PermissionDenied):
            services.bay_create(actor=staff.technician, code="B1", name="x")
        assert Bay.objects.count() == 1


# --- assigning -----------------------------------------------------------------------------------


def test_the_supervisor_assigns_a_job_to_a_technician_in_a_bay(cast, staff):
    job = make_job(cast.a, staff.advisor)
    bay = make_bay(cast.a)
    with dealership_context(cast.a):
        job = services.job_assign(
            actor=staff.workshop_supervisor, job_id=job.pk, technician=staff.technician, bay=bay.pk
        )
        assert (job.technician_id, job.bay_id) == (staff.technician.pk, bay.pk)
        assert AuditEntry.objects.filter(object_type="aftersales.Job").exists()
        job = services.job_assign(
            actor=staff.service_manager, job_id=job.pk, technician=staff.technician2.pk
        )
        assert (job.technician_id, job.bay_id) == (staff.technician2.pk, None)


def test_only_technicians_get_jobs(cast, staff):
    job = make_job(cast.a, staff.advisor)
    with dealership_context(cast.a):
        for person in (staff.advisor, staff.sales_consultant, cast.user_b):
            with pytest.raises(ValidationError) as error:
                services.job_assign(
                    actor=staff.workshop_supervisor, job_id=job.pk, technician=person
                )
            assert "technician" in error.value.message_dict
        assert Job.objects.get(pk=job.pk).technician_id is None


def test_a_bay_out_of_use_or_of_another_dealership_is_refused(cast, staff):
    job = make_job(cast.a, staff.advisor)
    closed = make_bay(cast.a, "C1", is_active=False)
    theirs = make_bay(cast.b, "B1")
    with dealership_context(cast.a):
        with pytest.raises(ValidationError) as error:
            services.job_assign(
                actor=staff.workshop_supervisor,
                job_id=job.pk,
                technician=staff.technician,
                bay=closed.pk,
            )
        assert "bay" in error.value.message_dict
        with pytest.raises(Http404):
            services.job_assign(
                actor=staff.workshop_supervisor,
                job_id=job.pk,
                technician=staff.technician,
                bay=theirs.pk,
            )
        assert Job.objects.get(pk=job.pk).technician_id is None


def test_a_done_job_cannot_be_reassigned(cast, staff):
    job = make_job(cast.a, staff.advisor, technician=staff.technician)
    _clock_on(cast.a, staff.technician, job)
    _clock_off(cast.a, staff.technician, job, finished=True)
    with dealership_context(cast.a), pytest.raises(ValidationError, match="done"):
        services.job_assign(
            actor=staff.workshop_supervisor, job_id=job.pk, technician=staff.technician2
        )


def test_technicians_and_advisors_do_not_assign(cast, staff):
    job = make_job(cast.a, staff.advisor, technician=staff.technician)
    with dealership_context(cast.a):
        with pytest.raises(PermissionDenied):
            services.job_assign(actor=staff.technician, job_id=job.pk, technician=staff.technician)
        with pytest.raises(PermissionDenied):
            services.job_assign(actor=staff.advisor, job_id=job.pk, technician=staff.technician)


# --- clocking ------------------------------------------------------------------------------------


def test_clock_on_and_off_adds_the_minutes_and_starts_the_order(cast, staff, monkeypatch):
    job = make_job(cast.a, staff.advisor, technician=staff.technician)
    start = timezone.now()
    monkeypatch.setattr(services.workshop, "_now", lambda: start)
    entry = _clock_on(cast.a, staff.technician, job)
    assert entry.started_at == start and entry.technician_id == staff.technician.pk
    assert _reload(cast.a, job).status == JobStatus.IN_PROGRESS
    order = _reload(cast.a, job.repair_order)
    assert order.status == RepairStatus.IN_PROGRESS
    with dealership_context(cast.a):
        assert AuditEntry.objects.filter(
            object_type="aftersales.RepairOrder", object_id=str(order.pk)
        ).exists()
    monkeypatch.setattr(services.workshop, "_now", lambda: start + dt.timedelta(minutes=42))
    job = _clock_off(cast.a, staff.technician, job)
    assert (job.status, job.clocked_minutes) == (JobStatus.PAUSED, 42)
    assert _reload(cast.a, entry).ended_at == start + dt.timedelta(minutes=42)
    # again, then finished
    monkeypatch.setattr(services.workshop, "_now", lambda: start + dt.timedelta(minutes=60))
    _clock_on(cast.a, staff.technician, job)
    monkeypatch.setattr(services.workshop, "_now", lambda: start + dt.timedelta(minutes=90))
    job = _clock_off(cast.a, staff.technician, job, finished=True)
    assert (job.status, job.clocked_minutes) == (JobStatus.DONE, 72)
    assert job.finished_at == start + dt.timedelta(minutes=90)
    with dealership_context(cast.a):
        assert TimeEntry.objects.filter(job=job).count() == 2
        assert not TimeEntry.objects.filter(ended_at__isnull=True).exists()


def test_clocking_on_the_same_job_twice_is_refused(cast, staff):
    job = make_job(cast.a, staff.advisor, technician=staff.technician)
    _clock_on(cast.a, staff.technician, job)
    with pytest.raises(ValidationError, match="Already clocked on to this job"):
        _clock_on(cast.a, staff.technician, job)
    with dealership_context(cast.a):
        assert TimeEntry.objects.count() == 1


def test_clocking_on_another_job_while_on_one_is_refused(cast, staff):
    first = make_job(cast.a, staff.advisor, technician=staff.technician)
    second = make_job(cast.a, staff.advisor, technician=staff.technician)
    _clock_on(cast.a, staff.technician, first)
    with pytest.raises(ValidationError) as error:
        _clock_on(cast.a, staff.technician, second)
    message = error.value.message_dict["job"][0]
    assert f"clocked on to {first.repair_order.number} already" in message
    assert _reload(cast.a, second).status == JobStatus.WAITING
    _clock_off(cast.a, staff.technician, first)
    _clock_on(cast.a, staff.technician, second)  # free again


def test_a_technician_cannot_clock_someone_elses_job(cast, staff):
    order = make_repair_order(cast.a, staff.advisor, status=RepairStatus.APPROVED)
    mine = make_job(cast.a, staff.advisor, order=order, technician=staff.technician)
    theirs = make_job(cast.a, staff.advisor, order=order, technician=staff.technician2)
    unassigned = make_job(cast.a, staff.advisor, order=order)
    # technician sees the order's other jobs (a job of theirs is on it), but works only their own
    with pytest.raises(PermissionDenied):
        _clock_on(cast.a, staff.technician, theirs)
    with pytest.raises(ValidationError):
        _clock_on(cast.a, staff.technician, unassigned)
    elsewhere = make_job(cast.a, staff.advisor, technician=staff.technician2)
    with pytest.raises(Http404):  # an order without a job of theirs: not even seen
        _clock_on(cast.a, staff.technician, elsewhere)
    with dealership_context(cast.a):
        assert not TimeEntry.objects.exists()
    _clock_on(cast.a, staff.technician, mine)


def test_the_supervisor_clocks_on_for_a_technician(cast, staff):
    job = make_job(cast.a, staff.advisor, technician=staff.technician)
    entry = _clock_on(cast.a, staff.workshop_supervisor, job)
    assert entry.technician_id == staff.technician.pk
    job = _clock_off(cast.a, staff.workshop_supervisor, job, finished=True)
    assert job.status == JobStatus.DONE


@pytest.mark.parametrize(
    "status",
    [RepairStatus.OPEN, RepairStatus.ESTIMATED, RepairStatus.QUALITY_CHECK, RepairStatus.CANCELLED],
)
def test_jobs_of_orders_not_approved_or_finished_cannot_be_clocked(cast, staff, status):
    job = make_job(cast.a, staff.advisor, technician=staff.technician, status=status)
    with pytest.raises(ValidationError) as error:
        _clock_on(cast.a, staff.technician, job)
    assert job.repair_order.number in error.value.message_dict["job"][0]
    with dealership_context(cast.a):
        assert not TimeEntry.objects.exists()


def test_jobs_of_a_closed_order_cannot_be_clocked(cast, staff):
    job = make_job(
        cast.a,
        staff.advisor,
        technician=staff.technician,
        status=RepairStatus.CLOSED,
        order=make_repair_order(
            cast.a, staff.advisor, status=RepairStatus.CLOSED, closed_on=timezone.localdate()
        ),
    )
    with pytest.raises(ValidationError):
        _clock_on(cast.a, staff.technician, job)


def test_an_advisor_sees_jobs_of_own_orders_but_cannot_clock(cast, staff):
    job = make_job(cast.a, staff.advisor, technician=staff.technician)
    with dealership_context(cast.a):
        assert Job.objects.for_user(staff.advisor).filter(pk=job.pk).exists()
        assert not Job.objects.for_user(staff.advisor2).filter(pk=job.pk).exists()
    with pytest.raises(PermissionDenied):
        _clock_on(cast.a, staff.advisor, job)


def test_clock_off_without_a_clock_is_refused(cast, staff):
    job = make_job(cast.a, staff.advisor, technician=staff.technician)
    with pytest.raises(ValidationError, match="Nobody is clocked on"):
        _clock_off(cast.a, staff.technician, job)
    assert _reload(cast.a, job).status == JobStatus.WAITING


def test_a_paused_job_can_be_finished_and_a_done_one_not_clocked(cast, staff):
    job = make_job(cast.a, staff.advisor, technician=staff.technician)
    _clock_on(cast.a, staff.technician, job)
    _clock_off(cast.a, staff.technician, job)
    job = _clock_off(cast.a, staff.technician, job, finished=True)
    assert job.status == JobStatus.DONE
    with pytest.raises(ValidationError, match="done"):
        _clock_on(cast.a, staff.technician, job)


def test_reassigning_a_job_someone_is_clocked_on_is_refused(cast, staff):
    job = make_job(cast.a, staff.advisor, technician=staff.technician)
    _clock_on(cast.a, staff.technician, job)
    with dealership_context(cast.a), pytest.raises(ValidationError, match="clock off first"):
        services.job_assign(
            actor=staff.workshop_supervisor, job_id=job.pk, technician=staff.technician2
        )


# --- efficiency ----------------------------------------------------------------------------------


def test_efficiency_numbers_equal_the_records(cast, staff):
    now = timezone.now()
    jobs = []
    for hours, technician, minutes in (
        ("2.00", staff.technician, 90),
        ("1.00", staff.technician, 60),
        ("3.00", staff.technician2, 240),
    ):
        job = make_job(cast.a, staff.advisor, hours=hours, technician=technician)
        with dealership_context(cast.a):
            TimeEntry.objects.create(
                dealership=cast.a,
                job=job,
                technician=technician,
                started_at=now - dt.timedelta(minutes=minutes),
                ended_at=now,
            )
            Job.objects.filter(pk=job.pk).update(
                status=JobStatus.DONE, finished_at=now, clocked_minutes=minutes
            )
        jobs.append(job)
    make_job(cast.a, staff.advisor, hours="5.00", technician=staff.technician)  # not done
    today = timezone.localdate()
    with dealership_context(cast.a):
        report = selectors.efficiency(staff.service_manager, today.replace(day=1), today)
        rows = {row.technician_id: row for row in report.rows}
        for technician in (staff.technician, staff.technician2):
            done = Job.objects.filter(technician=technician, status=JobStatus.DONE)
            sold = sum(j.sold_hours for j in done)
            minutes = sum(
                (e.ended_at - e.started_at).total_seconds() / 60
                for e in TimeEntry.objects.filter(technician=technician)
            )
            row = rows[technician.pk]
            assert row.sold_hours == sold
            assert row.clocked_hours == Decimal(minutes / 60).quantize(Decimal("0.01"))
            assert row.jobs_done == done.count()
            assert row.efficiency == (sold / row.clocked_hours * 100).quantize(Decimal("0.1"))
        assert rows[staff.technician.pk].sold_hours == Decimal("3.00")
        assert rows[staff.technician.pk].clocked_hours == Decimal("2.50")
        assert rows[staff.technician.pk].efficiency == Decimal("120.0")
        assert report.total.sold_hours == Decimal("6.00")
        # a technician sees their own numbers only
        own = selectors.efficiency(staff.technician, today.replace(day=1), today)
        assert {r.technician_id for r in own.rows} == {staff.technician.pk}
