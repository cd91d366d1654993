"""Services of the service front desk: appointments, check-in (mileage never below the last),
lines and totals, part reservations, every status move allowed and refused, closing (the crm
event recorded exactly once), cancelling (parts released), rescues and the SMS reminder."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from aftersales import services
from aftersales.models import (
    Appointment,
    AppointmentStatus,
    Job,
    JobStatus,
    Part,
    PartMovement,
    RepairLine,
    RepairOrder,
    RepairStatus,
    Rescue,
    ServiceType,
)
from aftersales.services.stock import part_move
from crm.models import Customer, CustomerEvent, Vehicle
from dealership.tenancy import dealership_context
from tests.aftersales.conftest import make_part, make_repair_order, make_vehicle

pytestmark = pytest.mark.django_db
S = RepairStatus
NOW = timezone.now


def checkin(actor, dealership, vehicle=None, **kwargs):
    vehicle = vehicle or make_vehicle(dealership)
    kwargs.setdefault("mileage", (vehicle.mileage or 0) + 500)
    kwargs.setdefault("service_type", ServiceType.MAINTENANCE_10K)
    kwargs.setdefault("concerns", "10,000 km service")
    with dealership_context(dealership):
        return services.repairorder_checkin(actor=actor, vehicle=vehicle.pk, **kwargs)


def call(dealership, func, **kwargs):
    with dealership_context(dealership):
        return func(**kwargs)


def field_error(excinfo, field):
    error = excinfo.value
    assert hasattr(error, "error_dict"), error
    assert field in error.error_dict, error.error_dict
    return " ".join(error.message_dict[field])


def labour(actor, dealership, order, hours="1.5", rate="300", **kwargs):
    return call(
        dealership,
        services.repairline_add,
        actor=actor,
        repair_order_id=order.pk,
        kind="labour",
        description=kwargs.pop("description", "Oil change"),
        hours=hours,
        rate=rate,
        **kwargs,
    )


def part_line(actor, dealership, order, part, quantity="2", **kwargs):
    return call(
        dealership,
        services.repairline_add,
        actor=actor,
        repair_order_id=order.pk,
        kind="part",
        description="",
        part=part.pk,
        quantity=quantity,
        **kwargs,
    )


def issue(dealership, line):
    """Issue a reserved part line (what the parts area's ``repairline_issue`` does)."""
    from dealership.actors import SYSTEM

    with dealership_context(dealership):
        part_move(
            actor=SYSTEM,
            part_id=line.part_id,
            kind="issue",
            quantity=line.quantity,
            from_reserved=line.quantity,
            repair_line=line,
        )
        RepairLine.objects.filter(pk=line.pk).update(part_state="issued")


def finish_jobs(dealership, order):
    with dealership_context(dealership):
        Job.objects.filter(repair_order=order).update(status=JobStatus.DONE)


def ready_order(staff, cast, with_part=True):
    """An order taken through the flow to ready (labour done, part issued)."""
    order = checkin(staff.advisor, cast.a)
    labour(staff.advisor, cast.a, order)
    line = None
    if with_part:
        part = make_part(cast.a, on_hand="5")
        line = part_line(staff.advisor, cast.a, order, part, quantity="1")
    call(cast.a, services.repairorder_estimate, actor=staff.advisor, repair_order_id=order.pk)
    call(
        cast.a,
        services.repairorder_approve,
        actor=staff.advisor,
        repair_order_id=order.pk,
        note="signed",
    )
    call(cast.a, services.repairorder_start, actor=staff.advisor, repair_order_id=order.pk)
    finish_jobs(cast.a, order)
    if line is not None:
        issue(cast.a, line)
    call(
        cast.a,
        services.repairorder_quality_check,
        actor=staff.workshop_supervisor,
        repair_order_id=order.pk,
        passed=True,
        note="",
    )
    return order


def reload(dealership, obj):
    with dealership_context(dealership):
        return type(obj).objects.get(pk=obj.pk)


# --- check-in -----------------------------------------------------------------------------------


def test_checkin_opens_a_numbered_order_and_raises_the_vehicle_mileage(cast, staff):
    vehicle = make_vehicle(cast.a, mileage=12000)
    order = checkin(
        staff.advisor, cast.a, vehicle, mileage=15000, walk_around=["dents", "scratches"]
    )
    assert order.status == S.OPEN
    assert order.advisor == staff.advisor
    assert order.number == f"RO{timezone.localtime():%Y%m}-0001"
    assert order.walk_around == ["scratches", "dents"]
    assert reload(cast.a, vehicle).mileage == 15000
    second = checkin(staff.advisor2, cast.a, mileage=13000)
    assert second.number.endswith("-0002")


def test_mileage_below_the_last_recorded_is_refused(cast, staff):
    vehicle = make_vehicle(cast.a, mileage=12000)
    with pytest.raises(ValidationError) as excinfo:
        checkin(staff.advisor, cast.a, vehicle, mileage=11999)
    assert "12,000" in field_error(excinfo, "mileage")
    checkin(staff.advisor, cast.a, vehicle, mileage=20000)
    with dealership_context(cast.a):  # the file's mileage put back: the order still counts
        Vehicle.objects.filter(pk=vehicle.pk).update(mileage=1000)
    with pytest.raises(ValidationError) as excinfo:
        checkin(staff.advisor2, cast.a, vehicle, mileage=19000)
    assert "20,000" in field_error(excinfo, "mileage")
    with dealership_context(cast.a):
        assert RepairOrder.objects.count() == 1


def test_checkin_refuses_bad_input_naming_the_field(cast, staff):
    vehicle = make_vehicle(cast.a)
    for kwargs, field in (
        ({"concerns": " "}, "concerns"),
        ({"service_type": "wash"}, "service_type"),
        ({"fuel_level": 120}, "fuel_level"),
        ({"walk_around": ["ufo"]}, "walk_around"),
        ({"promised_at": NOW() - dt.timedelta(days=1)}, "promised_at"),
        ({"advisor": staff.advisor2.pk}, "advisor"),  # an advisor books their own
    ):
        with pytest.raises(ValidationError) as excinfo:
            checkin(staff.advisor, cast.a, vehicle, **kwargs)
        field_error(excinfo, field)
    other = make_vehicle(cast.b)
    with pytest.raises(ValidationError) as excinfo:
        checkin(staff.advisor, cast.a, vehicle=other)
    field_error(excinfo, "vehicle")
    with dealership_context(cast.a):
        assert not RepairOrder.objects.exists()


def test_the_service_manager_checks_in_for_an_advisor(cast, staff):
    order = checkin(staff.service_manager, cast.a, advisor=staff.advisor2.pk)
    assert order.advisor == staff.advisor2


def test_who_may_check_in(cast, staff):
    for user in (staff.sales_consultant, staff.technician, cast.hq_user):
        with pytest.raises(PermissionDenied):
            checkin(user, cast.a)


def test_checkin_from_an_appointment_marks_it_arrived(cast, staff):
    vehicle = make_vehicle(cast.a)
    start = NOW() + dt.timedelta(hours=2)
    appointment = call(
        cast.a,
        services.appointment_create,
        actor=staff.advisor,
        vehicle=vehicle.pk,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        service_type=ServiceType.MAINTENANCE_5K,
        concerns="5k",
    )
    order = checkin(staff.advisor, cast.a, vehicle, appointment=appointment.pk)
    assert order.appointment_id == appointment.pk
    assert reload(cast.a, appointment).status == AppointmentStatus.ARRIVED
    with pytest.raises(ValidationError) as excinfo:
        checkin(staff.advisor, cast.a, vehicle, appointment=appointment.pk)
    field_error(excinfo, "appointment")


# --- lines and totals ---------------------------------------------------------------------------


def test_lines_and_totals_warranty_excluded_from_what_the_customer_pays(cast, staff):
    order = checkin(staff.advisor, cast.a)
    part = make_part(cast.a, on_hand="10", price=Decimal("58.00"))
    line = labour(staff.advisor, cast.a, order, hours="1.5", rate="300")
    assert line.amount == Decimal("450.00")
    with dealership_context(cast.a):
        job = Job.objects.get(line=line)
    assert job.sold_hours == Decimal("1.50") and job.status == JobStatus.WAITING
    part_line(staff.advisor, cast.a, order, part, quantity="2")
    labour(staff.advisor, cast.a, order, hours="2", rate="200", warranty=True)
    call(
        cast.a,
        services.repairline_add,
        actor=staff.advisor,
        repair_order_id=order.pk,
        kind="sublet",
        description="Glass repair",
        supplier="玻璃店",
        cost="100",
        price="180",
    )
    order = reload(cast.a, order)
    assert order.labour_total == Decimal("450.00")
    assert order.parts_total == Decimal("116.00")
    assert order.sublet_total == Decimal("180.00")
    assert order.warranty_total == Decimal("400.00")
    assert order.total == Decimal("746.00")
    assert reload(cast.a, part).reserved == Decimal("2")


def test_part_reservation_beyond_availability_is_refused(cast, staff):
    order = checkin(staff.advisor, cast.a)
    part = make_part(cast.a, on_hand="3")
    part_line(staff.advisor, cast.a, order, part, quantity="2")
    with pytest.raises(ValidationError) as excinfo:
        part_line(staff.advisor, cast.a, order, part, quantity="2")
    assert "Only 1" in field_error(excinfo, "quantity")
    with dealership_context(cast.a):
        assert RepairLine.objects.filter(repair_order=order).count() == 1
    assert reload(cast.a, part).reserved == Decimal("2")


def test_line_input_is_checked(cast, staff):
    order = checkin(staff.advisor, cast.a)
    other_part = make_part(cast.b)
    for kwargs, field in (
        ({"kind": "paint", "description": "x"}, "kind"),
        ({"kind": "labour", "description": "", "hours": 1}, "description"),
        ({"kind": "labour", "description": "x", "hours": 0}, "hours"),
        ({"kind": "labour", "description": "x", "hours": 1, "rate": -1}, "rate"),
        ({"kind": "part", "description": "", "part": None, "quantity": 1}, "part"),
        ({"kind": "part", "description": "", "part": other_part.pk, "quantity": 1}, "part"),
        ({"kind": "sublet", "description": "x", "supplier": ""}, "supplier"),
    ):
        with pytest.raises(ValidationError) as excinfo:
            call(
                cast.a,
                services.repairline_add,
                actor=staff.advisor,
                repair_order_id=order.pk,
                **kwargs,
            )
        field_error(excinfo, field)
    with dealership_context(cast.a):
        assert not RepairLine.objects.exists() and not Job.objects.exists()


def test_removing_lines_unreserves_and_deletes_the_waiting_job(cast, staff):
    order = checkin(staff.advisor, cast.a)
    part = make_part(cast.a, on_hand="5")
    work = labour(staff.advisor, cast.a, order)
    reserved = part_line(staff.advisor, cast.a, order, part, quantity="2")
    call(cast.a, services.repairline_remove, actor=staff.advisor, line_id=work.pk)
    call(cast.a, services.repairline_remove, actor=staff.advisor, line_id=reserved.pk)
    with dealership_context(cast.a):
        assert not Job.objects.exists() and not RepairLine.objects.exists()
    assert reload(cast.a, part).reserved == 0
    assert reload(cast.a, order).total == 0


def test_removing_an_issued_part_returns_it_and_keeps_the_line(cast, staff):
    order = checkin(staff.advisor, cast.a)
    part = make_part(cast.a, on_hand="5")
    line = part_line(staff.advisor, cast.a, order, part, quantity="2")
    issue(cast.a, line)
    assert reload(cast.a, part).on_hand == 3
    call(cast.a, services.repairline_remove, actor=staff.advisor, line_id=line.pk)
    assert reload(cast.a, part).on_hand == 5
    assert reload(cast.a, line).part_state == "returned"
    assert reload(cast.a, order).parts_total == 0


def test_a_started_job_keeps_its_line(cast, staff):
    order = checkin(staff.advisor, cast.a)
    work = labour(staff.advisor, cast.a, order)
    with dealership_context(cast.a):
        Job.objects.filter(line=work).update(status=JobStatus.IN_PROGRESS)
    with pytest.raises(ValidationError) as excinfo:
        call(cast.a, services.repairline_remove, actor=staff.advisor, line_id=work.pk)
    field_error(excinfo, "line")


def test_lines_change_only_before_the_quality_check(cast, staff):
    order = ready_order(staff, cast, with_part=False)
    with pytest.raises(ValidationError) as excinfo:
        labour(staff.advisor, cast.a, order)
    assert "Ready for pick-up" in field_error(excinfo, "status")


# --- status flow --------------------------------------------------------------------------------

MOVES = {
    "estimate": lambda a, pk: services.repairorder_estimate(actor=a, repair_order_id=pk),
    "approve": lambda a, pk: services.repairorder_approve(actor=a, repair_order_id=pk, note="ok"),
    "start": lambda a, pk: services.repairorder_start(actor=a, repair_order_id=pk),
    "qc": lambda a, pk: services.repairorder_quality_check(
        actor=a, repair_order_id=pk, passed=True, note=""
    ),
    "close": lambda a, pk: services.repairorder_close(actor=a, repair_order_id=pk),
}
ALLOWED = {
    S.OPEN: {"estimate"},
    S.ESTIMATED: {"approve"},
    S.APPROVED: {"start"},
    S.IN_PROGRESS: {"qc"},
    S.QUALITY_CHECK: {"qc"},
    S.READY: {"close"},
    S.CLOSED: set(),
    S.CANCELLED: set(),
}


@pytest.mark.parametrize("status", list(S))
def test_every_move_is_allowed_only_from_its_status(cast, staff, status):
    part_free = {"closed_on": timezone.localdate()} if status == S.CLOSED else {}
    order = make_repair_order(cast.a, staff.advisor, status=status, **part_free)
    labour(staff.advisor, cast.a, order) if status == S.OPEN else None
    for name, move in MOVES.items():
        with dealership_context(cast.a):
            if name in ALLOWED[status]:
                move(staff.advisor, order.pk)
                RepairOrder.objects.filter(pk=order.pk).update(
                    status=status, **(part_free or {"closed_on": None})
                )
                continue
            with pytest.raises(ValidationError) as excinfo:
                move(staff.advisor, order.pk)
        assert "cannot be" in field_error(excinfo, "status"), (status, name)
    with dealership_context(cast.a):
        if status in (S.CLOSED, S.CANCELLED):
            with pytest.raises(ValidationError) as excinfo:
                services.repairorder_cancel(
                    actor=staff.advisor, repair_order_id=order.pk, reason="x"
                )
            field_error(excinfo, "status")
        else:
            cancelled = services.repairorder_cancel(
                actor=staff.advisor, repair_order_id=order.pk, reason="customer left"
            )
            assert cancelled.status == S.CANCELLED


def test_the_whole_flow(cast, staff):
    order = checkin(staff.advisor, cast.a)
    labour(staff.advisor, cast.a, order)
    order = call(cast.a, MOVES["estimate"], a=staff.advisor, pk=order.pk)
    assert order.status == S.ESTIMATED and order.estimate_total == Decimal("450.00")
    with pytest.raises(ValidationError) as excinfo:
        call(
            cast.a,
            services.repairorder_approve,
            actor=staff.advisor,
            repair_order_id=order.pk,
            note="",
        )
    field_error(excinfo, "note")
    order = call(cast.a, MOVES["approve"], a=staff.advisor, pk=order.pk)
    assert order.approved_at and order.approval_note == "ok"
    order = call(cast.a, MOVES["start"], a=staff.advisor, pk=order.pk)
    assert order.status == S.IN_PROGRESS


def test_an_estimate_needs_lines(cast, staff):
    order = checkin(staff.advisor, cast.a)
    with pytest.raises(ValidationError) as excinfo:
        call(cast.a, MOVES["estimate"], a=staff.advisor, pk=order.pk)
    field_error(excinfo, "lines")


def test_quality_check_refuses_unfinished_jobs_and_a_failure_goes_back(cast, staff):
    order = make_repair_order(cast.a, staff.advisor, status=S.IN_PROGRESS)
    with dealership_context(cast.a):
        RepairOrder.objects.filter(pk=order.pk).update(status=S.OPEN)
    labour(staff.advisor, cast.a, order, description="Brake pads")
    with dealership_context(cast.a):
        RepairOrder.objects.filter(pk=order.pk).update(status=S.IN_PROGRESS)
    with pytest.raises(ValidationError) as excinfo:
        call(cast.a, MOVES["qc"], a=staff.workshop_supervisor, pk=order.pk)
    assert "Brake pads" in field_error(excinfo, "jobs")
    finish_jobs(cast.a, order)
    with pytest.raises(ValidationError) as excinfo:
        call(
            cast.a,
            services.repairorder_quality_check,
            actor=staff.workshop_supervisor,
            repair_order_id=order.pk,
            passed=False,
            note="",
        )
    field_error(excinfo, "note")
    failed = call(
        cast.a,
        services.repairorder_quality_check,
        actor=staff.workshop_supervisor,
        repair_order_id=order.pk,
        passed=False,
        note="squeak remains",
    )
    assert failed.status == S.IN_PROGRESS and failed.qc_note == "squeak remains"
    passed = call(cast.a, MOVES["qc"], a=staff.workshop_supervisor, pk=order.pk)
    assert passed.status == S.READY and passed.qc_by == staff.workshop_supervisor
    assert passed.ready_at is not None


def test_closing_refuses_unissued_parts_and_unfinished_jobs(cast, staff):
    order = ready_order(staff, cast, with_part=False)
    part = make_part(cast.a, on_hand="2")
    with dealership_context(cast.a):
        RepairOrder.objects.filter(pk=order.pk).update(status=S.OPEN)
    line = part_line(staff.advisor, cast.a, order, part, quantity="1")
    labour(staff.advisor, cast.a, order, description="Wheel alignment")
    with dealership_context(cast.a):
        RepairOrder.objects.filter(pk=order.pk).update(status=S.READY)
    with pytest.raises(ValidationError) as excinfo:
        call(cast.a, MOVES["close"], a=staff.advisor, pk=order.pk)
    assert "Wheel alignment" in field_error(excinfo, "jobs")
    finish_jobs(cast.a, order)
    with pytest.raises(ValidationError) as excinfo:
        call(cast.a, MOVES["close"], a=staff.advisor, pk=order.pk)
    assert part.number in field_error(excinfo, "lines")
    with dealership_context(cast.a):
        assert not CustomerEvent.objects.exists()
    issue(cast.a, line)
    assert call(cast.a, MOVES["close"], a=staff.advisor, pk=order.pk).status == S.CLOSED


def test_closing_records_the_follow_up_event_exactly_once(cast, staff):
    order = ready_order(staff, cast)
    closed = call(cast.a, MOVES["close"], a=staff.advisor, pk=order.pk)
    assert closed.closed_on == timezone.localdate() and closed.closed_at
    with dealership_context(cast.a):
        events = list(CustomerEvent.objects.all())
    assert len(events) == 1
    event = events[0]
    assert event.kind == "service" and event.customer_id == order.customer_id
    assert event.vehicle_id == order.vehicle_id and event.staff_id == staff.advisor.pk
    assert event.source_id == order.pk and event.occurred_on == closed.closed_on
    assert event.amount == closed.total  # the customer's part counts for their tier
    assert order.number in event.summary
    with pytest.raises(ValidationError) as excinfo:
        call(cast.a, MOVES["close"], a=staff.advisor, pk=order.pk)
    field_error(excinfo, "status")
    with dealership_context(cast.a):
        assert CustomerEvent.objects.count() == 1


def test_a_failing_event_leaves_the_order_ready(cast, staff, monkeypatch):
    import crm.services

    order = ready_order(staff, cast, with_part=False)

    def broken(**kwargs):
        raise ValidationError({"occurred_on": "no"})

    monkeypatch.setattr(crm.services, "customer_event_record", broken)
    with pytest.raises(ValidationError):
        call(cast.a, MOVES["close"], a=staff.advisor, pk=order.pk)
    assert reload(cast.a, order).status == S.READY


def test_cancel_releases_reserved_parts_returns_issued_ones_and_drops_waiting_jobs(cast, staff):
    order = checkin(staff.advisor, cast.a)
    part = make_part(cast.a, on_hand="10")
    kept = part_line(staff.advisor, cast.a, order, part, quantity="2")
    issued = part_line(staff.advisor, cast.a, order, part, quantity="3")
    issue(cast.a, issued)
    labour(staff.advisor, cast.a, order)
    started = labour(staff.advisor, cast.a, order, description="Diagnosis")
    with dealership_context(cast.a):
        Job.objects.filter(line=started).update(status=JobStatus.PAUSED)
    assert reload(cast.a, part).on_hand == 7
    with pytest.raises(ValidationError) as excinfo:
        call(
            cast.a,
            services.repairorder_cancel,
            actor=staff.advisor,
            repair_order_id=order.pk,
            reason="",
        )
    field_error(excinfo, "reason")
    call(
        cast.a,
        services.repairorder_cancel,
        actor=staff.advisor,
        repair_order_id=order.pk,
        reason="customer changed their mind",
    )
    part = reload(cast.a, part)
    assert part.on_hand == 10 and part.reserved == 0
    with dealership_context(cast.a):
        assert list(Job.objects.values_list("line_id", flat=True)) == [started.pk]
        assert set(
            RepairLine.objects.filter(pk__in=[kept.pk, issued.pk]).values_list(
                "part_state", flat=True
            )
        ) == {"returned"}
        assert PartMovement.objects.filter(kind="return", repair_line=issued).count() == 1
    assert reload(cast.a, order).status == S.CANCELLED


# --- permissions on the services ----------------------------------------------------------------


def test_moves_follow_the_access_rules(cast, staff):
    order = checkin(staff.advisor, cast.a)
    labour(staff.advisor, cast.a, order)
    with pytest.raises(Http404):
        call(cast.a, MOVES["estimate"], a=staff.advisor2, pk=order.pk)
    with dealership_context(cast.a):
        Job.objects.filter(repair_order=order).update(technician=staff.technician)
    with pytest.raises(PermissionDenied):  # sees it (their job), may not move it
        call(cast.a, MOVES["estimate"], a=staff.technician, pk=order.pk)
    with pytest.raises(PermissionDenied):
        call(cast.a, MOVES["estimate"], a=staff.sales_consultant, pk=order.pk)
    with pytest.raises(Http404):
        call(cast.b, MOVES["estimate"], a=cast.user_b, pk=order.pk)
    assert call(cast.a, MOVES["estimate"], a=staff.service_manager, pk=order.pk).status == (
        S.ESTIMATED
    )


# --- appointments -------------------------------------------------------------------------------


def _book(actor, dealership, vehicle=None, start=None, **kwargs):
    vehicle = vehicle or make_vehicle(dealership)
    start = start or NOW() + dt.timedelta(days=1)
    return call(
        dealership,
        services.appointment_create,
        actor=actor,
        vehicle=vehicle.pk,
        starts_at=start,
        ends_at=kwargs.pop("ends_at", start + dt.timedelta(hours=1)),
        service_type=kwargs.pop("service_type", ServiceType.MAINTENANCE_10K),
        **kwargs,
    )


def test_appointments_are_checked(cast, staff):
    vehicle = make_vehicle(cast.a)
    start = NOW() + dt.timedelta(days=1)
    for kwargs, field in (
        ({"start": NOW() - dt.timedelta(hours=2)}, "starts_at"),
        ({"start": start, "ends_at": start}, "ends_at"),
        ({"service_type": "wash"}, "service_type"),
        ({"advisor": staff.advisor2.pk}, "advisor"),
    ):
        with pytest.raises(ValidationError) as excinfo:
            _book(staff.advisor, cast.a, vehicle, **kwargs)
        field_error(excinfo, field)
    booked = _book(staff.advisor, cast.a, vehicle, concerns="noise")
    assert booked.customer_id == vehicle.owner_id and booked.advisor == staff.advisor
    by_manager = _book(staff.service_manager, cast.a, vehicle, advisor=staff.advisor2.pk)
    assert by_manager.advisor == staff.advisor2
    changed = call(
        cast.a,
        services.appointment_update,
        actor=staff.advisor,
        appointment_id=booked.pk,
        concerns="noise at 60 km/h",
    )
    assert changed.concerns == "noise at 60 km/h"
    with pytest.raises(ValidationError) as excinfo:
        call(
            cast.a,
            services.appointment_cancel,
            actor=staff.advisor,
            appointment_id=booked.pk,
            reason="",
        )
    field_error(excinfo, "reason")
    cancelled = call(
        cast.a,
        services.appointment_cancel,
        actor=staff.advisor,
        appointment_id=booked.pk,
        reason="customer ill",
    )
    assert cancelled.status == AppointmentStatus.CANCELLED
    with pytest.raises(ValidationError) as excinfo:
        call(cast.a, services.appointment_no_show, actor=staff.advisor, appointment_id=booked.pk)
    field_error(excinfo, "status")
    with pytest.raises(Http404):
        call(
            cast.a, services.appointment_no_show, actor=staff.advisor, appointment_id=by_manager.pk
        )


def test_no_show_only_once_the_slot_started(cast, staff):
    booked = _book(staff.advisor, cast.a)
    with pytest.raises(ValidationError):
        call(cast.a, services.appointment_no_show, actor=staff.advisor, appointment_id=booked.pk)
    with dealership_context(cast.a):
        Appointment.objects.filter(pk=booked.pk).update(
            starts_at=NOW() - dt.timedelta(hours=2), ends_at=NOW() - dt.timedelta(hours=1)
        )
    done = call(cast.a, services.appointment_no_show, actor=staff.advisor, appointment_id=booked.pk)
    assert done.status == AppointmentStatus.NO_SHOW


# --- the reminder -------------------------------------------------------------------------------


@pytest.fixture
def outbox(settings):
    from dealership import sms

    settings.SMS_BACKEND = "dealership.sms.LocmemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def _tomorrow_at(hour):
    day = timezone.localdate() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=timezone.get_current_timezone())


