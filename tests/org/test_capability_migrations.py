"""The data migration that gives existing dealerships the capabilities the sales module added
to the template: granted where missing, cells a dealership changed left alone."""

from __future__ import annotations

import importlib

from django.apps import apps

from dealership.tenancy import dealership_context
from org.models import PositionCapability
from org.template import grant_missing

sales = importlib.import_module("org.migrations.0007_grant_sales_capabilities")
aftersales = importlib.import_module("org.migrations.0009_grant_aftersales_capabilities")
documents = importlib.import_module("org.migrations.0015_grant_source_document_capabilities")
letterhead = importlib.import_module("org.migrations.0018_grant_letterhead_capability")


def _held(dealership, capability):
    with dealership_context(dealership):
        return dict(
            PositionCapability.objects.filter(capability=capability).values_list(
                "position__code", "scope"
            )
        )


def test_existing_positions_get_the_new_sales_capabilities(cast):
    with dealership_context(cast.a):
        PositionCapability.objects.filter(capability__startswith="sales.").filter(
            capability__in=["sales.view_stock", "sales.change_plan"]
        ).delete()
        PositionCapability.objects.filter(
            position__code="sales_info_clerk", capability="sales.change_order"
        ).delete()
        # a cell the dealership narrowed on purpose stays as it is
        PositionCapability.objects.filter(
            position__code="sales_manager", capability="sales.change_stock"
        ).update(scope=1)
    assert "sales_consultant" not in _held(cast.a, "sales.view_stock")

    assert grant_missing(apps, sales.WANTED) > 0

    stock = _held(cast.a, "sales.view_stock")
    assert {"sales_consultant", "sales_manager", "sales_info_clerk", "gm"} <= set(stock)
    assert "service_advisor" not in stock
    assert "sales_manager" in _held(cast.a, "sales.change_plan")
    assert "sales_info_clerk" in _held(cast.a, "sales.change_order")
    assert _held(cast.a, "sales.change_stock")["sales_manager"] == 1


def test_existing_positions_get_the_new_aftersales_capabilities(cast):
    with dealership_context(cast.a):
        PositionCapability.objects.filter(capability="aftersales.work_job").delete()
    assert "technician" not in _held(cast.a, "aftersales.work_job")
    assert grant_missing(apps, aftersales.WANTED) > 0
    work = _held(cast.a, "aftersales.work_job")
    assert {"technician", "workshop_supervisor", "service_manager"} <= set(work)
    assert "sales_consultant" not in work
    assert grant_missing(apps, aftersales.WANTED) == 0  # nothing twice


def test_existing_positions_get_the_capabilities_of_the_source_documents(cast):
    with dealership_context(cast.a):
        PositionCapability.objects.filter(
            capability__in=["org.change_notice", "crm.view_marketing", "sales.change_price_list"]
        ).delete()
        # a cell the dealership narrowed on purpose stays as it is
        PositionCapability.objects.filter(
            position__code="hr_manager", capability="org.change_rota"
        ).update(scope=1)
    assert "admin_clerk" not in _held(cast.a, "org.change_notice")
    assert grant_missing(apps, documents.WANTED) > 0
    assert {"admin_clerk", "admin_manager", "technical_expert"} <= set(
        _held(cast.a, "org.change_notice")
    )
    assert "sales_consultant" not in _held(cast.a, "org.change_notice")
    assert {"customer_service_specialist", "marketing_specialist", "sales_manager"} <= set(
        _held(cast.a, "crm.view_marketing")
    )
    assert "sales_director" in _held(cast.a, "sales.change_price_list")
    assert _held(cast.a, "org.change_rota")["hr_manager"] == 1
    assert grant_missing(apps, documents.WANTED) == 0  # nothing twice


def test_existing_positions_get_the_letterhead_capability(cast):
    with dealership_context(cast.a):
        PositionCapability.objects.filter(capability="org.change_dealership").delete()
    with dealership_context(cast.b):
        # B narrowed its administration manager's cell on purpose: it stays as it is
        PositionCapability.objects.filter(
            position__code="admin_manager", capability="org.change_dealership"
        ).update(scope=1)
    assert _held(cast.a, "org.change_dealership") == {}
    assert grant_missing(apps, letterhead.WANTED) > 0
    assert _held(cast.a, "org.change_dealership") == {"gm": 3, "admin_manager": 3}
    assert _held(cast.b, "org.change_dealership") == {"gm": 3, "admin_manager": 1}
    assert grant_missing(apps, letterhead.WANTED) == 0  # nothing twice
