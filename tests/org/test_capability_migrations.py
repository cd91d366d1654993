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
