"""Market intelligence (competitor observations, advertising spends): the services (checks,
audit, who may write what), the pages (month filter, forms refusing bad input with a message,
edit and delete buttons for who may use them, the menu) and the API, with dealership B's rows
never seen from A."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import AdvertisingSpend, CompetitorObservation
from crm.services import intelligence as services
from dealership.models import AuditEntry
from dealership.tenancy import dealership_context
from tests.crm.factories import FACTORIES
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db
API = "/api/v1/crm/"
MARKETING = (
    "marketing_manager",
    "marketing_specialist",
    "customer_relations_manager",
    "sales_consultant",
)


@pytest.fixture
def people(cast) -> dict:
    """A's marketing manager, two marketing specialists, the customer-relations manager and a
    sales consultant; ``gm`` is A's GM."""
    made = {"gm": cast.user_a}
    for code in MARKETING:
        user = UserFactory(username=f"intel_{code}", name=f"intel {code}")
        hire(user, cast.a, code)
        made[code] = user
    second = UserFactory(username="intel_specialist2", name="intel specialist 2")
    hire(second, cast.a, "marketing_specialist")
    made["specialist2"] = second
    return made


def observe(dealership, actor, **fields):
    values = {
        "brand": "比亚迪",
        "model": "秦PLUS",
        "price": Decimal("99800.00"),
        "observed_on": dt.date(2026, 10, 12),
        "promotion": "",
        "source": "",
        **fields,
    }
    with dealership_context(dealership):
        return services.competitor_observation_create(actor=actor, **values)


def spend(dealership, actor, **fields):
    values = {
        "channel": "auto_portal",
        "description": "汽车之家 10月置顶",
        "period_start": dt.date(2026, 10, 1),
        "period_end": dt.date(2026, 10, 31),
        "cost": Decimal("12000.00"),
        "leads_attributed": 30,
        **fields,
    }
    with dealership_context(dealership):
        return services.advertising_spend_create(actor=actor, **values)


# --- services -----------------------------------------------------------------------------------


def test_an_observation_is_recorded_corrected_and_deleted_with_the_audit(cast, people):
    manager = people["marketing_manager"]
    obs = observe(
        cast.a, manager, price=Decimal("159800.5"), promotion=" 首付0元 ", source="对手展厅"
    )
    assert obs.recorded_by == manager
    assert obs.price == Decimal("159800.50") and obs.promotion == "首付0元"
    with dealership_context(cast.a):
        changed = services.competitor_observation_update(
            actor=manager, observation_id=obs.pk, price=Decimal("155000")
        )
        assert CompetitorObservation.objects.get(pk=obs.pk).price == Decimal("155000.00")
        services.competitor_observation_delete(actor=manager, observation_id=obs.pk)
        assert not CompetitorObservation.objects.filter(pk=obs.pk).exists()
        entries = list(
            AuditEntry.objects.filter(
                object_type="crm.CompetitorObservation", object_id=str(obs.pk)
            ).order_by("pk")
        )
    assert changed.price == Decimal("155000.00")
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert entries[1].before["price"] == "159800.50" and entries[1].after["price"] == "155000.00"
    assert entries[2].before["brand"] == "比亚迪" and entries[2].actor == manager


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"price": Decimal("-1")}, "price", "cannot be negative"),
        ({"price": "12.345"}, "price", "at most two decimals"),
        ({"price": "abc"}, "price", "amount in yuan"),
        ({"brand": "  "}, "brand", "competitor brand"),
        ({"observed_on": dt.date(2099, 1, 1)}, "observed_on", "future"),
    ],
)
def test_an_observation_with_bad_values_is_refused(cast, people, fields, field, message):
    with pytest.raises(ValidationError) as error:
        observe(cast.a, people["marketing_manager"], **fields)
    assert message in " ".join(error.value.message_dict[field])
    with dealership_context(cast.a):
        assert not CompetitorObservation.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"period_end": dt.date(2026, 9, 30)}, "period_end", "cannot end before it starts"),
        ({"cost": Decimal("-0.01")}, "cost", "cannot be negative"),
        ({"leads_attributed": -3}, "leads_attributed", "cannot be negative"),
        ({"channel": "pigeon"}, "channel", "Pick a channel"),
        ({"description": ""}, "description", "description"),
    ],
)
def test_a_spend_with_bad_values_is_refused(cast, people, fields, field, message):
    with pytest.raises(ValidationError) as error:
        spend(cast.a, people["marketing_manager"], **fields)
    assert message in " ".join(error.value.message_dict[field])