def test_the_reminder_texts_consenting_customers_once(cast, staff, outbox):
    from aftersales.jobs import appointment_reminders

    yes = make_vehicle(cast.a, mobile="13800138000")
    no = make_vehicle(cast.a)
    later = make_vehicle(cast.a, mobile="13900139000")
    with dealership_context(cast.a):
        Customer.objects.filter(pk__in=[yes.owner_id, later.owner_id]).update(consent_sms=True)
    reminded = _book(staff.advisor, cast.a, yes, start=_tomorrow_at(9))
    _book(staff.advisor, cast.a, no, start=_tomorrow_at(10))
    _book(staff.advisor, cast.a, later, start=_tomorrow_at(9) + dt.timedelta(days=1))
    cancelled = _book(staff.advisor, cast.a, later, start=_tomorrow_at(11))
    call(
        cast.a,
        services.appointment_cancel,
        actor=staff.advisor,
        appointment_id=cancelled.pk,
        reason="x",
    )
    with dealership_context(cast.a):
        appointment_reminders(dealership=cast.a, run_date=timezone.localdate())
        appointment_reminders(dealership=cast.a, run_date=timezone.localdate())  # twice
    assert [m.to for m in outbox] == ["13800138000"]
    assert outbox[0].key == f"aftersales.appointment_reminder:{reminded.pk}"
    assert "09:00" in outbox[0].text
    assert reload(cast.a, reminded).reminder_sent_at is not None


