"""No write path around the tenant guard: every write method of the tenant manager and queryset
checks the scope like ``save()``; a tenant row refers only to rows of its own dealership (in
the application and, on PostgreSQL, in the database); a streamed response keeps its scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.http import StreamingHttpResponse
from django.test import RequestFactory

from dealership.models import JobRun
from dealership.tenancy import TenantViolation, dealership_context, system_context, tenant_context
from dealership.tenancy.middleware import TenantMiddleware
from dealership.tenancy.models import CrossTenantReference
from dealership.tenancy.resolve import resolve_scope
from org.models import Department, Position, PositionAssignment
from tests.factories import JobRunFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 1)


def _writes(dealership):
    """Each write method of the manager, writing a JobRun of ``dealership``."""
    return {
        "create": lambda: JobRun.objects.create(
            dealership=dealership, job="w.create", run_date=DAY
        ),
        "bulk_create": lambda: JobRun.objects.bulk_create(
            [JobRun(dealership=dealership, job="w.bulk", run_date=DAY)]
        ),
        "get_or_create": lambda: JobRun.objects.get_or_create(
            dealership=dealership, job="w.goc", run_date=DAY
        ),
        "update_or_create": lambda: JobRun.objects.update_or_create(
            dealership=dealership, job="w.uoc", run_date=DAY, defaults={"result": "x"}
        ),
    }


@pytest.mark.parametrize("method", sorted(_writes(None)))
def test_inserts_into_another_dealership_are_refused(cast, method):
    with dealership_context(cast.a), pytest.raises(TenantViolation):
        _writes(cast.b)[method]()
    with system_context():
        assert not JobRun.objects.filter(dealership=cast.b).exists()


@pytest.mark.parametrize("method", sorted(_writes(None)))
def test_hq_scope_inserts_nothing(cast, method):
    with tenant_context(resolve_scope(cast.hq_user)), pytest.raises(TenantViolation):
        _writes(cast.a)[method]()
    with system_context():
        assert not JobRun.objects.filter(job__startswith="w.").exists()


@pytest.mark.parametrize("method", sorted(_writes(None)))
def test_own_dealership_and_system_scope_write(cast, method):
    with dealership_context(cast.a):
        _writes(cast.a)[method]()
    with system_context():
        _writes(cast.b)[method]()
        assert JobRun.objects.filter(job__startswith="w.").count() == 2


def test_bulk_update_update_and_delete_of_other_rows(cast):
    theirs = JobRunFactory(dealership=cast.b, job="theirs")
    ours = JobRunFactory(dealership=cast.a, job="ours")
    with dealership_context(cast.a):
        theirs.result = "changed"
        with pytest.raises(TenantViolation):
            JobRun.objects.bulk_update([theirs], ["result"])
        with pytest.raises(TenantViolation):
            JobRun.objects.bulk_update([ours], ["dealership"])
        with pytest.raises(TenantViolation):  # moving rows to another dealership
            JobRun.objects.filter(pk=ours.pk).update(dealership=cast.b)
        assert JobRun.objects.filter(pk=theirs.pk).update(result="x") == 0
        assert JobRun.objects.filter(pk=theirs.pk).delete()[0] == 0
        ours.result = "fine"
        JobRun.objects.bulk_update([ours], ["result"])
    with tenant_context(resolve_scope(cast.hq_user)), pytest.raises(TenantViolation):
        JobRun.objects.bulk_update([ours], ["result"])
    with system_context():
        assert JobRun.objects.get(pk=theirs.pk).result == ""
        assert JobRun.objects.get(pk=ours.pk).result == "fine"
        assert JobRun.objects.get(pk=ours.pk).dealership_id == cast.a.pk


def test_a_row_cannot_refer_to_another_dealerships_row(cast):
    with dealership_context(cast.b):
        foreign_department = Department.objects.get(code="sales")
        foreign_position = Position.objects.get(code="cashier")
        foreign_id = foreign_position.pk
    with dealership_context(cast.a):
        mine = Position.objects.get(code="sales_manager")
        with pytest.raises(CrossTenantReference, match="same dealership"):
            Position.objects.create(department=foreign_department, code="x", name_zh="某岗位")
        mine.reports_to_id = foreign_id  # by id, not a loaded instance
        with pytest.raises(CrossTenantReference):
            mine.save()
        with pytest.raises(CrossTenantReference):
            Position.objects.filter(pk=mine.pk).update(reports_to=foreign_id)
        staff = cast.user_a.staff_records.get()
        with pytest.raises(CrossTenantReference):
            PositionAssignment.objects.bulk_create(
                [PositionAssignment(staff=staff, position=foreign_position, since=DAY)]
            )
        assert Position.objects.get(pk=mine.pk).reports_to_id != foreign_id


@pytest.mark.skipif(connection.vendor != "postgresql", reason="composite keys are PostgreSQL's")
def test_the_database_refuses_a_cross_tenant_reference(cast):
    with dealership_context(cast.a):
        mine = Position.objects.get(code="sales_manager").pk
    with dealership_context(cast.b):
        foreign = Position.objects.get(code="cashier").pk
    # in A's scope, so that row-level security lets the row be updated: the key refuses it
    with (
        dealership_context(cast.a),
        pytest.raises(IntegrityError),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE org_position SET reports_to_id = %s WHERE id = %s", [foreign, mine])
        assert cursor.rowcount == 1
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_streamed_response_reads_in_its_scope_until_the_last_byte(cast):
    JobRunFactory(dealership=cast.a, job="stream.a1")
    JobRunFactory(dealership=cast.a, job="stream.a2")
    JobRunFactory(dealership=cast.b, job="stream.b")

    def rows():  # the query is built and run while the body is sent, not in the view
        for job in JobRun.objects.order_by("job").values_list("job", flat=True):
            yield f"{job}\n"

    def view(request):
        return StreamingHttpResponse(rows())

    request = RequestFactory().get("/export/")
    request.user = cast.user_a
    request.session = {}
    response = TenantMiddleware(view)(request)
    body = b"".join(response.streaming_content).decode()  # read after the middleware returned
    assert body.split() == ["stream.a1", "stream.a2"]