def test_a_spend_is_corrected_and_deleted(cast, people):
    manager = people["marketing_manager"]
    made = spend(cast.a, manager, leads_attributed=0)
    with dealership_context(cast.a):
        services.advertising_spend_update(actor=manager, spend_id=made.pk, leads_attributed=42)
        assert AdvertisingSpend.objects.get(pk=made.pk).leads_attributed == 42
        with pytest.raises(ValidationError):
            services.advertising_spend_update(
                actor=manager, spend_id=made.pk, period_end=dt.date(2026, 9, 1)
            )
        with pytest.raises(ValidationError):
            services.advertising_spend_update(actor=manager, spend_id=made.pk, recorded_by=None)
        services.advertising_spend_delete(actor=manager, spend_id=made.pk)
        assert not AdvertisingSpend.objects.exists()
        actions = AuditEntry.objects.filter(object_type="crm.AdvertisingSpend").order_by("pk")
        assert list(actions.values_list("action", flat=True)) == ["create", "update", "delete"]


def test_a_specialist_keeps_their_own_records_and_the_managers_all(cast, people):
    mine = observe(cast.a, people["marketing_specialist"], model="汉EV")
    theirs = observe(cast.a, people["specialist2"], model="海豹")
    with dealership_context(cast.a):
        seen = set(
            CompetitorObservation.objects.for_user(
                people["marketing_specialist"], "view"
            ).values_list("model", flat=True)
        )
        assert seen == {"汉EV"}
        for code in ("marketing_manager", "customer_relations_manager", "gm"):
            rows = CompetitorObservation.objects.for_user(people[code], "view")
            assert set(rows.values_list("pk", flat=True)) == {mine.pk, theirs.pk}, code
        with pytest.raises(Http404):  # outside the specialist's scope
            services.competitor_observation_update(
                actor=people["marketing_specialist"], observation_id=theirs.pk, price=1
            )
        with pytest.raises(Http404):
            services.competitor_observation_delete(
                actor=people["marketing_specialist"], observation_id=theirs.pk
            )
        services.competitor_observation_update(
            actor=people["marketing_manager"], observation_id=mine.pk, price=1
        )


def test_a_sales_consultant_and_hq_record_nothing(cast, people, api_for):
    with pytest.raises(PermissionDenied):
        observe(cast.a, people["sales_consultant"])
    with pytest.raises(PermissionDenied):
        spend(cast.a, people["sales_consultant"])
    hq = api_for(cast.hq_user).post(
        API + "competitor-observations/",
        {"brand": "丰田", "model": "凯美瑞", "price": "1", "observed_on": "2026-10-01"},
        format="json",
    )
    assert hq.status_code == 403
    with dealership_context(cast.a):
        assert not CompetitorObservation.objects.exists()


# --- pages --------------------------------------------------------------------------------------


def test_the_list_shows_the_month_asked_for(cast, people, client_for):
    manager = people["marketing_manager"]
    observe(cast.a, manager, model="十月款", observed_on=dt.date(2026, 10, 31))
    observe(cast.a, manager, model="九月款", observed_on=dt.date(2026, 9, 30))
    observe(cast.b, cast.user_b, model="B店的")
    client = client_for(manager)
    page = client.get(reverse("crm:observation_list"), {"month": "2026-10"}).content.decode()
    assert "十月款" in page and "九月款" not in page and "B店的" not in page
    every = client.get(reverse("crm:observation_list")).content.decode()
    assert "十月款" in every and "九月款" in every and "B店的" not in every
    bad = client.get(reverse("crm:observation_list"), {"month": "2026-13"})
    assert bad.status_code == 200 and "Give a month as YYYY-MM" in bad.content.decode()

    spend(cast.a, manager, description="十月投放", period_start=dt.date(2026, 10, 25))
    spend(
        cast.a,
        manager,
        description="九月投放",
        period_start=dt.date(2026, 9, 20),
        period_end=dt.date(2026, 10, 5),
    )
    page = client.get(reverse("crm:spend_list"), {"month": "2026-10"}).content.decode()
    assert "十月投放" in page and "九月投放" not in page
    page = client.get(reverse("crm:spend_list"), {"channel": "tv"}).content.decode()
    assert "十月投放" not in page and "No advertising spends." in page


