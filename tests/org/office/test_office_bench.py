"""The admin office's bench rows: seeded with the month, copied with it, references in their
own dealership."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from django.db import connection

from dealership.bench import Scale
from dealership.reports.periods import Period
from dealership.tenancy import dealership_context

pytestmark = pytest.mark.django_db
SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "bench_reports.py"


def _counts(dealership):
    from org.office.models import ActionItem, Notice, NoticeReceipt, RotaShift, TrainingRecord

    with dealership_context(dealership):
        return {
            m.__name__: m.objects.count()
            for m in (Notice, NoticeReceipt, ActionItem, TrainingRecord, RotaShift)
        }


def test_the_bench_month_has_office_rows_and_its_copy_too():
    spec = importlib.util.spec_from_file_location("bench_reports", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        scale = Scale(deliveries=2, repair_orders=3, followups=5, stock=2)
        _group, (first, copy) = module.seed(
            2, Period.from_key("month", "2026-10"), scale, log=lambda _line: None
        )
    finally:
        sys.modules.pop(spec.name, None)
    counts = _counts(first)
    assert all(counts.values()), counts
    assert _counts(copy) == counts
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
