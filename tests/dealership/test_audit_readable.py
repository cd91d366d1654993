"""The audit log reads like a sentence: the object by its name (linked when the viewer may open
it), its type and its fields in the viewer's language, values as labels, filters by who, what
and when, pages of 25 — in a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from dealership import audit
from dealership.models import AuditEntry
from dealership.tenancy import dealership_context
from org import services
from org.capabilities import Capability, DataScope
from org.models import Position
from tests.db_roles import in_scope_of
from tests.factories import JobRunFactory, UserFactory, hire

pytestmark = pytest.mark.django_db


def _client(client_for, user, language):
    client = client_for(user)
    client.cookies["erp_language"] = language
    return client


@pytest.fixture
def changes(cast):
    """The GM renames a position, grants it a capability and hires someone into it."""
    with dealership_context(cast.a):
        position = Position.objects.get(code="sales_consultant")
        services.position_update(actor=cast.user_a, position_id=position.pk, name_en="Advisor")
        services.position_capability_set(
            actor=cast.user_a,
            position_id=position.pk,
            capability=Capability.ORG_VIEW_CHART,
            scope=DataScope.DEPARTMENT,
        )
        rename = AuditEntry.objects.get(
            object_type="org.Position", action="update", after__name_en="Advisor"
        )
        grant = AuditEntry.objects.filter(object_type="org.Position", action="grant").latest("pk")
    staff = hire(UserFactory(name="林新人"), cast.a, "sales_consultant", phone="13800001234")
    with dealership_context(cast.a):
        hiring = AuditEntry.objects.filter(
            object_type="org.StaffMember", object_id=str(staff.pk)
        ).latest("pk")
    return {"position": position, "rename": rename, "grant": grant, "hiring": hiring}


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("zh-hans", ["岗位", "英文名称", "Advisor", "销售顾问"]),
        ("en", ["position", "English name", "Advisor", "Sales consultant"]),
    ],
)
def test_an_update_shows_the_object_by_name_and_its_fields_before_and_after(
    cast, client_for, changes, language, words
):
    client = _client(client_for, cast.user_a, language)
    response = client.get(f"/platform/audit/{changes['rename'].pk}/")
    page = response.content.decode()
    for word in words:
        assert word in page, word
    assert "org.Position" not in page and f"#{changes['position'].pk}" not in page
    assert f'href="{changes["position"].get_absolute_url()}"' in page
    rows = {c.key: c for c in response.context["changes"]}
    assert set(rows) == {"name_en"}  # only what changed
    assert rows["name_en"].after == "Advisor"


@pytest.mark.parametrize(
    ("language", "capability", "scope", "field"),
    [
        ("zh-hans", "查看组织架构和岗位", "本部门", "数据范围"),
        ("en", "View the org chart and positions", "Own department", "data scope"),
    ],
)
def test_a_grant_shows_the_capability_and_scope_by_their_labels(
    cast, client_for, changes, language, capability, scope, field
):
    response = _client(client_for, cast.user_a, language).get(
        f"/platform/audit/{changes['grant'].pk}/"
    )
    rows = {c.key: c for c in response.context["changes"]}
    assert rows["capability"].after == capability and rows["capability"].before == ""
    assert rows["scope"].after == scope and rows["scope"].label == field
    page = response.content.decode()
    assert "org.view_chart" not in page and "None" not in page


def test_a_hiring_shows_positions_by_name_empty_values_as_a_dash_and_masks_phones(
    cast, client_for, changes, monkeypatch
):
    from org.access import holds
    from org.models import StaffMember

    monkeypatch.setattr(audit, "_masked", {})
    audit.register_masked_fields(StaffMember, {"phone": holds("test.view_staff_phone")})
    response = _client(client_for, cast.user_a, "zh-hans").get(
        f"/platform/audit/{changes['hiring'].pk}/"
    )
    rows = {c.key: c for c in response.context["changes"]}
    assert rows["positions"].after == "销售顾问"
    assert rows["primary_position"].after == "销售顾问"
    assert rows["end_date"].after == "—"
    assert rows["phone"].after == "138****1234"
    assert "13800001234" not in response.content.decode()


def test_format_value():
    assert audit.format_value("x", None) == "—"
    assert audit.format_value("x", [1, 2]) == "1, 2"
    assert audit.format_value("x", []) == "—"
    assert audit.format_value("scope", 3) == str(DataScope.DEALERSHIP.label)
    assert audit.format_value("capability", "no.such") == "no.such"  # unknown: as recorded
    assert audit.object_type_label("nope.Gone") == "nope.Gone"
    with translation.override("en"):
        assert audit.field_label(None, "user") == "user"
    with translation.override("zh-hans"):
        assert audit.field_label(Position, "department") == "部门"


def test_register_value_formatter():
    audit.register_value_formatter("test_key", lambda value: f"<{value}>")
    try:
        assert audit.format_value("test_key", ["a", "b"]) == "<a>, <b>"
    finally:
        audit.unregister_value_formatter("test_key")
    assert audit.format_value("test_key", "a") == "a"


def test_the_list_names_objects_and_the_entry_links_them(cast, client_for, changes):
    client = _client(client_for, cast.user_a, "zh-hans")
    page = client.get("/platform/audit/").content.decode()
    assert "林新人" in page and "岗位" in page and "员工" in page
    assert "<td >org.Position</td>" not in page and "org.StaffMember #" not in page
    assert ">org.Position<" not in page.split('data-testid="audit-table"')[1]
    # the list costs one query whatever it shows: the object is linked from its entry's page
    assert f'href="{changes["position"].get_absolute_url()}"' not in page
    with dealership_context(cast.a):
        entry = AuditEntry.objects.filter(
            object_type="org.Position", object_id=str(changes["position"].pk)
        ).latest("pk")
    detail = client.get(entry.get_absolute_url()).content.decode()
    assert f'href="{changes["position"].get_absolute_url()}"' in detail


def test_an_object_the_viewer_may_not_open_is_plain_text(cast, client_for):
    """A sales consultant may not view job runs: the run is named, not linked."""
    consultant = UserFactory()
    hire(consultant, cast.a, "sales_consultant")
    with dealership_context(cast.a):
        run = JobRunFactory(dealership=cast.a, job="audit.nightly")
        entry = audit.audit_record(
            actor=cast.user_a, action="update", obj=run, before={"state": "failed"}, after={}
        )
    with dealership_context(cast.a):
        links = audit.object_links(cast.user_a, [entry])
        assert links[(entry.object_type, entry.object_id)][1] == run.get_absolute_url()
        assert audit.object_links(consultant, [entry]) == {}  # no platform.view_jobruns


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_filters_by_who_what_and_when(cast, client_for, changes, language):
    client = _client(client_for, cast.user_a, language)

    def listed(query):
        response = client.get("/platform/audit/", query)
        assert response.status_code == 200
        with in_scope_of(response):
            return {e.pk for e in response.context["table"].data}

    everything = listed({})
    assert {changes["rename"].pk, changes["grant"].pk, changes["hiring"].pk} <= everything
    by_gm = listed({"who": cast.user_a.get_short_name()})
    assert changes["rename"].pk in by_gm and changes["hiring"].pk not in by_gm  # hired by SYSTEM
    positions = listed({"object_type": "org.Position"})
    assert changes["rename"].pk in positions and changes["hiring"].pk not in positions
    grants = listed({"action": "grant"})
    assert changes["grant"].pk in grants and changes["rename"].pk not in grants
    today = timezone.localdate()
    # today's entries: these changes, and no more than the log holds (the cast may be older)
    todays = listed({"date_from": today.isoformat(), "date_to": today.isoformat()})
    assert {changes["rename"].pk, changes["grant"].pk, changes["hiring"].pk} <= todays
    assert todays <= everything
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert listed({"date_from": tomorrow}) == set()


@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-hans", None), ("en", "Some filters were not valid and were not applied.")],
)
def test_bad_filters_answer_with_a_message_never_a_500(
    cast, client_for, changes, language, message
):
    client = _client(client_for, cast.user_a, language)
    for query in (
        {"date_from": "2026-13-45"},
        {"date_from": "yesterday", "date_to": "x"},
        {"date_from": "2026-05-02", "date_to": "2026-05-01"},
        {"object_type": "auth.User"},
        {"action": "explode"},
    ):
        response = client.get("/platform/audit/", query)
        assert response.status_code == 200, query
        page = response.content.decode()
        assert 'data-testid="filter-error"' in page, query
        if message:
            assert message in page
        with in_scope_of(response):
            assert changes["rename"].pk in {e.pk for e in response.context["table"].data}


def test_the_list_is_paginated_by_25(cast, client_for):
    with dealership_context(cast.a):
        for run in JobRunFactory.create_batch(30, dealership=cast.a):
            audit.audit_record(actor=cast.user_a, action="create", obj=run, before=None, after={})
    client = client_for(cast.user_a)
    first = client.get("/platform/audit/", {"object_type": "dealership.JobRun"})
    assert len(first.context["table"].page.object_list) == 25
    assert first.context["table"].page.has_next()  # without counting the entries
    second = client.get("/platform/audit/", {"object_type": "dealership.JobRun", "page": 2})
    assert len(second.context["table"].page.object_list) == 5
    assert "object_type=dealership.JobRun" in first.content.decode()  # page links keep filters


def test_the_list_takes_the_same_number_of_queries_however_many_entries(cast, client_for, changes):
    """The entries of a page in one query, without counting them: the same for 4 entries as for
    a full page of 25 out of 33, whatever kinds of objects they name."""
    client = client_for(cast.user_a)
    query = {"who": cast.user_a.username}  # the GM's changes: positions and job runs

    def write(n: int) -> None:
        with dealership_context(cast.a):
            for position in Position.objects.order_by("pk")[:n]:
                services.position_update(
                    actor=cast.user_a, position_id=position.pk, name_en=f"{position.name_en} II"
                )
            for run in JobRunFactory.create_batch(n, dealership=cast.a):
                audit.audit_record(
                    actor=cast.user_a, action="create", obj=run, before=None, after={}
                )

    def count() -> tuple[int, int, set]:
        client.get("/platform/audit/", query)  # warm the session and the user's access
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/platform/audit/", query)
        rows = response.context["table"].page.object_list
        return len(queries), len(rows), {row.record.object_type for row in rows}

    write(1)
    small, small_rows, small_types = count()
    write(15)
    large, large_rows, large_types = count()
    assert small_types == large_types == {"org.Position", "dealership.JobRun"}
    assert (small_rows, large_rows) == (4, 25)
    assert large == small