def test_recording_on_the_pages_and_bad_input_answers_400_with_the_reason(cast, people, client_for):
    client = client_for(people["marketing_specialist"])
    url = reverse("crm:observation_create")
    assert client.get(url).status_code == 200
    form = {
        "brand": "大众",
        "model": "帕萨特",
        "price": "-100",
        "observed_on": "2026-10-03",
        "promotion": "",
        "source": "",
    }
    refused = client.post(url, form)
    assert refused.status_code == 400
    assert "greater than or equal to 0" in refused.content.decode()
    form["price"] = "181900.00"
    assert client.post(url, form).status_code == 302
    with dealership_context(cast.a):
        made = CompetitorObservation.objects.get()
    assert made.price == Decimal("181900.00")
    assert made.recorded_by == people["marketing_specialist"]

    url = reverse("crm:spend_create")
    data = {
        "channel": "social",
        "description": "抖音直播",
        "period_start": "2026-10-10",
        "period_end": "2026-10-01",
        "cost": "5000",
        "leads_attributed": "12",
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "The period cannot end before it starts." in refused.content.decode()
    data["period_end"] = "2026-10-20"
    assert client.post(url, data).status_code == 302
    with dealership_context(cast.a):
        assert AdvertisingSpend.objects.get().cost == Decimal("5000.00")


def test_edit_and_delete_on_the_pages(cast, people, client_for):
    specialist = people["marketing_specialist"]
    mine = observe(cast.a, specialist, model="自己的")
    theirs = observe(cast.a, people["specialist2"], model="别人的")
    client = client_for(specialist)
    page = client.get(reverse("crm:observation_list")).content.decode()
    assert reverse("crm:observation_edit", kwargs={"pk": mine.pk}) in page
    assert "别人的" not in page
    assert client.get(reverse("crm:observation_edit", kwargs={"pk": theirs.pk})).status_code == 404
    response = client.post(
        reverse("crm:observation_edit", kwargs={"pk": mine.pk}),
        {"brand": "比亚迪", "model": "自己的", "price": "88000", "observed_on": "2026-10-12"},
    )
    assert response.status_code == 302
    assert (
        client.post(reverse("crm:observation_delete", kwargs={"pk": theirs.pk})).status_code == 404
    )
    assert client.post(reverse("crm:observation_delete", kwargs={"pk": mine.pk})).status_code == 302
    with dealership_context(cast.a):
        assert list(CompetitorObservation.objects.values_list("pk", flat=True)) == [theirs.pk]

    made = spend(cast.a, specialist)
    manager = client_for(people["marketing_manager"])
    assert manager.post(reverse("crm:spend_delete", kwargs={"pk": made.pk})).status_code == 302
    with dealership_context(cast.a):
        assert not AdvertisingSpend.objects.exists()


def test_who_opens_the_pages_and_sees_the_menu(cast, people, client_for):
    lists = (reverse("crm:observation_list"), reverse("crm:spend_list"))
    for code in ("marketing_manager", "marketing_specialist", "customer_relations_manager", "gm"):
        client = client_for(people[code])
        for url in lists:
            assert client.get(url).status_code == 200, (code, url)
        dashboard = client.get(reverse("dashboard")).content.decode()
        assert all(url in dashboard for url in lists), code
    consultant = client_for(people["sales_consultant"])
    for url in lists:
        assert consultant.get(url).status_code == 403
    assert consultant.get(reverse("crm:observation_create")).status_code == 403
    dashboard = consultant.get(reverse("dashboard")).content.decode()
    assert not any(url in dashboard for url in lists)


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_lists_use_a_constant_number_of_queries(cast, people, client_for, api_for):
    manager = people["marketing_manager"]
    for n in range(2):
        observe(cast.a, manager, model=f"M{n}")
        spend(cast.a, people["marketing_specialist"], description=f"S{n}")
    client, api = client_for(manager), api_for(manager)
    urls = (
        reverse("crm:observation_list"),
        reverse("crm:spend_list"),
        API + "competitor-observations/",
        API + "advertising-spends/",
    )
    before = [_count_queries(api if u.startswith("/api/") else client, u) for u in urls]
    for n in range(2, 12):
        observe(cast.a, people["marketing_specialist"], model=f"M{n}")
        spend(cast.a, manager, description=f"S{n}")
    after = [_count_queries(api if u.startswith("/api/") else client, u) for u in urls]
    assert after == before


# --- API ----------------------------------------------------------------------------------------


def test_api_records_lists_changes_and_deletes(cast, people, api_for):
    api = api_for(people["marketing_manager"])
    created = api.post(
        API + "competitor-observations/",
        {
            "brand": "本田",
            "model": "雅阁",
            "price": "169800.00",
            "observed_on": "2026-10-08",
            "promotion": "置换补贴5000",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["price"] == "169800.00" and body["recorded_by"]["name"] == "intel marketing_manager"
    observe(cast.a, people["marketing_manager"], model="九月", observed_on=dt.date(2026, 9, 2))
    listed = api.get(API + "competitor-observations/", {"month": "2026-10"}).json()
    assert [row["model"] for row in listed["results"]] == ["雅阁"]
    url = f"{API}competitor-observations/{body['id']}/"
    patched = api.patch(url, {"price": "165000"}, format="json")
    assert patched.status_code == 200 and patched.json()["price"] == "165000.00"
    assert api.delete(url).status_code == 204
    with dealership_context(cast.a):
        assert not CompetitorObservation.objects.filter(pk=body["id"]).exists()

    created = api.post(
        API + "advertising-spends/",
        {
            "channel": "tv",
            "description": "电视台15秒",
            "period_start": "2026-10-01",
            "period_end": "2026-10-15",
            "cost": "30000.00",
            "leads_attributed": 20,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    listed = api.get(API + "advertising-spends/", {"channel": "tv", "month": "2026-10"}).json()
    assert [row["cost"] for row in listed["results"]] == ["30000.00"]
    assert api.get(API + "advertising-spends/", {"channel": "radio"}).json()["results"] == []


def test_api_bad_input_answers_400_with_the_reason(cast, people, api_for):
    api = api_for(people["marketing_manager"])
    negative = api.post(
        API + "competitor-observations/",
        {"brand": "本田", "model": "雅阁", "price": "-5", "observed_on": "2026-10-08"},
        format="json",
    )
    assert negative.status_code == 400
    assert negative.json()["error"]["fields"]["price"]
    backwards = api.post(
        API + "advertising-spends/",
        {
            "channel": "tv",
            "description": "电视台",
            "period_start": "2026-10-15",
            "period_end": "2026-10-01",
            "cost": "100",
        },
        format="json",
    )
    assert backwards.status_code == 400
    assert backwards.json()["error"]["fields"]["period_end"] == [
        "The period cannot end before it starts."
    ]
    made = spend(cast.a, people["marketing_manager"])
    patched = api.patch(
        f"{API}advertising-spends/{made.pk}/", {"period_end": "2026-09-01"}, format="json"
    )
    assert patched.status_code == 400
    assert "cannot end before it starts" in patched.json()["error"]["fields"]["period_end"][0]
    assert api.get(API + "advertising-spends/", {"month": "10/2026"}).status_code == 400
    assert api.get(API + "advertising-spends/", {"channel": "pigeon"}).status_code == 400
    with dealership_context(cast.a):
        assert not CompetitorObservation.objects.exists()
        assert AdvertisingSpend.objects.get().period_end == dt.date(2026, 10, 31)


def test_api_keeps_dealerships_and_scopes_apart(cast, people, api_for):
    theirs = observe(cast.b, cast.user_b, model="B店的")
    other = observe(cast.a, people["specialist2"], model="同事的")
    api = api_for(people["marketing_specialist"])
    assert api.get(API + "competitor-observations/").json()["results"] == []
    assert api.get(f"{API}competitor-observations/{theirs.pk}/").status_code == 404
    assert api.get(f"{API}competitor-observations/{other.pk}/").status_code == 404
    assert api.delete(f"{API}competitor-observations/{other.pk}/").status_code == 404
    gm_b = api_for(cast.user_b).get(API + "competitor-observations/").json()["results"]
    assert [row["model"] for row in gm_b] == ["B店的"]
    consultant = api_for(people["sales_consultant"])
    assert consultant.get(API + "advertising-spends/").status_code == 403
    made = FACTORIES["AdvertisingSpend"](dealership=cast.a)
    assert consultant.get(f"{API}advertising-spends/{made.pk}/").status_code == 403
