"""The crm pages and API: status codes, 400s naming the field, phone masking (a CR specialist
without ``crm.view_customer_phone`` vs a sales follow-up specialist with it), who sees what (a
consultant only their own customers, another dealership's GM nothing), constant queries on
the lists, the import pages and the merge."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm import services
from crm.models import Customer, Vehicle
from dealership.tenancy import dealership_context
from tests.crm.conftest import VINS

pytestmark = pytest.mark.django_db

API = "/api/v1/crm/customers/"
VEHICLES = "/api/v1/crm/vehicles/"


def _customer(cast, owner, name="王伟", mobile="13800138000", **fields):
    with dealership_context(cast.a):
        return services.customer_create(actor=owner, name=name, mobile=mobile, **fields)


def test_pages_answer_200(cast, staff, client_for):
    customer = _customer(cast, staff.consultant)
    with dealership_context(cast.a):
        vehicle = services.vehicle_create(actor=staff.consultant, owner=customer, vin=VINS[0])
    client = client_for(staff.crm_director)
    for url in (
        "/crm/customers/",
        "/crm/customers/?q=王&kind=person&source=walk_in",
        f"/crm/customers/?q={VINS[0][-6:]}",
        "/crm/customers/new/",
        f"/crm/customers/{customer.pk}/",
        f"/crm/customers/{customer.pk}/edit/",
        "/crm/customers/import/",
        "/crm/customers/duplicates/",
        "/crm/vehicles/",
        "/crm/vehicles/new/",
        f"/crm/vehicles/{vehicle.pk}/",
        f"/crm/vehicles/{vehicle.pk}/edit/",
        f"/crm/vehicles/{vehicle.pk}/transfer/",
    ):
        assert client.get(url).status_code == 200, url


def test_search_finds_by_phone_plate_and_vin(cast, staff, client_for):
    customer = _customer(cast, staff.consultant)
    _customer(cast, staff.consultant, name="李娜", mobile="13900001111")
    with dealership_context(cast.a):
        services.vehicle_create(
            actor=staff.consultant, owner=customer, vin=VINS[0], plate="鄂A12345"
        )
    client = client_for(staff.consultant)
    for q in ("0013", "鄂A12345", VINS[0][-8:], "王伟"):
        names = [
            r.record.name
            for r in client.get("/crm/customers/", {"q": q}).context["table"].page.object_list
        ]
        assert names == ["王伟"], q


def test_phone_is_masked_without_the_capability(cast, staff, client_for, api_for):
    customer = _customer(cast, staff.consultant)
    masked, shown = "138****8000", "13800138000"
    for user, expected in ((staff.cr_specialist, masked), (staff.sales_followup_specialist, shown)):
        client = client_for(user)
        page = client.get("/crm/customers/").content.decode()
        detail = client.get(f"/crm/customers/{customer.pk}/").content.decode()
        body = api_for(user).get(f"{API}{customer.pk}/").json()
        listed = api_for(user).get(API).json()["results"][0]
        assert expected in page and expected in detail, user
        assert body["mobile"] == expected and listed["mobile"] == expected
        if expected == masked:
            assert shown not in page and shown not in detail


def test_a_consultant_sees_only_their_own_customers(cast, staff, client_for, api_for):
    mine = _customer(cast, staff.consultant)
    theirs = _customer(cast, staff.consultant2, name="李娜", mobile="13900001111")
    with dealership_context(cast.a):
        their_car = services.vehicle_create(actor=staff.consultant2, owner=theirs, vin=VINS[1])
    client = client_for(staff.consultant)
    assert client.get(f"/crm/customers/{mine.pk}/").status_code == 200
    assert client.get(f"/crm/customers/{theirs.pk}/").status_code == 404
    assert client.get(f"/crm/vehicles/{their_car.pk}/").status_code == 404
    assert [c["id"] for c in api_for(staff.consultant).get(API).json()["results"]] == [mine.pk]
    assert api_for(staff.consultant).get(f"{VEHICLES}{their_car.pk}/").status_code == 404
    # the sales manager (department) sees both consultants' customers
    ids = {c["id"] for c in api_for(staff.sales_manager).get(API).json()["results"]}
    assert ids == {mine.pk, theirs.pk}


def test_another_dealerships_gm_gets_404(cast, staff, client_for, api_for):
    customer = _customer(cast, staff.consultant)
    with dealership_context(cast.a):
        vehicle = services.vehicle_create(actor=staff.consultant, owner=customer, vin=VINS[0])
    assert client_for(cast.user_b).get(f"/crm/customers/{customer.pk}/").status_code == 404
    assert client_for(cast.user_b).get(f"/crm/vehicles/{vehicle.pk}/").status_code == 404
    assert api_for(cast.user_b).get(f"{API}{customer.pk}/").status_code == 404
    assert api_for(cast.user_b).patch(f"{API}{customer.pk}/", {"name": "x"}).status_code == 404


def test_api_creates_and_updates_through_the_services(cast, staff, api_for):
    api = api_for(staff.consultant)
    response = api.post(
        API, {"name": "王伟", "mobile": "+86 13800138000", "source": "autohome"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mobile"] == "13800138000" and body["owner"] == staff.consultant.pk
    response = api.patch(f"{API}{body['id']}/", {"city": "武汉市"}, format="json")
    assert response.status_code == 200 and response.json()["city"] == "武汉市"
    response = api.post(
        VEHICLES, {"vin": VINS[0].lower(), "owner": body["id"], "mileage": 10}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["vin"] == VINS[0] and len(response.json()["ownerships"]) == 1


@pytest.mark.parametrize(
    "url, payload, field",
    [
        (API, {"name": "王伟", "mobile": "12345"}, "mobile"),
        (API, {"name": "王伟", "mobile": "13800138000"}, "mobile"),  # duplicate
        (VEHICLES, {"vin": "LVGBE40K0NG000012"}, "vin"),  # check digit
        (VEHICLES, {"vin": VINS[0], "registration_date": "2999-01-01"}, "registration_date"),
        (VEHICLES, {"vin": VINS[0], "mileage": -3}, "mileage"),
        (VEHICLES, {"vin": VINS[3]}, "vin"),  # duplicate
    ],
)
def test_api_bad_input_answers_400_naming_the_field(cast, staff, api_for, url, payload, field):
    customer = _customer(cast, staff.crm_director)
    with dealership_context(cast.a):
        services.vehicle_create(actor=staff.crm_director, owner=customer, vin=VINS[3])
        before = Customer.objects.count(), Vehicle.objects.count()
    response = api_for(staff.crm_director).post(url, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"], response.json()
    with dealership_context(cast.a):
        assert (Customer.objects.count(), Vehicle.objects.count()) == before


def test_page_refuses_a_duplicate_mobile_linking_the_existing_customer(cast, staff, client_for):
    existing = _customer(cast, staff.consultant)
    response = client_for(staff.consultant).post(
        "/crm/customers/new/",
        {"name": "王二", "kind": "person", "source": "walk_in", "mobile": "13800138000"},
    )
    assert response.status_code == 400
    assert existing.get_absolute_url() in response.content.decode()
    assert "mobile" in response.context["form"].errors


def test_page_creates_a_customer(cast, staff, client_for):
    response = client_for(staff.consultant).post(
        "/crm/customers/new/",
        {"name": "王二", "kind": "person", "source": "walk_in", "mobile": "13800138000"},
    )
    assert response.status_code == 302
    with dealership_context(cast.a):
        assert Customer.objects.get().owner == staff.consultant


def _list_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_lists_use_a_constant_number_of_queries(cast, staff, client_for, api_for):
    client = client_for(staff.crm_director)
    api = api_for(staff.crm_director)

    def add(n, start):
        with dealership_context(cast.a):
            for i in range(start, start + n):
                customer = services.customer_create(
                    actor=staff.consultant, name=f"客户{i}", mobile=f"139000{i:05d}"
                )
                from crm.services.validators import vin_check_digit

                body = f"LVGBE40K0NG{i:06d}"
                services.vehicle_create(
                    actor=staff.consultant,
                    owner=customer,
                    vin=body[:8] + vin_check_digit(body) + body[9:],
                )

    add(1, 0)
    counts_1 = [_list_queries(client, u) for u in ("/crm/customers/", "/crm/vehicles/")]
    api_1 = [_list_queries(api, u) for u in (API, VEHICLES)]
    add(19, 1)
    counts_20 = [_list_queries(client, u) for u in ("/crm/customers/", "/crm/vehicles/")]
    api_20 = [_list_queries(api, u) for u in (API, VEHICLES)]
    assert counts_1 == counts_20
    assert api_1 == api_20


def test_import_pages_preview_then_import(cast, staff, client_for):
    client = client_for(staff.crm_director)
    header = "姓名,手机,车架号\n"
    bad = SimpleUploadedFile("c.csv", (header + "王伟,123,\n").encode())
    response = client.post("/crm/customers/import/", {"file": bad})
    assert response.status_code == 400
    assert "confirm-import" not in response.content.decode()
    good = SimpleUploadedFile("c.csv", (header + f"王伟,13800138000,{VINS[0]}\n").encode())
    response = client.post("/crm/customers/import/", {"file": good})
    assert response.status_code == 200 and "confirm-import" in response.content.decode()
    with dealership_context(cast.a):
        assert not Customer.objects.exists()
    response = client.post("/crm/customers/import/", {"confirm": "1"})
    assert response.status_code == 302
    with dealership_context(cast.a):
        assert Customer.objects.get().vehicles.get().vin == VINS[0]
    assert client_for(staff.cr_specialist).get("/crm/customers/import/").status_code == 403


def test_duplicates_page_and_merge(cast, staff, client_for):
    keep = _customer(cast, staff.consultant, city="武汉市")
    merged = _customer(cast, staff.consultant2, mobile="13900001111", city="武汉市")
    page = client_for(staff.crm_director).get("/crm/customers/duplicates/").content.decode()
    assert merged.get_absolute_url() in page and 'data-testid="merge"' in page
    assert (
        'data-testid="merge"'
        not in client_for(staff.sales_manager).get("/crm/customers/duplicates/").content.decode()
    )
    response = client_for(staff.sales_manager).post(
        "/crm/customers/merge/", {"keep": keep.pk, "merge": merged.pk}
    )
    assert response.status_code == 403
    response = client_for(staff.crm_director).post(
        "/crm/customers/merge/", {"keep": keep.pk, "merge": merged.pk}
    )
    assert response.status_code == 302
    with dealership_context(cast.a):
        assert list(Customer.objects.values_list("pk", flat=True)) == [keep.pk]


def test_navigation_shows_customers_only_to_who_may_open_them(cast, staff, client_for):
    from tests.factories import UserFactory, hire

    technician = UserFactory(username="crm_tech")
    hire(technician, cast.a, "technician")
    assert "/crm/customers/" in client_for(staff.consultant).get("/crm/customers/").content.decode()
    assert client_for(technician).get("/crm/customers/").status_code == 403
