"""The e-CRB board page, its API, the dashboard panel and the navigation entry: who opens them
(CRM managers, GM, HQ; not a consultant), what each sees (B's GM only B; HQ one row per
dealership and the group's total), the SVG chart (no script, no external reference) and the
queries (a constant number, for HQ as for a dealership: one set per time zone of the group)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealership.tenancy import dealership_context
from tests.crm.test_board_figures import (
    SHANGHAI,
    TODAY,
    YESTERDAY,
    _survey,
    make_order,
    make_repair_order,
)

pytestmark = pytest.mark.django_db

PAGE = "/crm/board/"
API = "/api/v1/crm/board/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 3, 15, 9, 30, tzinfo=SHANGHAI), tick=False):
        yield


def _figures(data) -> dict:
    return {f["code"]: f["value"] for f in data}


def _cell(html: str, code: str) -> str:
    match = re.search(
        rf'data-figure="{re.escape(code)}".*?data-testid="figure-value">(.*?)</div>', html, re.S
    )
    assert match, code
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_the_crm_manager_sees_the_dealership_s_board_with_its_chart(cast, team, client_for):
    make_order(cast.a, YESTERDAY)
    make_order(cast.a, YESTERDAY)
    make_repair_order(cast.a, dt.datetime(2026, 3, 14, 10, tzinfo=SHANGHAI))
    _survey(cast, team, "sales", "9", dt.datetime(2026, 3, 2, 10, tzinfo=SHANGHAI))
    _survey(cast, team, "service", "7", dt.datetime(2025, 12, 2, 10, tzinfo=SHANGHAI))
    response = client_for(team.customer_relations_manager).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert _cell(html, "sales.orders") == "2"
    assert _cell(html, "aftersales.checkins_5k") == "1"
    assert _cell(html, "crm.ssi") == "9.00"
    assert _cell(html, "crm.csi") == "—"  # no service survey this month
    assert _cell(html, "crm.contact_target") == "100%"
    # the list behind a figure is linked for who may open it
    assert 'href="/sales/orders/"' in html
    # the trend chart: inline SVG, no script, nothing fetched from elsewhere
    chart = re.search(r'<figure class="board-chart.*?</figure>', html, re.S).group(0)
    svg = re.search(r"<svg.*?</svg>", chart, re.S).group(0)
    assert "<script" not in svg
    assert set(re.findall(r"https?://[^\s\"'<>)]+", svg)) <= {"http://www.w3.org/2000/svg"}
    assert "xlink:href" not in svg and "@import" not in svg and "url(" not in svg
    assert "2025-12" in svg and "2026-03" in svg  # twelve months up to this one


@pytest.mark.parametrize("who", ["gm", "deputy_gm", "crm_director", "csi_ssi_admin"])
def test_the_management_opens_the_board(cast, team, client_for, api_for, who):
    if who == "csi_ssi_admin":
        from tests.factories import UserFactory, hire

        user = UserFactory(username="team_csi_ssi_admin")
        hire(user, cast.a, "csi_ssi_admin")
    else:
        user = getattr(team, who)
    assert client_for(user).get(PAGE).status_code == 200
    assert api_for(user).get(API).status_code == 200


@pytest.mark.parametrize("who", ["sales_consultant", "cr_specialist", "sales_manager"])
def test_others_get_403_on_the_page_and_the_api(cast, team, client_for, api_for, who):
    user = getattr(team, who)
    assert client_for(user).get(PAGE).status_code == 403
    assert api_for(user).get(API).status_code == 403


def test_b_s_gm_sees_only_b(cast, team, client_for, api_for):
    make_order(cast.a, YESTERDAY)
    make_order(cast.b, YESTERDAY)
    make_order(cast.b, YESTERDAY)
    data = api_for(cast.user_b).get(API).json()
    assert _figures(data["figures"])["sales.orders"] == 2
    html = client_for(cast.user_b).get(PAGE).content.decode()
    assert _cell(html, "sales.orders") == "2"
    assert _figures(api_for(cast.user_a).get(API).json()["figures"])["sales.orders"] == 1


def test_the_api_gives_code_label_value_and_unit(cast, team, api_for):
    make_order(cast.a, YESTERDAY)
    response = api_for(team.crm_director).get(API)
    assert response.status_code == 200
    data = response.json()
    assert data["day"] == "2026-03-15" and data["yesterday"] == "2026-03-14"
    by_code = {f["code"]: f for f in data["figures"]}
    assert by_code["sales.orders"] == {
        "code": "sales.orders",
        "label": "Orders",
        "group": "day",
        "value": 1,
        "unit": "",
    }
    assert by_code["crm.contact_target"]["unit"] == "%"
    assert data["trend"]["months"][-1] == "2026-03" and len(data["trend"]["months"]) == 12
    # another day: "yesterday" moves with it
    earlier = api_for(team.crm_director).get(API, {"day": "2026-03-16"})
    assert earlier.status_code == 400 and "day" in earlier.json()["error"]["fields"]
    assert api_for(team.crm_director).get(API, {"day": "15/03/2026"}).status_code == 400
    past = api_for(team.crm_director).get(API, {"day": "2026-03-14"}).json()
    assert past["yesterday"] == "2026-03-13"
    assert _figures(past["figures"])["sales.orders"] == 0


def test_a_bad_day_on_the_page_is_a_400_with_a_message(cast, team, client_for):
    response = client_for(team.crm_director).get(PAGE, {"day": "2026-13-01"})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.content.decode()
    assert client_for(team.crm_director).get(PAGE, {"day": "2026-03-01"}).status_code == 200


def test_hq_sees_each_dealership_and_the_group_total(cast, team, client_for, api_for):
    make_order(cast.a, YESTERDAY)
    make_order(cast.a, YESTERDAY)
    make_order(cast.b, YESTERDAY)
    make_order(cast.c, YESTERDAY)  # another group
    # A: 2 sales surveys of 9 and 8 this month; B: 1 of 5 → the group's SSI 22/3, not (8.5+5)/2
    _survey(cast, team, "sales", "9", dt.datetime(2026, 3, 2, 10, tzinfo=SHANGHAI))
    _survey(cast, team, "sales", "8", dt.datetime(2026, 3, 3, 10, tzinfo=SHANGHAI))
    _b_survey(cast, "5")
    response = api_for(cast.hq_user).get(API)
    assert response.status_code == 200
    data = response.json()
    rows = {row["dealership"]: _figures(row["figures"]) for row in data["dealerships"]}
    assert set(rows) == {cast.a.pk, cast.b.pk}
    assert rows[cast.a.pk]["sales.orders"] == 2
    assert rows[cast.b.pk]["sales.orders"] == 1
    assert rows[cast.a.pk]["crm.ssi"] == "8.50"
    assert rows[cast.b.pk]["crm.ssi"] == "5.00"
    group = _figures(data["group"])
    assert group["sales.orders"] == 3
    assert group["crm.ssi"] == "7.33"
    assert group["crm.contact_target"] == 100
    assert data["trend"]["series"][0]["values"][-1] == "7.33"
    html = client_for(cast.hq_user).get(PAGE).content.decode()
    assert f'data-dealership="{cast.a.pk}"' in html and f'data-dealership="{cast.b.pk}"' in html
    total = re.search(r'data-testid="board-group-total">(.*?)</tr>', html, re.S).group(1)
    assert re.search(r'data-figure="sales.orders">(?:<a [^>]*>)?3<', total)
    assert "<svg" in html


def _b_survey(cast, score):
    from crm.models import FollowUp, Questionnaire, SurveyResponse
    from tests.crm.conftest import make_event
    from tests.factories import UserFactory, hire

    specialist = UserFactory(username="b_specialist")
    hire(specialist, cast.b, "sales_followup_specialist")
    event = make_event(cast.b, occurred_on=dt.date(2026, 2, 1))
    with dealership_context(cast.b):
        questionnaire = Questionnaire.objects.create(
            dealership=cast.b, kind="sales", version=901, title="b"
        )
        SurveyResponse.objects.create(
            dealership=cast.b,
            followup=FollowUp.objects.get(event=event),
            questionnaire=questionnaire,
            taken_at=dt.datetime(2026, 3, 4, 10, tzinfo=SHANGHAI),
            taken_by=specialist,
            score=Decimal(score),
        )


def _hq_queries(api) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get(API).status_code == 200
    return len(queries)


def test_hq_queries_are_constant_in_rows_and_dealerships(cast, team, api_for):
    """Each figure's query is grouped by dealership: HQ's board runs the same statements for 2
    dealerships as for 4 of one time zone; a dealership in another time zone adds one set (its
    own day boundaries), and a second one there adds nothing."""
    from tests import factories

    def rows():
        make_order(cast.a, YESTERDAY)
        make_repair_order(cast.b, dt.datetime(2026, 3, 14, 10, tzinfo=SHANGHAI))
        _survey(cast, team, "sales", "9", dt.datetime(2026, 3, 2, 10, tzinfo=SHANGHAI))

    api = api_for(cast.hq_user)
    rows()  # one row of each kind, then many: the same queries
    _hq_queries(api)  # warm-up
    two = _hq_queries(api)
    for _ in range(3):
        rows()
    assert _hq_queries(api) == two
    for code in ("d", "e"):
        factories.DealershipFactory(code=code, name_en=f"Store {code}", group=cast.group1)
    assert _hq_queries(api) == two
    zone = "Asia/Urumqi"
    factories.DealershipFactory(code="f", name_en="Store F", group=cast.group1, time_zone=zone)
    other_zone = _hq_queries(api)
    assert two < other_zone <= two + 15
    factories.DealershipFactory(code="g", name_en="Store G", group=cast.group1, time_zone=zone)
    assert _hq_queries(api) == other_zone


def test_hq_s_row_of_a_dealership_equals_its_figures_computed_alone(cast, team):
    """The grouped queries give each dealership exactly what the figures give it computed on
    their own in that dealership's scope (every figure, and the SSI/CSI months), B in another
    time zone counting its own day."""
    from crm.models import Membership
    from crm.selectors.board import board_days, survey_months
    from dealership.figures import figure_run, figure_values, figures_by_dealership
    from dealership.tenancy import TenantScope, tenant_context
    from tests.crm.conftest import make_event, make_owner
    from tests.crm.test_board_figures import _complaint

    london = ZoneInfo("Europe/London")
    cast.b.time_zone = "Europe/London"
    cast.b.save(update_fields=["time_zone"])
    make_order(cast.a, YESTERDAY)
    make_order(cast.a, YESTERDAY)
    make_order(cast.b, YESTERDAY)
    make_repair_order(cast.a, dt.datetime(2026, 3, 14, 10, tzinfo=SHANGHAI))
    # 23:30 in London on the 14th: B's 14th (already the 15th in Shanghai)
    make_repair_order(cast.b, dt.datetime(2026, 3, 14, 23, 30, tzinfo=london))
    make_repair_order(cast.b, dt.datetime(2026, 3, 14, 0, 30, tzinfo=london))
    _survey(cast, team, "sales", "9", dt.datetime(2026, 3, 2, 10, tzinfo=SHANGHAI))
    _survey(cast, team, "service", "7", dt.datetime(2026, 1, 2, 10, tzinfo=SHANGHAI))
    _b_survey(cast, "5")
    _complaint(cast, team, dt.datetime(2026, 3, 10, 8, tzinfo=SHANGHAI))
    for dealership in (cast.a, cast.b):
        buyer = make_owner(dealership, None)
        delivered = make_event(
            dealership, kind="sales", customer=buyer, occurred_on=dt.date(2025, 9, 10)
        )
        make_event(
            dealership,
            kind="service",
            customer=buyer,
            vehicle=delivered.vehicle,
            occurred_on=dt.date(2025, 11, 1),
        )
        make_event(dealership, kind="sales", occurred_on=dt.date(2025, 10, 3))
        make_event(dealership, kind="sales", occurred_on=TODAY - dt.timedelta(days=4))
        with dealership_context(dealership):
            Membership.objects.create(
                dealership=dealership, customer=buyer, joined_on=dt.date(2026, 1, 1)
            )

    hq = cast.hq_user
    dealerships = [cast.a, cast.b]
    days = board_days(TODAY)
    group = TenantScope.for_group(cast.group1.pk, [d.pk for d in dealerships])
    with tenant_context(group):
        together = figures_by_dealership(
            hq, TODAY, dealerships, days=days, also=lambda: survey_months(hq, TODAY)
        )
    for dealership in dealerships:
        alone = TenantScope(
            dealership_ids=frozenset({dealership.pk}),
            writable_ids=frozenset(),
            current_id=dealership.pk,
            group_id=cast.group1.pk,
        )
        with tenant_context(alone), figure_run(dealership):
            expected = {f.code: v for f, v in figure_values(hq, TODAY, days=days)}
            expected_months = survey_months(hq, TODAY)
        values, months = together[dealership.pk]
        assert {f.code: v for f, v in values} == expected, dealership.code
        assert months == expected_months
    a = {f.code: v for f, v in together[cast.a.pk][0]}
    b = {f.code: v for f, v in together[cast.b.pk][0]}
    assert (a["sales.orders"], b["sales.orders"]) == (2, 1)
    assert (a["aftersales.checkins_5k"], b["aftersales.checkins_5k"]) == (1, 2)
    assert (a["crm.complaints_open"], b["crm.complaints_open"]) == (1, 0)
    assert (a["crm.followups_due"], b["crm.followups_due"]) == (1, 1)
    assert a["crm.ssi"] == Decimal("9.00") and b["crm.ssi"] == Decimal("5.00")
    for rates in (a, b):
        assert (rates["crm.retention_rate"].part, rates["crm.retention_rate"].whole) == (1, 2)
        assert rates["crm.member_rate"].part == 1 and rates["crm.member_rate"].whole >= 3


def test_dealership_board_queries_are_constant(cast, team, api_for):
    api = api_for(team.crm_director)
    make_order(cast.a, YESTERDAY)
    _survey(cast, team, "service", "8", dt.datetime(2026, 1, 2, 10, tzinfo=SHANGHAI))
    _hq_queries(api)
    before = _hq_queries(api)
    for _ in range(3):
        make_order(cast.a, YESTERDAY)
        _survey(cast, team, "service", "8", dt.datetime(2026, 1, 2, 10, tzinfo=SHANGHAI))
    assert _hq_queries(api) == before


def test_nav_entry_and_dashboard_panel_for_who_may_open_the_board(cast, team, client_for):
    make_order(cast.a, YESTERDAY)
    html = client_for(team.customer_relations_manager).get("/dashboard/").content.decode()
    assert 'data-nav="crm_board"' in html
    assert 'data-widget="crm_board"' in html
    assert 'data-figure="sales.orders"' in html
    hq = client_for(cast.hq_user).get("/dashboard/").content.decode()
    assert 'data-widget="crm_board"' in hq
    consultant = client_for(team.sales_consultant).get("/dashboard/").content.decode()
    assert 'data-nav="crm_board"' not in consultant
    assert 'data-widget="crm_board"' not in consultant
    assert TODAY.year == 2026


def test_the_chart_escapes_every_text_it_is_given():
    from dealership.figures import line_chart

    svg = str(
        line_chart(
            ["<b>2026-01</b>"], [("<script>alert(1)</script>", [9])], title="<img src=x onerror=1>"
        )
    )
    assert "<script" not in svg and "<img" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg or "&lt;script" in svg


def test_the_schema_describes_the_board_as_one_object(cast, team, client_for, api_for):
    """The route is a viewset's ``list`` (for the router), but it answers one board: the OpenAPI
    schema must say an object, as the response is, not an array of boards."""
    schema = client_for(team.customer_relations_manager).get("/api/schema/?format=json").json()
    answer = schema["paths"][API]["get"]["responses"]["200"]["content"]["application/json"]
    assert answer["schema"] == {"$ref": "#/components/schemas/CrmBoard"}
    body = api_for(team.customer_relations_manager).get(API).json()
    assert isinstance(body, dict)
    assert set(body) <= set(schema["components"]["schemas"]["CrmBoard"]["properties"])
