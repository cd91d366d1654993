"""The standard org chart template: complete, valid and applied to every new dealership."""

from __future__ import annotations

import pytest

from dealership.services import dealership_initialize
from dealership.tenancy import dealership_context
from org.capabilities import Capability, DataScope
from org.models import Department, Position, PositionCapability
from org.template import capability_grants, hq_positions, org_chart, template_position_codes

pytestmark = pytest.mark.django_db

# Every position of the org chart in domain.md, by its stable code.
DOMAIN_POSITIONS = {
    "gm_office": {"gm", "deputy_gm"},
    "sales": {
        "sales_director", "sales_manager", "showroom_supervisor", "sales_consultant", "key_account_manager",
        "used_car_manager", "accessories_manager", "finance_insurance_manager", "sales_info_clerk",
    },
    "aftersales": {
        "service_director", "service_manager", "service_advisor", "workshop_supervisor", "technician",
        "technical_expert", "warranty_assessor", "parts_manager", "parts_salesperson", "aftersales_info_clerk",
    },
    "crm": {
        "crm_director", "customer_relations_manager", "marketing_manager", "marketing_specialist",
        "campaign_specialist", "cr_specialist", "sales_followup_specialist", "service_followup_specialist",
        "customer_service_specialist", "crm_info_clerk", "csi_ssi_admin",
    },
    "admin_finance": {"finance_manager", "accountant", "cashier", "hr_manager", "admin_manager", "admin_clerk"},
}  # fmt: skip


def test_template_has_every_department_and_position_of_the_domain():
    template = {d["code"]: {p["code"] for p in d["positions"]} for d in org_chart()["departments"]}
    assert template == DOMAIN_POSITIONS


def test_every_position_has_names_duties_and_a_reporting_line():
    for dept in org_chart()["departments"]:
        for pos in dept["positions"]:
            assert pos["name_zh"] and pos["name_en"], pos["code"]
            assert len(pos["responsibilities"]) >= 3, pos["code"]
            assert all(item["zh"] and item["en"] for item in pos["responsibilities"]), pos["code"]
            assert (pos["reports_to"] is None) == (pos["code"] == "gm")


def test_every_position_has_default_capabilities_from_the_vocabulary():
    grants = capability_grants()
    assert set(grants) == set(template_position_codes())
    assert set(grants["gm"]) == set(Capability.values)
    assert all(scope == DataScope.DEALERSHIP for scope in grants["gm"].values())
    assert grants["sales_consultant"]["sales.view_order"] == DataScope.OWN
    assert grants["sales_manager"]["sales.view_order"] == DataScope.DEPARTMENT
    assert grants["finance_manager"]["finance.approve_payment"] == DataScope.DEALERSHIP
    assert "org.change_capabilities" not in grants["hr_manager"]
    assert set(hq_positions()) == {"hq_director", "hq_analyst"}


def test_a_new_dealership_starts_from_the_template(cast):
    with dealership_context(cast.a):
        assert Department.objects.count() == 5
        assert set(Position.objects.values_list("code", flat=True)) == set(
            template_position_codes()
        )
        consultant = Position.objects.get(code="sales_consultant")
        assert consultant.reports_to.code == "showroom_supervisor"
        assert consultant.department.kind == Department.Kind.SALES
        assert consultant.duties()
        assert PositionCapability.objects.filter(position__code="gm").count() == len(
            Capability.values
        )


def test_reapplying_keeps_the_dealerships_own_edits(cast):
    with dealership_context(cast.a):
        Position.objects.filter(code="sales_consultant").update(name_zh="汽车顾问")
        Position.objects.filter(code="cashier").delete()
        PositionCapability.objects.filter(position__code="accountant").delete()
    dealership_initialize(dealership=cast.a)
    with dealership_context(cast.a):
        assert Position.objects.get(code="sales_consultant").name_zh == "汽车顾问"
        assert Position.objects.filter(
            code="cashier"
        ).exists()  # missing standard positions come back
        assert not PositionCapability.objects.filter(position__code="accountant").exists()
    with dealership_context(cast.b):
        assert Position.objects.get(code="sales_consultant").name_zh == "销售顾问"
