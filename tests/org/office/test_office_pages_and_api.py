"""The admin office's pages and API: who sees and does what (the lowest position, the keepers,
the GM, HQ, another dealership), bad input answers 400, the dashboard panel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dealership.tenancy import dealership_context
from org.models import Department, Position
from org.office import services
from org.office.models import ActionItem, Meeting, Notice, NoticeReceipt, RotaShift
from tests.org.office.conftest import fresh

TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def bulletin(office, cast):
    with dealership_context(cast.a):
        return services.notice_create(
            actor=fresh(office.clerk),
            number="TSB-7",
            title="怠速抖动检查",
            kind="technical_bulletin",
            issued_on=TODAY,
            body="刷写ECU",
            positions=list(Position.objects.filter(code="technician")),
        )


@pytest.fixture
def meeting(office, cast):
    with dealership_context(cast.a):
        made = services.meeting_create(
            actor=fresh(office.sales_manager),
            kind="morning",
            title="销售晨会",
            held_on=TODAY,
            attendees=[office.staff(office.consultant)],
            minutes="纪要",
        )
        services.action_item_add(
            actor=fresh(office.sales_manager),
            meeting_id=made.pk,
            title="整理自查表",
            owner=office.staff(office.consultant),
            due_on=TODAY,
        )
        return made


# --- notices ---------------------------------------------------------------------------------


def test_a_recipient_reads_and_acknowledges_on_the_page(client_for, office, bulletin):
    tech = client_for(office.tech1)
    page = tech.get(reverse("org:notice_detail", args=[bulletin.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "刷写ECU" in html and 'data-testid="acknowledge"' in html
    assert 'data-testid="receipts"' not in html  # who read it: the keepers' view
    listed = tech.get(reverse("org:notice_list") + "?unread=1")
    assert "TSB-7" in listed.content.decode()
    response = tech.post(reverse("org:notice_acknowledge", args=[bulletin.pk]))
    assert response.status_code == 302
    with dealership_context(bulletin.dealership):
        assert NoticeReceipt.objects.get(notice=bulletin, staff__user=office.tech1).read_at
    assert "TSB-7" not in tech.get(reverse("org:notice_list") + "?unread=1").content.decode()


def test_the_registrar_sees_who_has_not_read(client_for, office, bulletin):
    page = client_for(office.clerk).get(reverse("org:notice_detail", args=[bulletin.pk]))
    html = page.content.decode()
    assert html.count('data-testid="unread-receipt"') == 2
    assert 'data-testid="distribute"' in html


def test_a_colleague_not_concerned_gets_404_and_cannot_register(client_for, office, bulletin):
    consultant = client_for(office.consultant)
    assert consultant.get(reverse("org:notice_detail", args=[bulletin.pk])).status_code == 404
    assert consultant.get(reverse("org:notice_create")).status_code == 403
    assert consultant.post(reverse("org:notice_distribute", args=[bulletin.pk])).status_code == 404


def test_another_dealership_never_sees_it(client_for, cast, bulletin):
    assert (
        client_for(cast.user_b).get(reverse("org:notice_detail", args=[bulletin.pk])).status_code
        == 404
    )
    assert (
        client_for(cast.user_c).get(reverse("org:notice_file", args=[bulletin.pk])).status_code
        == 404
    )


def test_the_gm_reads_everything_and_hq_only_reads(client_for, cast, bulletin):
    assert (
        client_for(cast.user_a).get(reverse("org:notice_detail", args=[bulletin.pk])).status_code
        == 200
    )
    hq = client_for(cast.hq_user)
    assert hq.get(reverse("org:notice_list")).status_code in (200, 403)
    assert hq.post(reverse("org:notice_distribute", args=[bulletin.pk])).status_code in (403, 404)


def test_registering_a_notice_on_the_page(client_for, office, cast):
    with dealership_context(cast.a):
        technician = Position.objects.get(code="technician")
    clerk = client_for(office.clerk)
    assert clerk.get(reverse("org:notice_create")).status_code == 200
    bad = clerk.post(reverse("org:notice_create"), {"number": "N1", "title": "t"})
    assert bad.status_code == 400
    response = clerk.post(
        reverse("org:notice_create"),
        {
            "number": "N1",
            "title": "展厅检查通知",
            "kind": "oem_notice",
            "issued_on": "2026-11-20",
            "positions": [technician.pk],
        },
    )
    assert response.status_code == 302
    with dealership_context(cast.a):
        notice = Notice.objects.get(number="N1")
        assert notice.receipts.count() == 2


def test_a_notice_with_a_pdf_attachment_is_served_to_its_readers(client_for, office, cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with dealership_context(cast.a):
        technician = Position.objects.get(code="technician")
    pdf = SimpleUploadedFile("tsb.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    response = client_for(office.clerk).post(
        reverse("org:notice_create"),
        {
            "number": "N2",
            "title": "附件通报",
            "kind": "technical_bulletin",
            "issued_on": "2026-11-20",
            "positions": [technician.pk],
            "attachment": pdf,
        },
    )
    assert response.status_code == 302
    with dealership_context(cast.a):
        notice = Notice.objects.get(number="N2")
    got = client_for(office.tech1).get(reverse("org:notice_file", args=[notice.pk]))
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    assert (
        client_for(office.consultant).get(reverse("org:notice_file", args=[notice.pk])).status_code
        == 404
    )
    not_pdf = SimpleUploadedFile("x.pdf", b"just text")
    refused = client_for(office.clerk).post(
        reverse("org:notice_create"),
        {
            "number": "N3",
            "title": "x",
            "kind": "internal",
            "issued_on": "2026-11-20",
            "positions": [technician.pk],
            "attachment": not_pdf,
        },
    )
    assert refused.status_code == 400


def test_notices_api(api_for, office, cast, bulletin):
    clerk = api_for(office.clerk)
    with dealership_context(cast.a):
        technician = Position.objects.get(code="technician")
    created = clerk.post(
        "/api/v1/org/notices/",
        {
            "number": "API-1",
            "title": "通知",
            "kind": "internal",
            "issued_on": "2026-11-21",
            "positions": [technician.pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    tech = api_for(office.tech1)
    ack = tech.post(f"/api/v1/org/notices/{bulletin.pk}/acknowledge/")
    assert ack.status_code == 200 and ack.json()["read_at"]
    receipts = clerk.get(f"/api/v1/org/notices/{bulletin.pk}/receipts/").json()
    assert sorted(bool(r["read_at"]) for r in receipts) == [False, True]
    assert tech.post("/api/v1/org/notices/", {"number": "x"}, format="json").status_code == 403
    assert (
        api_for(office.consultant)
        .post(f"/api/v1/org/notices/{bulletin.pk}/acknowledge/")
        .status_code
        == 404
    )
    assert api_for(cast.user_b).get(f"/api/v1/org/notices/{bulletin.pk}/").status_code == 404
    bad = clerk.post("/api/v1/org/notices/", {"number": "API-2", "kind": "nope"}, format="json")
    assert bad.status_code == 400


# --- meetings --------------------------------------------------------------------------------


def test_meeting_pages_for_the_keeper_the_owner_and_an_outsider(client_for, office, meeting):
    manager = client_for(office.sales_manager)
    page = manager.get(reverse("org:meeting_detail", args=[meeting.pk]))
    assert page.status_code == 200 and 'data-testid="add-item"' in page.content.decode()
    consultant = client_for(office.consultant)
    own = consultant.get(reverse("org:meeting_detail", args=[meeting.pk]))
    assert own.status_code == 200 and 'data-testid="add-item"' not in own.content.decode()
    assert (
        client_for(office.tech1).get(reverse("org:meeting_detail", args=[meeting.pk])).status_code
        == 404
    )
    assert consultant.get(reverse("org:meeting_create")).status_code == 403
    with dealership_context(meeting.dealership):
        item = ActionItem.objects.get(meeting=meeting)
    done = consultant.post(reverse("org:actionitem_state", args=[item.pk]), {"state": "done"})
    assert done.status_code == 302
    with dealership_context(meeting.dealership):
        assert ActionItem.objects.get(pk=item.pk).state == "done"
    assert (
        consultant.post(reverse("org:actionitem_state", args=[item.pk]), {"state": "x"}).status_code
        == 400
    )


def test_recording_a_meeting_on_the_page(client_for, office, cast):
    manager = client_for(office.sales_manager)
    assert manager.get(reverse("org:meeting_create")).status_code == 200
    response = manager.post(
        reverse("org:meeting_create"),
        {"kind": "evening", "title": "夕会", "held_on": "2026-11-20", "minutes": "总结"},
    )
    assert response.status_code == 302
    with dealership_context(cast.a):
        meeting = Meeting.objects.get(title="夕会")
    added = manager.post(
        reverse("org:actionitem_add", args=[meeting.pk]),
        {
            "title": "回访",
            "owner": office.staff(office.consultant).pk if False else "",
            "due_on": "",
        },
    )
    assert added.status_code == 400


def test_overdue_items_on_the_owners_dashboard(client_for, office, meeting):
    page = client_for(office.consultant).get(reverse("dashboard"))
    html = page.content.decode()
    if timezone.localdate() > TODAY:
        assert 'data-testid="overdue-items"' in html and "整理自查表" in html


def test_meetings_and_items_api(api_for, office, cast, meeting):
    manager = api_for(office.sales_manager)
    with dealership_context(cast.a):
        consultant = office.staff(office.consultant)
    item = manager.post(
        f"/api/v1/org/meetings/{meeting.pk}/items/",
        {"title": "提交", "owner": consultant.pk, "due_on": "2026-11-25"},
        format="json",
    )
    assert item.status_code == 201, item.content
    mine = api_for(office.consultant).get(f"/api/v1/org/action-items/?owner={consultant.pk}")
    assert mine.status_code == 200 and len(mine.json()["results"]) == 2
    state = api_for(office.consultant).post(
        f"/api/v1/org/action-items/{item.json()['id']}/state/", {"state": "done"}, format="json"
    )
    assert state.status_code == 200 and state.json()["state"] == "done"
    created = manager.post(
        "/api/v1/org/meetings/",
        {
            "kind": "department",
            "title": "部门会",
            "held_on": "2026-11-22",
            "attendees": [consultant.pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["attendees"] == [consultant.pk]
    assert api_for(cast.user_b).get(f"/api/v1/org/meetings/{meeting.pk}/").status_code == 404


# --- training --------------------------------------------------------------------------------


def test_training_pages_and_api(client_for, api_for, office, cast):
    with dealership_context(cast.a):
        session = services.training_session_create(
            actor=fresh(office.hr),
            course="高压安全",
            kind="oem",
            held_on=TODAY,
            trainer_name="厂家",
            trainees=[office.staff(office.expert)],
        )
        record = session.records.get()
        expert_staff = office.staff(office.expert)
    hr = client_for(office.hr)
    assert hr.get(reverse("org:training_list")).status_code == 200
    assert "高压安全" not in hr.get(reverse("org:training_list") + "?recheck=1").content.decode()
    page = hr.get(reverse("org:training_detail", args=[session.pk]))
    assert page.status_code == 200 and 'name="result"' in page.content.decode()
    saved = hr.post(
        reverse("org:training_result", args=[record.pk]),
        {"result": "passed", "score": "91", "recheck_due_on": "2027-05-20"},
    )
    assert saved.status_code == 302
    assert (
        hr.post(reverse("org:training_result", args=[record.pk]), {"result": "x"}).status_code
        == 400
    )
    with dealership_context(cast.a):
        services.training_result_record(
            actor=fresh(office.hr),
            record_id=record.pk,
            result="passed",
            recheck_due_on=timezone.localdate() + dt.timedelta(days=10),
        )
    assert "高压安全" in hr.get(reverse("org:training_list") + "?recheck=1").content.decode()
    expert = client_for(office.expert)
    own = expert.get(reverse("org:training_detail", args=[session.pk]))
    assert own.status_code == 200 and 'name="result"' not in own.content.decode()
    assert (
        client_for(office.tech1).get(reverse("org:training_detail", args=[session.pk])).status_code
        == 404
    )
    api = api_for(office.expert)
    history = api.get(f"/api/v1/org/training-records/?trainee={expert_staff.pk}")
    assert [r["result"] for r in history.json()["results"]] == ["passed"]
    assert (
        api.post(
            f"/api/v1/org/training-records/{record.pk}/result/", {"result": "failed"}, format="json"
        ).status_code
        == 403
    )
    assert (
        api_for(cast.user_b).get(f"/api/v1/org/training-sessions/{session.pk}/").status_code == 404
    )


# --- the rota --------------------------------------------------------------------------------


def test_the_rota_grid_plans_and_shows_shifts(client_for, office, cast):
    with dealership_context(cast.a):
        workshop = Department.objects.get(code="aftersales")
        tech1 = office.staff(office.tech1)
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    hr = client_for(office.hr)
    url = reverse("org:rota") + f"?department={workshop.pk}&start={monday.isoformat()}"
    page = hr.get(url)
    assert page.status_code == 200 and 'data-testid="save-rota"' in page.content.decode()
    saved = hr.post(
        reverse("org:rota"),
        {
            "department": workshop.pk,
            "span": "week",
            "start": monday.isoformat(),
            f"s{tech1.pk}_{monday.isoformat()}": "early",
        },
    )
    assert saved.status_code == 302
    with dealership_context(cast.a):
        shift = RotaShift.objects.get(staff=tech1, day=monday)
    assert shift.kind == "early"
    # the technician sees their own row, read-only
    own = client_for(office.tech1).get(url).content.decode()
    assert 'data-testid="save-rota"' not in own and own.count('data-testid="rota-row"') == 1
    assert (
        client_for(office.tech1).post(reverse("org:rota"), {"department": workshop.pk}).status_code
        == 403
    )
    assert hr.get(reverse("org:rota") + "?start=junk").status_code == 400
    assert hr.get(reverse("org:rota") + "?department=999999").status_code == 404
    # the month's grid too
    assert hr.get(reverse("org:rota") + f"?department={workshop.pk}&span=month").status_code == 200


def test_attendance_page_and_marking(client_for, api_for, office, cast):
    today = timezone.localdate()
    with dealership_context(cast.a):
        workshop = Department.objects.get(code="aftersales")
        tech1 = office.staff(office.tech1)
        services.rota_plan(
            actor=fresh(office.hr), department_id=workshop.pk, entries=[(tech1.pk, today, "full")]
        )
        shift = RotaShift.objects.get(staff=tech1, day=today)
    hr = client_for(office.hr)
    page = hr.get(reverse("org:attendance") + f"?department={workshop.pk}")
    assert page.status_code == 200 and 'name="mark"' in page.content.decode()
    marked = hr.post(
        reverse("org:rotashift_detail", args=[shift.pk]), {"mark": "late", "note": "堵车"}
    )
    assert marked.status_code == 302
    assert (
        hr.post(reverse("org:rotashift_detail", args=[shift.pk]), {"mark": "junk"}).status_code
        == 400
    )
    assert (
        client_for(office.tech1)
        .post(reverse("org:rotashift_detail", args=[shift.pk]), {"mark": "present"})
        .status_code
        == 403
    )
    assert (
        client_for(cast.user_b).get(reverse("org:rotashift_detail", args=[shift.pk])).status_code
        == 404
    )
    api = api_for(office.hr)
    got = api.post(f"/api/v1/org/rota-shifts/{shift.pk}/mark/", {"mark": "present"}, format="json")
    assert got.status_code == 200 and got.json()["mark"] == "present"
    plan = api.post(
        "/api/v1/org/rota-shifts/plan/",
        {
            "department": workshop.pk,
            "entries": [
                {
                    "staff": tech1.pk,
                    "day": (today + dt.timedelta(days=1)).isoformat(),
                    "kind": "late",
                }
            ],
        },
        format="json",
    )
    assert plan.status_code == 200 and plan.json()["created"] == 1
    bad = api.post(
        "/api/v1/org/rota-shifts/plan/", {"department": workshop.pk, "entries": []}, format="json"
    )
    assert bad.status_code == 400
    listed = api_for(office.tech1).get(f"/api/v1/org/rota-shifts/?department={workshop.pk}")
    assert {r["staff"] for r in listed.json()["results"]} == {tech1.pk}


@pytest.mark.parametrize(
    ("url", "field", "many", "payload"),
    [
        (
            "/api/v1/org/meetings/",
            "chair",
            False,
            {"kind": "morning", "title": "t", "held_on": "2026-11-20"},
        ),
        (
            "/api/v1/org/meetings/",
            "attendees",
            True,
            {"kind": "morning", "title": "t", "held_on": "2026-11-20"},
        ),
        (
            "/api/v1/org/training-sessions/",
            "trainer",
            False,
            {"course": "c", "kind": "internal", "held_on": "2026-11-20", "hours": 1},
        ),
        (
            "/api/v1/org/training-sessions/",
            "trainees",
            True,
            {
                "course": "c",
                "kind": "internal",
                "held_on": "2026-11-20",
                "hours": 1,
                "trainer_name": "x",
            },
        ),
        (
            "/api/v1/org/notices/",
            "positions",
            True,
            {"number": "Z", "title": "t", "kind": "internal", "issued_on": "2026-11-20"},
        ),
    ],
)
def test_payloads_naming_another_dealerships_people_answer_400(
    api_for, cast, url, field, many, payload
):
    from org.models import StaffMember

    with dealership_context(cast.b):
        theirs = (
            Position.objects.get(code="sales_consultant")
            if field == "positions"
            else StaffMember.objects.order_by("pk").first()
        )
    payload = {**payload, field: [theirs.pk] if many else theirs.pk}
    response = api_for(cast.user_a).post(url, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_hq_reads_notices_without_links_to_the_rota(client_for, cast, bulletin):
    page = client_for(cast.hq_user).get(reverse("org:notice_list"))
    assert page.status_code == 200
    assert reverse("org:rota") not in page.content.decode()
    assert client_for(cast.hq_user).get(reverse("org:rota")).status_code == 403