def test_the_logging_backend_masks_the_number(settings):
    import logging

    from dealership.sms import send_sms

    class Keep(logging.Handler):
        lines: list = []

        def emit(self, record):
            self.lines.append(record.getMessage())

    settings.SMS_BACKEND = "dealership.sms.LoggingBackend"
    logger, handler = logging.getLogger("dealership.sms"), Keep(logging.INFO)
    logger.addHandler(handler)
    level, logger.level = logger.level, logging.INFO
    try:
        send_sms(dealership=None, to="13800138000", text="call 13800138000", key="k")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    text = " ".join(handler.lines)
    assert "138****8000" in text and "13800138000" not in text


def test_the_reminder_job_is_registered_at_six_pm():
    from dealership.jobs import all_jobs

    job = next(j for j in all_jobs() if j.name == "aftersales.appointment_reminders")
    assert job.schedule.at == dt.time(18, 0)
    assert job.owners == ("service_manager",)


# --- rescues ------------------------------------------------------------------------------------


def _rescue(actor, dealership, **kwargs):
    fields = {
        "called_at": NOW() - dt.timedelta(hours=2),
        "caller_name": "王先生",
        "caller_phone": "138 0013 8000",
        "location": "G4 京港澳高速 1024 km",
        "problem": "Flat battery",
    }
    fields.update(kwargs)
    return call(dealership, services.rescue_create, actor=actor, **fields)


