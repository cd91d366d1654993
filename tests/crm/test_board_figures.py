"""The e-CRB board's key figures equal the records they count: sales (orders, deliveries),
after-sales (5K/10K check-ins, service visits: the dealership's own day boundaries), crm
(follow-ups due/done/overdue/unreachable, contact rate, SSI/CSI, complaints by age, retention,
owner club). Figures are computed for the viewer (A's GM) as the board computes them."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dealership.figures import Ratio, combine, figure_values, get_figure
from dealership.tenancy import dealership_context
from tests.crm.conftest import make_event, make_owner

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 3, 15)
YESTERDAY = TODAY - dt.timedelta(days=1)
_serial = itertools.count(1)


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2026, 3, 15, 9, 30, tzinfo=SHANGHAI), tick=False):
        yield


def customer(dealership, owner=None):
    """A customer with a number of its own (the sales factories use 136…/137…)."""
    return make_owner(dealership, owner, mobile=f"135{next(_serial):08d}")


def value(user, code, day, dealership):
    with dealership_context(dealership):
        return get_figure(code).compute(user, day)


def at(day: dt.date, hour: int, minute: int = 0, zone=SHANGHAI) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


# --- builders --------------------------------------------------------------------------------------


def make_order(dealership, ordered_on, status="open"):
    from sales.models import Lead, Order
    from tests.factories import UserFactory

    consultant = UserFactory()
    buyer = customer(dealership, consultant)
    with dealership_context(dealership):
        lead = Lead.objects.create(dealership=dealership, customer=buyer, consultant=consultant)
        return Order.objects.create(
            dealership=dealership,
            number=f"BO{next(_serial):06d}",
            lead=lead,
            customer=buyer,
            consultant=consultant,
            vehicle_model="K5",
            price=Decimal("170000"),
            deposit=Decimal("5000"),
            deposit_paid_on=ordered_on,
            ordered_on=ordered_on,
            status=status,
        )


def make_delivery(dealership, delivered_on):
    from tests.sales.factories import FACTORIES

    return FACTORIES["Delivery"](dealership=dealership, delivered_on=delivered_on)


def make_repair_order(dealership, checked_in_at, service_type="maintenance_5k", **fields):
    from aftersales.models import RepairOrder
    from crm.models import Vehicle
    from tests.crm.conftest import valid_vin
    from tests.factories import UserFactory

    owner = customer(dealership)
    with dealership_context(dealership):
        vehicle = Vehicle.objects.create(dealership=dealership, vin=valid_vin(), owner=owner)
        return RepairOrder.objects.create(
            dealership=dealership,
            number=f"RO{next(_serial):06d}",
            customer=owner,
            vehicle=vehicle,
            advisor=UserFactory(),
            service_type=service_type,
            mileage=5000,
            concerns="5,000 km service",
            checked_in_at=checked_in_at,
            **fields,
        )


def followup_of(event):
    from crm.models import FollowUp

    return FollowUp.objects.get(event=event)


def set_followup(dealership, event, **fields):
    from crm.models import FollowUp

    with dealership_context(dealership):
        FollowUp.objects.filter(event=event).update(**fields)


# --- sales --------------------------------------------------------------------------------------------


def test_orders_and_deliveries_of_a_day_and_the_month(cast, frozen):
    gm = cast.user_a
    for day, status in (
        (YESTERDAY, "open"),
        (YESTERDAY, "factory"),
        (YESTERDAY, "cancelled"),  # not counted
        (TODAY - dt.timedelta(days=2), "open"),
    ):
        make_order(cast.a, day, status)
    make_order(cast.b, YESTERDAY)  # another dealership
    for day in (YESTERDAY, YESTERDAY, dt.date(2026, 3, 1), dt.date(2026, 2, 28)):
        make_delivery(cast.a, day)
    make_delivery(cast.b, YESTERDAY)

    assert value(gm, "sales.orders", YESTERDAY, cast.a) == 2
    assert value(gm, "sales.orders", TODAY, cast.a) == 0
    assert value(gm, "sales.deliveries", YESTERDAY, cast.a) == 2
    assert value(gm, "sales.deliveries_month", YESTERDAY, cast.a) == 3
    assert value(gm, "sales.deliveries_month", dt.date(2026, 2, 28), cast.a) == 1
    assert value(cast.user_b, "sales.orders", YESTERDAY, cast.b) == 1


# --- after-sales ------------------------------------------------------------------------------------


def test_check_ins_follow_the_dealership_s_own_day(cast, frozen):
    gm = cast.user_a
    make_repair_order(cast.a, at(YESTERDAY, 0, 5))  # first minutes of yesterday: counted
    make_repair_order(cast.a, at(YESTERDAY, 23, 55))  # last minutes: counted
    make_repair_order(cast.a, at(YESTERDAY - dt.timedelta(days=1), 23, 55))  # the day before
    make_repair_order(cast.a, at(TODAY, 0, 1))  # today
    make_repair_order(cast.a, at(YESTERDAY, 10), "maintenance_10k")
    make_repair_order(cast.a, at(YESTERDAY, 11), "maintenance_10k", status="cancelled")
    make_repair_order(cast.a, at(YESTERDAY, 12), "repair")
    make_repair_order(
        cast.a, at(YESTERDAY, 8), "repair", status="closed", closed_on=YESTERDAY
    )  # a service visit closed yesterday
    make_repair_order(cast.a, at(YESTERDAY, 9), "repair", status="closed", closed_on=TODAY)

    assert value(gm, "aftersales.checkins_5k", YESTERDAY, cast.a) == 2
    assert value(gm, "aftersales.checkins_10k", YESTERDAY, cast.a) == 1
    assert value(gm, "aftersales.service_visits", YESTERDAY, cast.a) == 1
    assert value(gm, "aftersales.checkins_5k", TODAY, cast.a) == 1


def test_a_dealership_in_another_time_zone_counts_its_own_day(cast, frozen):
    london = ZoneInfo("Europe/London")
    cast.a.time_zone = "Europe/London"
    cast.a.save(update_fields=["time_zone"])
    # 23:30 in London on the 14th is already the 15th in Shanghai
    make_repair_order(cast.a, at(YESTERDAY, 23, 30, london))
    make_repair_order(cast.a, at(YESTERDAY, 0, 30, london))  # 08:30 on the 14th in Shanghai
    make_repair_order(cast.a, at(YESTERDAY - dt.timedelta(days=1), 23, 59, london))
    assert value(cast.user_a, "aftersales.checkins_5k", YESTERDAY, cast.a) == 2


def test_figures_are_none_for_who_may_not_see_the_records(cast, team, frozen):
    make_order(cast.a, YESTERDAY)
    # the CR specialist sees no orders and no repair orders
    assert value(team.cr_specialist, "sales.orders", YESTERDAY, cast.a) is None
    assert value(team.cr_specialist, "aftersales.checkins_5k", YESTERDAY, cast.a) is None
    # the sales consultant sees only their own orders
    assert value(team.sales_consultant, "sales.orders", YESTERDAY, cast.a) == 0


# --- crm: follow-ups ---------------------------------------------------------------------------------


def _event(cast, team, n_day, **kwargs):
    return make_event(cast.a, occurred_on=n_day, staff=team.sales_consultant, **kwargs)


def test_follow_ups_due_done_overdue_unreachable_and_the_contact_rate(cast, team, frozen):
    from crm.models import FollowUpSettings

    d = dt.date
    open_due = _event(cast, team, d(2026, 3, 11))  # window 14..16: due today
    done_today = _event(cast, team, d(2026, 3, 10))  # window 13..15, reached today
    overdue = _event(cast, team, d(2026, 3, 5))  # window 8..10, still open
    done_in_window = _event(cast, team, d(2026, 3, 4))  # window 7..9, reached on the 9th
    unreachable = _event(cast, team, d(2026, 3, 3))  # window 6..8, unreachable on the 9th
    done_late = _event(cast, team, d(2026, 3, 1))  # window 4..6, reached on the 8th (late)
    last_month = _event(cast, team, d(2026, 2, 20))  # window Feb 23..25, reached Feb 24
    _event(cast, team, d(2026, 3, 13))  # window 16..18: scheduled, nowhere yet
    no_consent = make_owner(cast.a, team.sales_consultant, consent_call=False)
    _event(cast, team, d(2026, 3, 5), customer=no_consent)  # not called: counted nowhere
    set_followup(cast.a, done_today, status="done", closed_on=TODAY)
    set_followup(cast.a, done_in_window, status="done", closed_on=d(2026, 3, 9))
    set_followup(cast.a, unreachable, status="unreachable", closed_on=d(2026, 3, 9))
    set_followup(cast.a, done_late, status="done", closed_on=d(2026, 3, 8))
    set_followup(cast.a, last_month, status="done", closed_on=d(2026, 2, 24))
    del open_due, overdue

    director = team.crm_director
    assert value(director, "crm.followups_due", TODAY, cast.a) == 2
    assert value(director, "crm.followups_done", TODAY, cast.a) == 1
    assert value(director, "crm.followups_overdue", TODAY, cast.a) == 1
    assert value(director, "crm.followups_unreachable", TODAY, cast.a) == 1
    rate = value(director, "crm.contact_rate", TODAY, cast.a)
    # windows ended this month: done today, overdue, in window, unreachable, late → 2 of 5
    assert (rate, rate.part, rate.whole) == (Decimal("40.0"), 2, 5)
    assert value(director, "crm.contact_target", TODAY, cast.a) == 100
    with dealership_context(cast.a):
        FollowUpSettings.objects.update_or_create(
            dealership=cast.a, defaults={"contact_target": 95}
        )
    assert value(director, "crm.contact_target", TODAY, cast.a) == 95
    # the same rows seen on the 10th: the overdue one was due then, nothing was overdue yet
    assert value(director, "crm.followups_due", d(2026, 3, 10), cast.a) == 1
    assert value(director, "crm.followups_overdue", d(2026, 3, 10), cast.a) == 0
    # a specialist sees only their own rows; the sales consultant no follow-ups at all
    own = value(team.sales_followup_specialist, "crm.followups_due", TODAY, cast.a)
    assert own is not None and own <= 2
    assert value(team.sales_consultant, "crm.followups_due", TODAY, cast.a) is None


# --- crm: satisfaction ---------------------------------------------------------------------------------


def _survey(cast, team, kind, score, taken_at, channel="call"):
    from crm.models import Questionnaire, SurveyResponse

    event = make_event(cast.a, kind=kind, occurred_on=dt.date(2026, 2, 1), staff=team.gm)
    with dealership_context(cast.a):
        questionnaire, _ = Questionnaire.objects.get_or_create(
            dealership=cast.a, kind=kind, version=900, defaults={"title": f"{kind} test"}
        )
        return SurveyResponse.objects.create(
            dealership=cast.a,
            followup=followup_of(event),
            questionnaire=questionnaire,
            channel=channel,
            taken_at=taken_at,
            taken_by=team.sales_followup_specialist,
            score=Decimal(score),
        )


def test_ssi_and_csi_are_the_month_s_mean_call_scores(cast, team, frozen):
    _survey(cast, team, "sales", "8", at(dt.date(2026, 3, 1), 0, 10))  # first minutes of March
    _survey(cast, team, "sales", "9", at(TODAY, 9, 0))
    _survey(cast, team, "sales", "10", at(TODAY, 9, 0), channel="face_to_face")  # not a call
    _survey(cast, team, "sales", "5", at(dt.date(2026, 2, 28), 23, 50))  # February
    _survey(cast, team, "service", "6", at(dt.date(2026, 3, 2), 10))
    director = team.crm_director
    ssi = value(director, "crm.ssi", TODAY, cast.a)
    assert (ssi, ssi.part, ssi.whole) == (Decimal("8.50"), 17, 2)
    assert value(director, "crm.csi", TODAY, cast.a) == Decimal("6.00")
    assert value(director, "crm.ssi", dt.date(2026, 2, 28), cast.a) == Decimal("5.00")
    assert value(director, "crm.csi", dt.date(2026, 2, 28), cast.a) is None  # nothing to measure


# --- crm: complaints -----------------------------------------------------------------------------------


def _complaint(cast, team, received_at, state="registered"):
    from crm.models import Complaint

    with dealership_context(cast.a):
        return Complaint.objects.create(
            dealership=cast.a,
            number=f"TS{next(_serial):06d}",
            customer=customer(cast.a),
            channel="phone",
            category="other",
            description="…",
            received_at=received_at,
            deadline=received_at + dt.timedelta(days=7),
            registered_by=team.customer_relations_manager,
            state=state,
        )


def test_open_complaints_by_age_in_local_days(cast, team, frozen):
    _complaint(cast, team, at(TODAY, 8))  # 0 days
    _complaint(cast, team, at(TODAY - dt.timedelta(days=2), 0, 10))  # 2 days (local)
    _complaint(cast, team, at(TODAY - dt.timedelta(days=3), 23, 59), "assigned")  # 3 days
    _complaint(cast, team, at(TODAY - dt.timedelta(days=7), 12), "in_progress")  # 7 days
    _complaint(cast, team, at(TODAY - dt.timedelta(days=8), 23, 59))  # 8 days
    _complaint(cast, team, at(TODAY - dt.timedelta(days=9), 8), "resolved")  # not open
    _complaint(cast, team, at(TODAY - dt.timedelta(days=1), 8), "closed")  # not open
    manager = team.customer_relations_manager
    got = {
        code: value(manager, f"crm.complaints_{code}", TODAY, cast.a)
        for code in ("open", "0_2", "3_7", "over_7")
    }
    assert got == {"open": 5, "0_2": 2, "3_7": 2, "over_7": 1}


# --- crm: retention and owner club -----------------------------------------------------------------------


def test_retention_counts_deliveries_of_months_n8_to_n3_back_within_6_months(cast, team, frozen):
    d = dt.date
    back = make_owner(cast.a, team.sales_consultant)
    delivered = make_event(cast.a, kind="sales", customer=back, occurred_on=d(2025, 8, 10))
    make_event(
        cast.a,
        kind="service",
        customer=back,
        vehicle=delivered.vehicle,
        occurred_on=d(2025, 11, 1),
    )
    late = make_owner(cast.a, team.sales_consultant)
    late_delivery = make_event(cast.a, kind="sales", customer=late, occurred_on=d(2025, 7, 1))
    make_event(  # back, but after 6 months
        cast.a,
        kind="service",
        customer=late,
        vehicle=late_delivery.vehicle,
        occurred_on=d(2026, 2, 1),
    )
    make_event(cast.a, kind="sales", occurred_on=d(2025, 12, 20))  # never came back
    make_event(cast.a, kind="sales", occurred_on=d(2026, 1, 5))  # N-2: not yet
    make_event(cast.a, kind="sales", occurred_on=d(2025, 6, 30))  # N-9: no longer
    rate = value(team.crm_director, "crm.retention_rate", TODAY, cast.a)
    assert (rate, rate.part, rate.whole) == (Decimal("33.3"), 1, 3)
    assert value(team.sales_consultant, "crm.retention_rate", TODAY, cast.a) is None


def test_owner_club_registration_rate_among_buyers(cast, team, frozen):
    from crm.models import Membership

    buyers = [make_owner(cast.a, team.sales_consultant) for _ in range(4)]
    for buyer in buyers:
        make_event(cast.a, kind="sales", customer=buyer, occurred_on=dt.date(2025, 12, 1))
    with dealership_context(cast.a):
        Membership.objects.create(
            dealership=cast.a, customer=buyers[0], joined_on=dt.date(2026, 1, 1)
        )
        Membership.objects.create(  # left: no longer counted
            dealership=cast.a,
            customer=buyers[1],
            joined_on=dt.date(2025, 1, 1),
            left_on=dt.date(2026, 2, 1),
        )
        Membership.objects.create(  # joins tomorrow
            dealership=cast.a, customer=buyers[2], joined_on=TODAY + dt.timedelta(days=1)
        )
    rate = value(team.crm_director, "crm.member_rate", TODAY, cast.a)
    assert (rate, rate.part, rate.whole) == (Decimal("25.0"), 1, 4)


# --- combining dealerships -----------------------------------------------------------------------------


def test_rates_of_several_dealerships_are_weighted_by_their_base():
    assert combine([1, 2, None]) == 3
    assert combine([None, None]) is None
    assert combine([Ratio.of(1, 2), Ratio.of(3, 4)]) == Decimal("66.7")  # 4 of 6, not 62.5
    assert combine([Ratio.of(17, 2, scale=1, places=2), Ratio.of(6, 1, scale=1, places=2)]) == (
        Decimal("7.67")
    )
    assert combine([90, 100], "mean") == 95
    assert combine([90, 95], "mean") == Decimal("92.5")
    assert Ratio.of(1, 0) is None


def test_figure_values_share_one_query_per_table(cast, team, frozen, django_assert_max_num_queries):
    from crm.selectors.board import board_days

    director = team.crm_director
    for n in range(3):
        make_event(cast.a, occurred_on=TODAY - dt.timedelta(days=3 + n))
    with dealership_context(cast.a):
        figure_values(director, TODAY, days=board_days(TODAY))  # warm the user's grants
        with django_assert_max_num_queries(20):
            values = dict(
                (f.code, v) for f, v in figure_values(director, TODAY, days=board_days(TODAY))
            )
    assert values["crm.followups_due"] == 3
