"""After-sales targets per person (#18, 002 售后服务经理 "…分解给各岗位人员"): the service manager
sets each service advisor's, technician's and parts salesperson's target of a month; actual
figures come from the repair orders closed, the 5K/10K check-ins, the jobs finished and the
counter sales; everyone sees their own target (page, API, dashboard panel), the manager their
department's; nobody else sets them, and another dealership sees nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from aftersales import services
from aftersales.models import (
    CounterSale,
    Job,
    JobStatus,
    RepairLine,
    RepairStatus,
    ServiceTarget,
    ServiceType,
)
from aftersales.selectors.targets import my_target, target_rows
from dealership.models import AuditEntry
from dealership.tenancy import dealership_context
from tests.aftersales.conftest import make_repair_order

pytestmark = pytest.mark.django_db
MONTH = timezone.localdate().replace(day=1)
TARGETS = "/aftersales/targets/"
API = "/api/v1/aftersales/targets/"


def set_target(cast, actor, person, role, **numbers):
    with dealership_context(cast.a):
        return services.servicetarget_set(
            actor=actor, month=f"{MONTH:%Y-%m}", person=person.pk, role=role, **numbers
        )


@pytest.fixture
def targets(cast, staff):
    manager = staff.service_manager
    return {
        "advisor": set_target(
            cast,
            manager,
            staff.advisor,
            "service_advisor",
            revenue="100000",
            repair_orders=40,
            parts_sales="30000",
            checkins=20,
        ),
        "technician": set_target(
            cast, manager, staff.technician, "technician", revenue="50000", repair_orders=30
        ),
        "parts": set_target(
            cast, manager, staff.parts_salesperson, "parts_salesperson", revenue="20000"
        ),
    }


def test_the_manager_sets_and_changes_a_persons_target(cast, staff, targets):
    target = targets["advisor"]
    assert (target.month, target.repair_orders, target.revenue) == (MONTH, 40, Decimal("100000"))
    again = set_target(
        cast, staff.service_manager, staff.advisor, "service_advisor", repair_orders=45
    )
    assert again.pk == target.pk and again.repair_orders == 45 and again.revenue == 0
    with dealership_context(cast.a):
        assert ServiceTarget.objects.count() == 3
        assert AuditEntry.objects.filter(object_type="aftersales.ServiceTarget").count() == 4


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"role": "gm"}, "role"),
        ({"role": "technician"}, "person"),  # the advisor is no technician
        ({"revenue": "-1"}, "revenue"),
        ({"revenue": "abc"}, "revenue"),
        ({"repair_orders": 100001}, "repair_orders"),
        ({"checkins": "x"}, "checkins"),
        ({"month": "2026-13"}, "month"),
    ],
)
def test_bad_targets_are_refused_naming_the_field(cast, staff, kwargs, field):
    arguments = {
        "month": f"{MONTH:%Y-%m}",
        "person": staff.advisor.pk,
        "role": "service_advisor",
        **kwargs,
    }
    with dealership_context(cast.a), pytest.raises(ValidationError) as excinfo:
        services.servicetarget_set(actor=staff.service_manager, **arguments)
    assert field in excinfo.value.message_dict
    with dealership_context(cast.a):
        assert not ServiceTarget.objects.exists()


def test_only_target_setters_set_targets(cast, staff):
    for actor in (staff.advisor, staff.technician, staff.workshop_supervisor):
        with pytest.raises(PermissionDenied):
            set_target(cast, actor, staff.advisor, "service_advisor", repair_orders=1)
    # the GM may
    assert set_target(cast, staff.gm, staff.advisor, "service_advisor", repair_orders=1).pk


def test_actuals_per_role(cast, staff, targets):
    now = timezone.now()
    closed = make_repair_order(
        cast.a,
        staff.advisor,
        status=RepairStatus.CLOSED,
        closed_on=timezone.localdate(),
        closed_at=now,
        service_type=ServiceType.MAINTENANCE_5K,
        total=Decimal("1200"),
        parts_total=Decimal("400"),
    )
    make_repair_order(cast.a, staff.advisor, service_type=ServiceType.REPAIR)  # open, no 5K/10K
    make_repair_order(
        cast.a,
        staff.advisor,
        status=RepairStatus.CANCELLED,
        service_type=ServiceType.MAINTENANCE_10K,
    )
    make_repair_order(  # last month
        cast.a,
        staff.advisor,
        status=RepairStatus.CLOSED,
        closed_on=MONTH - dt.timedelta(days=1),
        checked_in_at=now - dt.timedelta(days=40),
        total=Decimal("999"),
    )
    with dealership_context(cast.a):
        line = RepairLine.objects.create(
            dealership=cast.a,
            repair_order=closed,
            kind="labour",
            description="保养",
            hours=Decimal("1"),
            rate=Decimal("300"),
            amount=Decimal("300"),
        )
        Job.objects.create(
            dealership=cast.a,
            repair_order=closed,
            line=line,
            technician=staff.technician,
            status=JobStatus.DONE,
            finished_at=now,
        )
        CounterSale.objects.create(
            dealership=cast.a,
            number="CS-T1",
            buyer_name="walk-in",
            sold_on=timezone.localdate(),
            salesperson=staff.parts_salesperson,
            total=Decimal("860"),
        )
        rows = {row.target.person_id: row for row in target_rows(staff.service_manager, MONTH)}
    advisor = {m.name: m for m in rows[staff.advisor.pk].measures}
    assert advisor["repair_orders"].actual == 1 and advisor["revenue"].actual == Decimal("1200")
    assert advisor["parts_sales"].actual == Decimal("400") and advisor["checkins"].actual == 1
    assert advisor["checkins"].percent == 5  # 1 of 20 (the cancelled one does not count)
    technician = {m.name: m for m in rows[staff.technician.pk].measures}
    assert technician["revenue"].actual == Decimal("300") and technician["checkins"].actual == 1
    assert technician["parts_sales"].counts is False
    parts = {m.name: m for m in rows[staff.parts_salesperson.pk].measures}
    assert parts["revenue"].actual == Decimal("860") and parts["repair_orders"].counts is False


def test_everyone_sees_their_own_target_and_the_manager_the_department(cast, staff, targets):
    with dealership_context(cast.a):
        assert [r.target.person_id for r in target_rows(staff.advisor, MONTH)] == [staff.advisor.pk]
        assert not target_rows(staff.advisor2, MONTH)
        assert len(target_rows(staff.service_manager, MONTH)) == 3
        assert len(target_rows(staff.gm, MONTH)) == 3
        assert my_target(staff.technician).target.pk == targets["technician"].pk
        assert my_target(staff.advisor2) is None
    with dealership_context(cast.b):
        assert not ServiceTarget.objects.exists()


def test_the_pages(cast, staff, targets, client_for):
    manager = client_for(staff.service_manager)
    page = manager.get(TARGETS)
    assert page.status_code == 200
    assert page.content.decode().count('data-person="') == 3
    assert f"/aftersales/targets/{targets['advisor'].pk}/edit/" in page.content.decode()
    assert manager.get(f"{TARGETS}?month=bad").status_code == 400
    assert manager.get(f"{TARGETS}new/").status_code == 200
    response = manager.post(
        f"{TARGETS}new/",
        {
            "month": f"{MONTH:%Y-%m}",
            "person": staff.advisor2.pk,
            "role": "service_advisor",
            "repair_orders": "25",
        },
    )
    assert response.status_code == 302
    bad = manager.post(
        f"{TARGETS}new/",
        {"month": f"{MONTH:%Y-%m}", "person": staff.advisor2.pk, "role": "technician"},
    )
    assert bad.status_code == 400
    own = client_for(staff.advisor).get(TARGETS).content.decode()
    assert own.count('data-person="') == 1 and "/edit/" not in own
    assert client_for(staff.advisor).get(f"{TARGETS}new/").status_code == 403
    edit = f"{TARGETS}{targets['advisor'].pk}/edit/"
    assert client_for(staff.advisor).get(edit).status_code == 403
    assert client_for(cast.user_b).get(edit).status_code == 404
    delete = f"{TARGETS}{targets['parts'].pk}/delete/"
    assert manager.post(delete).status_code == 302
    with dealership_context(cast.a):
        assert not ServiceTarget.objects.filter(pk=targets["parts"].pk).exists()
    dashboard = client_for(staff.technician).get("/dashboard/").content.decode()
    assert 'data-testid="widget-my-target"' in dashboard


def test_the_api(cast, staff, targets, api_for):
    manager = api_for(staff.service_manager)
    listed = manager.get(f"{API}?month={MONTH:%Y-%m}")
    assert listed.status_code == 200 and len(listed.json()["results"]) == 3
    assert manager.get(f"{API}?month=nope").status_code == 400
    created = manager.post(
        API,
        {
            "month": f"{MONTH:%Y-%m}",
            "person": staff.technician2.pk,
            "role": "technician",
            "revenue": "42000",
        },
        format="json",
    )
    assert created.status_code == 201 and created.json()["revenue"] == "42000.00"
    refused = manager.post(
        API,
        {"month": f"{MONTH:%Y-%m}", "person": staff.technician2.pk, "role": "service_advisor"},
        format="json",
    )
    assert refused.status_code == 400 and "person" in refused.json()["error"]["fields"]
    progress = manager.get(f"{API}progress/").json()
    assert len(progress["rows"]) == 4
    advisor = api_for(staff.advisor)
    assert advisor.get(f"{API}mine/").json()["id"] == targets["advisor"].pk
    assert len(advisor.get(API).json()["results"]) == 1
    assert (
        advisor.post(
            API,
            {"month": f"{MONTH:%Y-%m}", "person": staff.advisor.pk, "role": "service_advisor"},
            format="json",
        ).status_code
        == 403
    )
    assert api_for(staff.advisor2).get(f"{API}mine/").status_code == 404
    other = api_for(cast.user_b)
    assert other.get(f"{API}{targets['advisor'].pk}/").status_code == 404
    assert other.get(API).json()["results"] == []
