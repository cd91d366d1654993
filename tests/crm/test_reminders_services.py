"""Service reminders (车务提醒): the rules (maintenance by months and by kilometres, insurance
renewal, annual inspection), the daily job (once per vehicle, kind and due date; run twice =
once; a late run catches up), and working a reminder (SMS only with consent, call, skip)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.models import FollowUpSettings, ReminderState, ServiceReminder, Vehicle
from crm.services import outreach as services
from crm.services.reminders import inspection_due, insurance_due, maintenance_due
from dealership import sms
from dealership.jobs import Daily, get_job
from dealership.models import AuditEntry, JobRun
from dealership.tenancy import dealership_context
from tests.crm.conftest import make_owner
from tests.crm.test_outreach_support import delivered, frozen, run_job, serviced, vehicle_for

pytestmark = pytest.mark.django_db
D = dt.date
DAY = dt.timedelta(days=1)


class BrokenGateway:
    def send(self, message):
        raise RuntimeError("gateway down")


@pytest.fixture
def outbox(settings):
    settings.SMS_BACKEND = "dealership.sms.LocmemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


# --- the rules ----------------------------------------------------------------------------------


def _maintenance(**kwargs):
    facts = {
        "delivered_on": None,
        "registered_on": None,
        "last_service_on": None,
        "mileage": None,
        "reading_on": None,
        "months": 6,
        "km": 5000,
    }
    return maintenance_due(**(facts | kwargs))


def test_maintenance_is_due_months_after_the_last_service_else_the_delivery():
    assert _maintenance(delivered_on=D(2026, 1, 10))[0] == D(2026, 7, 10)
    assert _maintenance(delivered_on=D(2026, 1, 10), last_service_on=D(2026, 3, 1))[0] == D(
        2026, 9, 1
    )
    assert _maintenance(registered_on=D(2025, 8, 31))[0] == D(2026, 2, 28)  # month end
    assert _maintenance() is None  # nothing known


def test_maintenance_is_due_earlier_when_the_estimated_kilometres_are_reached():
    # 6,000 km over the 62 days from the delivery to the last service: about 97 km a day,
    # so 5,000 km more take 52 days
    due, why = _maintenance(
        delivered_on=D(2025, 12, 1),
        last_service_on=D(2026, 2, 1),
        mileage=6000,
        reading_on=D(2026, 2, 1),
    )
    assert due == D(2026, 3, 25)
    assert "5000 km after 2026-02-01" in why and "97 km a day" in why
    # a slow driver: the months come first
    assert _maintenance(
        delivered_on=D(2025, 12, 1),
        last_service_on=D(2026, 6, 1),
        mileage=1000,
        reading_on=D(2026, 6, 1),
    )[0] == D(2026, 12, 1)
    # fewer than 30 days of readings say nothing about the pace
    assert _maintenance(delivered_on=D(2026, 1, 1), mileage=3000, reading_on=D(2026, 1, 20))[
        0
    ] == D(2026, 7, 1)


def test_insurance_is_renewed_on_the_anniversary_of_the_delivery_else_the_registration():
    window = {"low": D(2026, 6, 20), "high": D(2026, 7, 20)}
    assert insurance_due(delivered_on=D(2025, 7, 5), registered_on=None, **window) == [
        D(2026, 7, 5)
    ]
    assert insurance_due(delivered_on=D(2019, 7, 5), registered_on=D(2019, 6, 1), **window) == [
        D(2026, 7, 5)
    ]
    assert insurance_due(delivered_on=None, registered_on=D(2024, 6, 25), **window) == [
        D(2026, 6, 25)
    ]
    assert insurance_due(delivered_on=D(2026, 7, 1), registered_on=None, **window) == []  # new


@pytest.mark.parametrize(
    ("registered", "low", "high", "expected"),
    [
        (D(2024, 7, 10), D(2026, 7, 1), D(2026, 7, 20), [D(2026, 7, 10)]),  # year 2: label
        (D(2023, 7, 10), D(2026, 7, 1), D(2026, 7, 20), []),  # year 3: exempt
        (D(2020, 7, 10), D(2026, 7, 1), D(2026, 7, 20), [D(2026, 7, 10)]),  # year 6
        (D(2019, 7, 10), D(2026, 7, 1), D(2026, 7, 20), [D(2026, 7, 10)]),  # year 7: yearly
        (D(2011, 7, 10), D(2026, 7, 1), D(2026, 7, 20), [D(2026, 7, 10)]),  # year 15
        (D(2011, 7, 10), D(2027, 1, 1), D(2027, 1, 20), [D(2027, 1, 10)]),  # then every 6 months
        (D(2009, 5, 10), D(2026, 1, 1), D(2026, 12, 31), [D(2026, 5, 10), D(2026, 11, 10)]),
        (D(2024, 2, 29), D(2026, 2, 20), D(2026, 3, 5), [D(2026, 2, 28)]),  # 29 February
    ],
)
def test_the_annual_inspection_follows_the_private_car_rule(registered, low, high, expected):
    assert inspection_due(registered_on=registered, delivered_on=None, low=low, high=high) == (
        expected
    )


# --- the daily job ------------------------------------------------------------------------------


@pytest.fixture
def cars(cast, team):
    staff = team.sales_consultant
    rows = {}
    # maintenance due 2026-07-10 (six months after the delivery, never serviced)
    rows["maintenance"] = delivered(cast.a, D(2026, 1, 10), staff=staff, name="保养")
    # insurance due 2026-07-05 (a year after the delivery)
    rows["insurance"] = delivered(cast.a, D(2025, 7, 5), staff=staff, name="保险")
    serviced(
        cast.a, D(2026, 6, 1), customer=rows["insurance"][0], vehicle=rows["insurance"][1]
    )  # maintenance then due in December: not now
    # inspection due 2026-07-12 (year 2 after the registration), bought elsewhere
    owner = make_owner(cast.a, staff, name="年检")
    rows["inspection"] = (owner, vehicle_for(cast.a, owner, registration_date=D(2024, 7, 12)))
    return rows


def _reminders(cast):
    with dealership_context(cast.a):
        return sorted(
            (r.customer.name, r.kind, r.due_on)
            for r in ServiceReminder.objects.select_related("customer")
        )


def test_the_job_is_registered_daily_at_half_past_seven():
    assert get_job("crm.service_reminders").schedule == Daily(at=dt.time(7, 30))


def test_the_job_lists_each_reminder_from_its_window_once(cast, team, cars):
    with frozen(D(2026, 6, 20), 7):
        run = run_job(cast.a, D(2026, 6, 20), "crm.service_reminders")
    assert run.state == JobRun.State.SUCCEEDED, run.error
    assert _reminders(cast) == []  # nothing within 14 days yet
    with frozen(D(2026, 6, 21), 7), dealership_context(cast.a):
        services.reminders_list(day=D(2026, 6, 21))  # insurance 2026-07-05 enters
        services.reminders_list(day=D(2026, 6, 21))  # run twice = once
    assert _reminders(cast) == [("保险", "insurance", D(2026, 7, 5))]
    with frozen(D(2026, 6, 28), 7), dealership_context(cast.a):
        for day in (D(2026, 6, 26), D(2026, 6, 27), D(2026, 6, 28)):
            services.reminders_list(day=day)
    assert _reminders(cast) == [
        ("保养", "maintenance", D(2026, 7, 10)),
        ("保险", "insurance", D(2026, 7, 5)),
        ("年检", "inspection", D(2026, 7, 12)),
        ("年检", "insurance", D(2026, 7, 12)),  # a year after it was registered, bought elsewhere
    ]
    with dealership_context(cast.a):
        reminder = ServiceReminder.objects.get(kind="maintenance")
        assert reminder.listed_on == D(2026, 6, 26)
        assert reminder.state == ReminderState.OPEN
        assert reminder.vehicle == cars["maintenance"][1]
        assert "6 months after 2026-01-10" in reminder.basis


def test_a_run_after_downtime_catches_up_the_days_missed(cast, team, cars):
    # nothing ran from 21 June to 9 July; the run of 10 July still lists the insurance renewal
    # of 5 July (within the look-back) and the maintenance due today, once
    with frozen(D(2026, 7, 10), 7), dealership_context(cast.a):
        created = services.reminders_list(day=D(2026, 7, 10))
        assert len(created) == 4
        assert services.reminders_list(day=D(2026, 7, 10)) == []
    assert [kind for _n, kind, _d in _reminders(cast)] == [
        "maintenance",
        "insurance",
        "inspection",
        "insurance",
    ]


def test_the_remind_days_are_the_dealerships(cast, team, cars):
    with dealership_context(cast.a):
        FollowUpSettings.objects.update_or_create(
            dealership=cast.a, defaults={"remind_days_before": 30}
        )
    with frozen(D(2026, 6, 6), 7), dealership_context(cast.a):
        services.reminders_list(day=D(2026, 6, 6))
    assert [kind for _n, kind, _d in _reminders(cast)] == ["insurance"]  # 5 July, 29 days


def test_a_car_back_for_service_closes_its_open_maintenance_reminder(cast, team, cars):
    customer, vehicle, _event = cars["maintenance"]
    with frozen(D(2026, 6, 26), 7), dealership_context(cast.a):
        services.reminders_list(day=D(2026, 6, 26))
    serviced(cast.a, D(2026, 6, 29), customer=customer, vehicle=vehicle)
    with frozen(D(2026, 6, 30), 7), dealership_context(cast.a):
        services.reminders_list(day=D(2026, 6, 30))
        reminder = ServiceReminder.objects.get(kind="maintenance", vehicle=vehicle)
        assert reminder.state == ReminderState.SKIPPED
        assert reminder.note == "Came for service on 2026-06-29."
        # the next one is due six months after that visit: not listed yet
        assert ServiceReminder.objects.filter(kind="maintenance").count() == 1


# --- working a reminder -------------------------------------------------------------------------


@pytest.fixture
def reminder(cast, team, cars):
    with frozen(D(2026, 6, 28), 7), dealership_context(cast.a):
        services.reminders_list(day=D(2026, 6, 28))
        return ServiceReminder.objects.select_related("customer", "vehicle").get(kind="maintenance")


def test_an_sms_goes_to_a_consenting_customer_once(cast, team, reminder, outbox):
    with frozen(D(2026, 6, 28), 10), dealership_context(cast.a):
        done = services.reminder_send_sms(actor=team.cr_specialist, reminder_id=reminder.pk)
        assert done.state == ReminderState.SENT and done.done_by == team.cr_specialist
        assert AuditEntry.objects.filter(
            object_type="crm.ServiceReminder", object_id=str(reminder.pk)
        ).exists()
        with pytest.raises(ValidationError, match="already handled"):
            services.reminder_send_sms(actor=team.cr_specialist, reminder_id=reminder.pk)
    (message,) = outbox
    assert message.to == reminder.customer.mobile
    assert message.key == f"crm.reminder:{reminder.pk}"
    assert "保养" in message.text and reminder.vehicle.plate in message.text
    assert "2026-07-10" in message.text and "{" not in message.text
    assert done.note == message.text


def test_no_sms_without_consent(cast, team, reminder, outbox):
    with dealership_context(cast.a):
        type(reminder.customer).objects.filter(pk=reminder.customer_id).update(consent_sms=False)
    with frozen(D(2026, 6, 28), 10), dealership_context(cast.a):
        with pytest.raises(ValidationError, match="has not consented to SMS"):
            services.reminder_send_sms(actor=team.cr_specialist, reminder_id=reminder.pk)
        assert ServiceReminder.objects.get(pk=reminder.pk).state == ReminderState.OPEN
    assert outbox == []


def test_a_gateway_failure_leaves_the_reminder_open(cast, team, reminder, settings):
    settings.SMS_BACKEND = "tests.crm.test_reminders_services.BrokenGateway"
    with frozen(D(2026, 6, 28), 10), dealership_context(cast.a):
        with pytest.raises(ValidationError, match="gateway down"):
            services.reminder_send_sms(actor=team.cr_specialist, reminder_id=reminder.pk)
        assert ServiceReminder.objects.get(pk=reminder.pk).state == ReminderState.OPEN


def test_an_unknown_placeholder_is_refused(cast, team, reminder, outbox):
    refused = pytest.raises(ValidationError, match=r"Unknown placeholder \{mileage\}")
    with frozen(D(2026, 6, 28), 10), dealership_context(cast.a), refused:
        services.reminder_send_sms(
            actor=team.cr_specialist, reminder_id=reminder.pk, text="{name} {mileage}"
        )
    assert outbox == []


def test_a_call_and_a_skip(cast, team, reminder):
    with frozen(D(2026, 6, 28), 10), dealership_context(cast.a):
        called = services.reminder_call(
            actor=team.crm_info_clerk, reminder_id=reminder.pk, note="will book"
        )
        assert (called.state, called.note) == (ReminderState.CALLED, "will book")
        other = ServiceReminder.objects.get(kind="insurance", customer__name="保险")
        with pytest.raises(ValidationError, match="Say why"):
            services.reminder_skip(actor=team.crm_info_clerk, reminder_id=other.pk, note=" ")
        skipped = services.reminder_skip(
            actor=team.crm_info_clerk, reminder_id=other.pk, note="sold the car"
        )
        assert skipped.state == ReminderState.SKIPPED and skipped.done_at is not None


def test_only_who_keeps_reminders_works_them(cast, team, reminder):
    with frozen(D(2026, 6, 28), 10), dealership_context(cast.a):
        for nobody in (team.sales_consultant, team.service_manager):
            with pytest.raises(PermissionDenied):
                services.reminder_call(actor=nobody, reminder_id=reminder.pk)
        assert Vehicle.objects.filter(pk=reminder.vehicle_id).exists()