def test_rescue_records_the_call_and_opens_a_repair_order(cast, staff):
    vehicle = make_vehicle(cast.a, mileage=30000)
    rescue = _rescue(
        staff.advisor,
        cast.a,
        vehicle=vehicle.pk,
        dispatched=staff.technician.pk,
        departed_at=NOW() - dt.timedelta(hours=1, minutes=50),
        arrived_at=NOW() - dt.timedelta(hours=1),
        finished_at=NOW() - dt.timedelta(minutes=30),
        result="towed",
    )
    assert rescue.caller_phone == "13800138000"
    assert rescue.customer_id == vehicle.owner_id
    order = call(
        cast.a,
        services.rescue_open_repair_order,
        actor=staff.advisor,
        rescue_id=rescue.pk,
        mileage=30050,
    )
    assert order.service_type == ServiceType.RESCUE and order.concerns == "Flat battery"
    assert reload(cast.a, rescue).repair_order_id == order.pk
    with pytest.raises(ValidationError) as excinfo:
        call(
            cast.a,
            services.rescue_open_repair_order,
            actor=staff.advisor,
            rescue_id=rescue.pk,
            mileage=30050,
        )
    field_error(excinfo, "repair_order")


def test_rescue_input_is_checked(cast, staff):
    late = NOW() - dt.timedelta(hours=1)
    for kwargs, field in (
        ({"called_at": NOW() + dt.timedelta(hours=1)}, "called_at"),
        ({"caller_phone": "138001"}, "caller_phone"),
        ({"caller_phone": "13800"}, "caller_phone"),
        ({"caller_phone": "call me"}, "caller_phone"),
        ({"location": ""}, "location"),
        ({"departed_at": NOW() - dt.timedelta(hours=3)}, "departed_at"),
        ({"arrived_at": late}, "departed_at"),
        ({"departed_at": late, "arrived_at": late - dt.timedelta(minutes=5)}, "arrived_at"),
        ({"result": "fixed"}, "finished_at"),
        ({"dispatched": cast.user_b.pk}, "dispatched"),
        ({"vehicle": make_vehicle(cast.b).pk}, "vehicle"),
    ):
        with pytest.raises(ValidationError) as excinfo:
            _rescue(staff.advisor, cast.a, **kwargs)
        field_error(excinfo, field)
    landline = _rescue(staff.advisor, cast.a, caller_phone="027-8765 4321")
    assert landline.caller_phone == "027-8765 4321"
    with dealership_context(cast.a):
        assert Rescue.objects.count() == 1


def test_rescue_update_keeps_times_in_order(cast, staff):
    rescue = _rescue(staff.advisor, cast.a)
    with pytest.raises(ValidationError) as excinfo:
        call(
            cast.a,
            services.rescue_update,
            actor=staff.advisor,
            rescue_id=rescue.pk,
            finished_at=NOW() + dt.timedelta(hours=1),
        )
    field_error(excinfo, "finished_at")
    updated = call(
        cast.a,
        services.rescue_update,
        actor=staff.advisor,
        rescue_id=rescue.pk,
        departed_at=NOW() - dt.timedelta(minutes=90),
        crew="李师傅",
    )
    assert updated.crew == "李师傅"


def test_parts_counted_by_stock_core(cast, staff):
    """The part line's reservation goes through the stock core (no movement until issued)."""
    order = checkin(staff.advisor, cast.a)
    part = make_part(cast.a, on_hand="4")
    part_line(staff.advisor, cast.a, order, part, quantity="1.5")
    with dealership_context(cast.a):
        assert PartMovement.objects.filter(part=part).count() == 1  # the opening balance
        assert Part.objects.get(pk=part.pk).reserved == Decimal("1.5")
