"""The audit log shows what its viewer may see: the org chart's history to holders of
``org.view_audit``, any other entry to those who may view the object it is about, with the
values they would see masked masked, in one query however many entries there are."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealership import audit
from dealership.models import AuditEntry, JobRun
from dealership.tenancy import dealership_context
from org import services
from org.access import holds
from org.capabilities import DataScope
from org.models import Position, PositionCapability, StaffMember
from tests.db_roles import in_scope_of
from tests.factories import JobRunFactory, UserFactory, hire

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    """A sales consultant and a CRM specialist of A, and entries written by the GM: about the
    chart (a position, the consultant's own staff record) and about two job runs, one of
    which the consultant's position may see (it gets ``platform.view_jobruns``)."""
    consultant = UserFactory(username="audit_consultant", name="顾问")
    specialist = UserFactory(username="audit_specialist", name="客服专员")
    hire(consultant, cast.a, "sales_consultant", phone="13800001234")
    hire(specialist, cast.a, "cr_specialist")
    with dealership_context(cast.a):
        position = Position.objects.get(code="sales_consultant")
        PositionCapability.objects.create(
            dealership=cast.a,
            position=position,
            capability="platform.view_jobruns",
            scope=DataScope.DEALERSHIP,
        )
        services.position_update(actor=cast.user_a, position_id=position.pk, name_en="Advisor")
        own_record = consultant.staff_records.get()
        services.staff_update(actor=cast.user_a, staff_id=own_record.pk, phone="13912345678")
        run = JobRunFactory(dealership=cast.a, job="audit.nightly")
        run_entry = audit.audit_record(
            actor=cast.user_a,
            action=AuditEntry.Action.UPDATE,
            obj=run,
            before={"state": "failed"},
            after={"state": "pending"},
        )
        entries = {
            "position": AuditEntry.objects.get(object_type="org.Position"),
            "staff": AuditEntry.objects.get(
                object_type="org.StaffMember", object_id=str(own_record.pk), action="update"
            ),
            "run": run_entry,
        }
    return {"consultant": consultant, "specialist": specialist, "entries": entries}


def _listed(client) -> set[int]:
    response = client.get("/platform/audit/")
    assert response.status_code == 200
    with in_scope_of(response):
        return {entry.pk for entry in response.context["table"].data}


def test_the_gm_reads_the_org_chart_and_what_they_may_view(cast, client_for, world):
    client = client_for(cast.user_a)
    listed = _listed(client)
    assert {e.pk for e in world["entries"].values()} <= listed
    page = client.get(f"/platform/audit/{world['entries']['staff'].pk}/").content.decode()
    assert "13912345678" in page  # the GM sees the staff directory: phones in clear


def test_a_sales_consultant_sees_no_org_chart_entry_not_even_about_themselves(
    cast, client_for, world
):
    client = client_for(world["consultant"])
    entries = world["entries"]
    listed = _listed(client)
    assert entries["position"].pk not in listed and entries["staff"].pk not in listed
    assert entries["run"].pk in listed  # a job run their position may view
    assert client.get(f"/platform/audit/{entries['staff'].pk}/").status_code == 404
    assert client.get(f"/platform/audit/{entries['position'].pk}/").status_code == 404
    assert client.get(f"/platform/audit/{entries['run'].pk}/").status_code == 200


def test_a_crm_specialist_sees_nothing_they_may_not_view(cast, client_for, world):
    client = client_for(world["specialist"])
    assert _listed(client) == set()  # an empty list, not a 403 or a 500
    for entry in world["entries"].values():
        assert client.get(f"/platform/audit/{entry.pk}/").status_code == 404


def test_entries_follow_the_row_scope_of_the_object_policy(cast, client_for, world, monkeypatch):
    """Without the org chart's gate, staff entries follow the staff policy row by row: the
    consultant (``org.view_staff`` on their own record) reads their own record's history and
    no colleague's."""
    monkeypatch.delitem(audit._gates, "org.StaffMember")
    with dealership_context(cast.a):
        colleague = world["specialist"].staff_records.get()
        services.staff_update(actor=cast.user_a, staff_id=colleague.pk, employee_no="X-1")
        colleague_entry = AuditEntry.objects.get(
            object_type="org.StaffMember", object_id=str(colleague.pk), action="update"
        )
    listed = _listed(client_for(world["consultant"]))
    assert world["entries"]["staff"].pk in listed
    assert colleague_entry.pk not in listed
    assert world["entries"]["position"].pk not in listed  # still gated


def test_the_history_of_a_deleted_row_stays_with_who_sees_every_row_of_its_kind(
    cast, client_for, world
):
    """The consultant's position sees every job run of the dealership: the entry about a run
    since deleted stays in their log (and is read as "every entry of the kind", without a
    subquery of the runs); a specialist who sees no run still sees none of it."""
    with dealership_context(cast.a):
        JobRun.objects.filter(job="audit.nightly").delete()
    consultant = client_for(world["consultant"])
    assert world["entries"]["run"].pk in _listed(consultant)
    assert world["entries"]["run"].pk not in _listed(client_for(world["specialist"]))
    with CaptureQueriesContext(connection) as captured:
        consultant.get("/platform/audit/")
    listing = [q["sql"] for q in captured if 'FROM "dealership_auditentry"' in q["sql"]]
    assert listing and all('FROM "dealership_jobrun"' not in sql for sql in listing)


def test_fields_the_viewer_would_see_masked_are_masked(cast, client_for, world, monkeypatch):
    monkeypatch.setattr(audit, "_masked", {})
    audit.register_masked_fields(StaffMember, {"phone": holds("test.view_staff_phone")})
    page = client_for(cast.user_a).get(f"/platform/audit/{world['entries']['staff'].pk}/")
    text = page.content.decode()
    assert "139****5678" in text and "138****1234" in text  # after and before
    assert "13912345678" not in text and "13800001234" not in text


def test_mask():
    assert audit.mask("13800001234") == "138****1234"
    assert audit.mask("420106199001011234") == "420****1234"
    assert audit.mask("1234") == "****"
    assert audit.mask("") == "" and audit.mask(None) is None


def test_the_audit_log_takes_one_query_however_many_entries(cast, world):
    consultant = world["consultant"]

    def count_queries() -> tuple[int, int]:
        with dealership_context(cast.a):
            AuditEntry.objects.for_user(consultant, "view").count()  # warms the user's access
            with CaptureQueriesContext(connection) as queries:
                rows = list(AuditEntry.objects.for_user(consultant, "view"))
        return len(queries), len(rows)

    before, rows_before = count_queries()
    with dealership_context(cast.a):
        for run in JobRunFactory.create_batch(5, dealership=cast.a):
            audit.audit_record(
                actor=None, action=AuditEntry.Action.CREATE, obj=run, before=None, after={}
            )
    after, rows_after = count_queries()
    assert before == after == 1
    assert rows_after == rows_before + 5
    assert JobRun in audit._audited_models()
