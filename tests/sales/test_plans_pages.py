"""The board, targets and day-confirmation pages and their API: who sees what (consultant own
row, supervisor all, CR specialist 403, HQ reads, B never counted), forms and errors, widgets,
and query counts independent of the number of rows."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dealership.tenancy import dealership_context
from sales.models import DayConfirmation, SalesTarget, VisitKind
from tests.factories import UserFactory, hire
from tests.sales.conftest import make_lead, make_stock
from tests.sales.test_plans_sheet import delivery, order, visit

TODAY = timezone.localdate


def _month():
    return TODAY().replace(day=1)


def _floor(cast, staff, n=1):
    """n of each record for both consultants today/this month, and noise in dealership B."""
    today = TODAY()
    for _ in range(n):
        for who in (staff.consultant, staff.consultant2):
            visit(cast.a, who, today)
            visit(cast.a, who, today, VisitKind.PHONE_IN)
            make_lead(cast.a, who)
            order(cast.a, who, today)
            delivery(cast.a, who, today)
            make_stock(cast.a, arrived_on=today - dt.timedelta(days=70))


def _b_records(cast):
    b_consultant = UserFactory(username="b_board")
    hire(b_consultant, cast.b, "sales_consultant")
    today = TODAY()
    visit(cast.b, b_consultant, today)
    order(cast.b, b_consultant, today)
    delivery(cast.b, b_consultant, today)
    return b_consultant


# --- the board ----------------------------------------------------------------------------------


def test_board_for_the_manager_counts_the_floor_and_never_b(cast, staff, client_for):
    _floor(cast, staff)
    b_consultant = _b_records(cast)
    with dealership_context(cast.a):
        SalesTarget.objects.create(
            dealership=cast.a, month=_month(), consultant=staff.consultant, units=4
        )
    response = client_for(staff.sales_manager).get("/sales/board/")
    assert response.status_code == 200
    board = response.context["board"]
    assert board.traffic == {"walk_in": 2, "phone_in": 2, "total": 4}
    assert board.deliveries == 2
    assert board.orders["open"] == 2 and board.orders["delivered"] == 0
    assert board.stock["in_stock"] == 2 and board.stock["delivered"] == 2
    assert [n for _low, _high, n in board.ages] == [0, 0, 2, 0]
    rows = {r.consultant_id: r for r in board.targets}
    assert rows[staff.consultant.pk].mtd_deliveries == 1
    assert rows[staff.consultant.pk].achieved == 25
    assert b_consultant.pk not in rows
    html = response.content.decode()
    assert "progress-bar" in html and "not confirmed yet" in html
    assert 'href="/sales/meeting/"' in html and 'href="/sales/targets/"' in html


def test_board_for_a_consultant_is_their_own_row(cast, staff, client_for):
    _floor(cast, staff)
    response = client_for(staff.consultant2).get("/sales/board/")
    assert response.status_code == 200
    board = response.context["board"]
    assert [r.consultant_id for r in board.targets] == [staff.consultant2.pk]
    assert board.traffic["total"] == 2 and board.deliveries == 1
    assert board.confirmation is False
    assert "/sales/daily/" not in response.content.decode()  # not the clerk's tab


def test_board_shows_yesterdays_confirmation(cast, staff, client_for):
    with dealership_context(cast.a):
        DayConfirmation.objects.create(
            dealership=cast.a,
            day=TODAY() - dt.timedelta(days=1),
            orders=0,
            deliveries=0,
            confirmed_by=staff.sales_info_clerk,
        )
    html = client_for(staff.showroom_supervisor).get("/sales/board/").content.decode()
    assert "confirmed by sales sales_info_clerk" in html


def test_board_permissions(cast, staff, client_for):
    assert client_for(staff.cr_specialist).get("/sales/board/").status_code == 403
    assert client_for(cast.outsider).get("/sales/board/").status_code == 403
    for user in (cast.hq_user, staff.gm, staff.showroom_supervisor, staff.sales_info_clerk):
        assert client_for(user).get("/sales/board/").status_code == 200, user


def test_hq_reads_the_board_but_cannot_write(cast, staff, client_for, api_for):
    _floor(cast, staff)
    response = client_for(cast.hq_user).get("/sales/board/")
    assert response.status_code == 200
    assert response.context["board"].deliveries == 2
    assert client_for(cast.hq_user).get("/sales/targets/edit/").status_code == 403
    assert (
        client_for(cast.hq_user).post("/sales/daily/confirm/", {"day": "2025-01-01"}).status_code
        == 403
    )
    api = api_for(cast.hq_user)
    assert api.get("/api/v1/sales/targets/").status_code == 200
    response = api.put(
        "/api/v1/sales/targets/month/", {"month": "2025-03", "rows": []}, format="json"
    )
    assert response.status_code == 403


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_board_and_targets_run_a_constant_number_of_queries(cast, staff, client_for):
    client = client_for(staff.sales_manager)
    urls = ["/sales/board/", "/sales/targets/", "/sales/meeting/", "/sales/daily/"]
    _floor(cast, staff, 1)
    _queries(client, urls[0])  # warm caches
    before = [_queries(client, u) for u in urls]
    _floor(cast, staff, 4)
    with dealership_context(cast.a):
        SalesTarget.objects.create(
            dealership=cast.a, month=_month(), consultant=staff.consultant, units=4
        )
        SalesTarget.objects.create(
            dealership=cast.a, month=_month(), consultant=staff.consultant, model="K5", units=2
        )
    after = [_queries(client, u) for u in urls]
    assert before == after


# --- targets ------------------------------------------------------------------------------------


def test_target_pages_set_and_show_the_month(cast, staff, client_for):
    client = client_for(staff.sales_manager)
    page = client.get("/sales/targets/edit/?month=2025-03")
    assert page.status_code == 200
    assert page.context["formset"].initial[0] == {"consultant": None, "model": "", "units": None}
    data = {
        "month": "2025-03",
        "t-TOTAL_FORMS": "3",
        "t-INITIAL_FORMS": "0",
        "t-0-consultant": "",
        "t-0-model": "",
        "t-0-units": "20",
        "t-1-consultant": str(staff.consultant.pk),
        "t-1-model": "",
        "t-1-units": "8",
        "t-2-consultant": str(staff.consultant.pk),
        "t-2-model": "K5",
        "t-2-units": "",  # empty: no target
    }
    response = client.post("/sales/targets/edit/", data)
    assert response.status_code == 302
    assert response["Location"] == "/sales/targets/?month=2025-03"
    with dealership_context(cast.a):
        rows = sorted(
            SalesTarget.objects.filter(month=dt.date(2025, 3, 1)).values_list("units", flat=True)
        )
    assert rows == [8, 20]
    grid = client.get("/sales/targets/?month=2025-03")
    assert grid.status_code == 200
    assert grid.context["grid"].department.target == 20
    assert 'data-testid="edit-targets"' in grid.content.decode()
    bad = dict(data, **{"t-1-units": "100001"})
    assert client.post("/sales/targets/edit/", bad).status_code == 400
    bad = dict(
        data, **{"t-2-consultant": str(staff.consultant.pk), "t-2-units": "1", "t-2-model": ""}
    )
    response = client.post("/sales/targets/edit/", bad)
    assert response.status_code == 400
    assert "Row 3" in response.content.decode()


def test_target_pages_permissions(cast, staff, client_for):
    with dealership_context(cast.a):
        SalesTarget.objects.create(
            dealership=cast.a, month=_month(), consultant=staff.consultant, units=4
        )
        SalesTarget.objects.create(
            dealership=cast.a, month=_month(), consultant=staff.consultant2, units=7
        )
    own = client_for(staff.consultant2).get("/sales/targets/")
    assert own.status_code == 200
    assert [(r.consultant_id, r.target) for r in own.context["grid"].rows] == [
        (staff.consultant2.pk, 7)
    ]
    assert 'data-testid="edit-targets"' not in own.content.decode()
    assert client_for(staff.consultant).get("/sales/targets/edit/").status_code == 403
    assert client_for(staff.cr_specialist).get("/sales/targets/").status_code == 403
    assert client_for(cast.hq_user).get("/sales/targets/").status_code == 200
    assert client_for(staff.sales_manager).get("/sales/targets/?month=2025-99").status_code == 400


def test_targets_api_lists_and_replaces_a_month(cast, staff, api_for):
    api = api_for(staff.sales_manager)
    response = api.put(
        "/api/v1/sales/targets/month/",
        {
            "month": "2025-03",
            "rows": [
                {"consultant": None, "units": 20},
                {"consultant": staff.consultant.pk, "units": 8},
                {"consultant": staff.consultant.pk, "model": "K5", "units": 3},
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert len(response.json()) == 3
    listed = api.get("/api/v1/sales/targets/?month=2025-03").json()
    assert len(listed["results"]) == 3
    assert len(api.get("/api/v1/sales/targets/?month=2025-04").json()["results"]) == 0
    assert api.get("/api/v1/sales/targets/?month=nope").status_code == 400
    bad = api.put(
        "/api/v1/sales/targets/month/",
        {"month": "2025-03", "rows": [{"consultant": staff.cr_specialist.pk, "units": 1}]},
        format="json",
    )
    assert bad.status_code == 400
    assert "rows" in bad.json()["error"]["fields"]
    bad = api.put(
        "/api/v1/sales/targets/month/",
        {"month": "2025-03", "rows": [{"consultant": None, "units": 100001}]},
        format="json",
    )
    assert bad.status_code == 400
    assert len(api.get("/api/v1/sales/targets/?month=2025-03").json()["results"]) == 3  # unchanged
    consultant = api_for(staff.consultant).get("/api/v1/sales/targets/?month=2025-03").json()
    assert [r["consultant"] for r in consultant["results"]] == [staff.consultant.pk] * 2
    refused = api_for(staff.consultant).put(
        "/api/v1/sales/targets/month/", {"month": "2025-03", "rows": []}, format="json"
    )
    assert refused.status_code == 403
    assert api_for(staff.cr_specialist).get("/api/v1/sales/targets/").status_code == 403


# --- day confirmation ---------------------------------------------------------------------------


def test_daily_page_lists_the_day_and_confirms(cast, staff, client_for):
    yesterday = TODAY() - dt.timedelta(days=1)
    o = order(cast.a, staff.consultant, yesterday)
    delivery(cast.a, staff.consultant2, yesterday)
    client = client_for(staff.sales_info_clerk)
    page = client.get("/sales/daily/")
    assert page.status_code == 200
    html = page.content.decode()
    assert o.number in html and 'data-testid="confirm-day"' in html
    response = client.post("/sales/daily/confirm/", {"day": yesterday.isoformat()})
    assert response.status_code == 302
    with dealership_context(cast.a):
        confirmation = DayConfirmation.objects.get(day=yesterday)
    assert (confirmation.orders, confirmation.deliveries) == (1, 1)
    assert "confirmed by" in client.get(response["Location"]).content.decode()
    tomorrow = TODAY() + dt.timedelta(days=1)
    assert client.post("/sales/daily/confirm/", {"day": tomorrow.isoformat()}).status_code == 400
    assert client.get(f"/sales/daily/?day={tomorrow:%Y-%m-%d}").status_code == 400


def test_daily_permissions(cast, staff, client_for):
    yesterday = (TODAY() - dt.timedelta(days=1)).isoformat()
    consultant = client_for(staff.consultant)
    assert 'data-testid="confirm-day"' not in consultant.get("/sales/daily/").content.decode()
    assert consultant.post("/sales/daily/confirm/", {"day": yesterday}).status_code == 403
    assert client_for(staff.cr_specialist).get("/sales/daily/").status_code == 403
    assert (
        client_for(staff.cr_specialist)
        .post("/sales/daily/confirm/", {"day": yesterday})
        .status_code
        == 403
    )
    with dealership_context(cast.a):
        assert not DayConfirmation.objects.exists()


def test_day_confirmations_api(cast, staff, api_for):
    yesterday = TODAY() - dt.timedelta(days=1)
    order(cast.a, staff.consultant, yesterday)
    api = api_for(staff.sales_info_clerk)
    response = api.post(
        "/api/v1/sales/day-confirmations/", {"day": yesterday.isoformat()}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["orders"] == 1
    again = api.post(
        "/api/v1/sales/day-confirmations/", {"day": yesterday.isoformat()}, format="json"
    )
    assert again.json()["id"] == response.json()["id"]
    listed = api.get(f"/api/v1/sales/day-confirmations/?day={yesterday:%Y-%m-%d}").json()
    assert len(listed["results"]) == 1
    future = api.post(
        "/api/v1/sales/day-confirmations/",
        {"day": (TODAY() + dt.timedelta(days=1)).isoformat()},
        format="json",
    )
    assert future.status_code == 400 and "day" in future.json()["error"]["fields"]
    refused = api_for(staff.consultant).post(
        "/api/v1/sales/day-confirmations/", {"day": yesterday.isoformat()}, format="json"
    )
    assert refused.status_code == 403


# --- widgets ------------------------------------------------------------------------------------


def test_widgets_are_shown_to_who_may_open_the_board(cast, staff, client_for):
    _floor(cast, staff)

    def keys(user):
        response = client_for(user).get("/")
        response = (
            client_for(user).get(response.get("Location", "/dashboard/"))
            if response.status_code == 302
            else response
        )
        return {w.key for w, _ in response.context["widgets"]}

    assert "sales_my_month" in keys(staff.consultant)
    assert "sales_today" not in keys(staff.consultant)
    assert "sales_today" in keys(staff.sales_manager)
    assert "sales_my_month" not in keys(staff.sales_manager)
    cr = keys(staff.cr_specialist)
    assert "sales_today" not in cr and "sales_my_month" not in cr
