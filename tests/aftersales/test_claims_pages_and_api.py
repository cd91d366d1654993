"""Pages and API of the claims area: the claim's flow on its pages, bad input answers 400,
photos served only through the claim's access check, who sees and changes claims (assessor
changes; the advisor sees no claim — the rule's "own" is the assessor's; service manager all;
sales consultant 403; HQ reads only; dealership B 404), technical cases, the service board and
the day confirmation (rights, 400s), the dashboard panels, and lists in a constant number of
queries."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftersales.models import (
    ClaimStatus,
    LineKind,
    RepairLine,
    ServiceDayConfirmation,
    TechnicalCase,
    WarrantyClaim,
    WarrantyClaimLine,
)
from dealership.tenancy import dealership_context
from tests.aftersales.conftest import make_repair_order

CLAIMS = "/aftersales/warranty-claims/"
API = "/api/v1/aftersales/warranty-claims/"
CASES_API = "/api/v1/aftersales/technical-cases/"


def today():
    return timezone.localdate()


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def warranty_line(dealership, order, amount="300.00", **fields):
    with dealership_context(dealership):
        return RepairLine.objects.create(
            dealership=dealership,
            repair_order=order,
            kind=fields.pop("kind", LineKind.LABOUR),
            description=fields.pop("description", "更换气门"),
            warranty=fields.pop("warranty", True),
            amount=Decimal(amount),
            **fields,
        )


def make_claim(dealership, order, assessor, status=ClaimStatus.DRAFT, number=None, **fields):
    line = warranty_line(dealership, order)
    with dealership_context(dealership):
        n = WarrantyClaim.objects.count() + 1
        claim = WarrantyClaim.objects.create(
            dealership=dealership,
            number=number or f"WC202601-{n:04d}",
            repair_order=order,
            fault_description="异响",
            assessor=assessor,
            status=status,
            labour_amount=line.amount,
            claimed_amount=line.amount,
            **fields,
        )
        WarrantyClaimLine.objects.create(dealership=dealership, claim=claim, line=line)
    return claim


@pytest.fixture
def order(cast, staff):
    return make_repair_order(cast.a, staff.advisor, service_type="warranty")


@pytest.fixture
def claim(cast, staff, order):
    return make_claim(cast.a, order, staff.warranty_assessor)


# --- the claim's pages --------------------------------------------------------------------------


def test_the_assessor_files_a_claim_on_the_pages(cast, staff, order, client_for):
    labour = warranty_line(cast.a, order, "320.00")
    paid = warranty_line(cast.a, order, "50.00", warranty=False, description="洗车")
    client = client_for(staff.warranty_assessor)
    assert client.get(CLAIMS).status_code == 200
    chooser = client.get(f"{CLAIMS}new/?number={order.number}")
    assert chooser.status_code == 200 and labour.description in chooser.content.decode()
    assert paid.description not in chooser.content.decode()  # only warranty lines offered
    assert client.get(f"{CLAIMS}new/?number=NOPE").status_code == 400
    # no line chosen: 400 naming the lines, nothing saved
    response = client.post(
        f"{CLAIMS}new/?repair_order={order.pk}", {"fault_description": "异响", "lines": []}
    )
    assert response.status_code == 400
    assert "warranty line" in response.content.decode()
    with dealership_context(cast.a):
        assert not WarrantyClaim.objects.exists()
    response = client.post(
        f"{CLAIMS}new/?repair_order={order.pk}",
        {"fault_description": "异响", "fault_code": "P1", "lines": [labour.pk]},
    )
    assert response.status_code == 302
    with dealership_context(cast.a):
        claim = WarrantyClaim.objects.get()
    assert claim.claimed_amount == Decimal("320.00")
    page = client.get(response.url)
    assert page.status_code == 200 and 'data-testid="claim-submit"' in page.content.decode()
    assert client.get(f"{CLAIMS}{claim.pk}/edit/").status_code == 200
    assert client.post(f"{CLAIMS}{claim.pk}/submit/", {}).status_code == 302
    # approved more than claimed: 400 with the message, still submitted
    response = client.post(
        f"{CLAIMS}{claim.pk}/approve/",
        {"approve-approved_amount": "999", "approve-oem_reference": "R"},
    )
    assert response.status_code == 400
    assert "more than the amount claimed" in response.content.decode()
    response = client.post(f"{CLAIMS}{claim.pk}/reject/", {"reject-reason": ""})
    assert response.status_code == 400
    response = client.post(
        f"{CLAIMS}{claim.pk}/approve/",
        {"approve-approved_amount": "300", "approve-oem_reference": "OEM-1"},
    )
    assert response.status_code == 302
    response = client.post(
        f"{CLAIMS}{claim.pk}/pay/",
        {"pay-paid_amount": "300", "pay-paid_on": today().isoformat()},
    )
    assert response.status_code == 302
    with dealership_context(cast.a):
        claim.refresh_from_db()
    assert (claim.status, claim.paid_amount) == (ClaimStatus.PAID, Decimal("300.00"))
    # edits only while draft: the edit page sends back to the claim
    assert client.get(f"{CLAIMS}{claim.pk}/edit/").status_code == 302
    assert client.post(f"{CLAIMS}{claim.pk}/submit/", {}).status_code == 400


def test_claim_list_filters_and_searches(cast, staff, client_for):
    first = make_repair_order(cast.a, staff.advisor)
    second = make_repair_order(cast.a, staff.advisor)
    a = make_claim(cast.a, first, staff.warranty_assessor)
    b = make_claim(cast.a, second, staff.warranty_assessor, status=ClaimStatus.SUBMITTED)
    client = client_for(staff.warranty_assessor)

    def shown(query):
        response = client.get(CLAIMS + query)
        assert response.status_code == 200
        with dealership_context(cast.a):
            return {c.pk for c in response.context["object_list"]}

    assert shown("") == {a.pk, b.pk}
    assert shown("?status=submitted") == {b.pk}
    assert shown(f"?q={second.vehicle.vin[-6:]}") == {b.pk}
    assert shown(f"?q={a.number}") == {a.pk}
    assert shown(f"?repair_order={first.pk}") == {a.pk}
    assert shown(f"?date_from={today() + dt.timedelta(days=1)}") == set()
    assert shown("?sort=-claimed&status=bogus") == {a.pk, b.pk}


# --- who sees and changes claims ----------------------------------------------------------------


def test_who_sees_and_changes_claims(cast, staff, claim, client_for):
    detail = f"{CLAIMS}{claim.pk}/"
    # the assessor and the service manager change; the GM too
    for user in (staff.warranty_assessor, staff.service_manager, staff.gm):
        page = client_for(user).get(detail)
        assert page.status_code == 200
        assert 'data-testid="claim-submit"' in page.content.decode()
    # the advisor of the repair order: the list opens but shows no claim ("own" = assessor)
    advisor = client_for(staff.advisor)
    response = advisor.get(CLAIMS)
    assert response.status_code == 200
    with dealership_context(cast.a):
        assert list(response.context["object_list"]) == []
    assert advisor.get(detail).status_code == 404
    assert advisor.get(f"{CLAIMS}new/").status_code == 403
    # the workshop supervisor and info clerk read (department) but do not change
    for user in (staff.workshop_supervisor, staff.aftersales_info_clerk):
        page = client_for(user).get(detail)
        assert page.status_code == 200
        assert 'data-testid="claim-submit"' not in page.content.decode()
        assert client_for(user).post(f"{detail}submit/").status_code == 403
    # no after-sales rights
    consultant = client_for(staff.sales_consultant)
    assert consultant.get(CLAIMS).status_code == 403
    assert consultant.get(detail).status_code == 403
    # HQ reads only
    hq = client_for(cast.hq_user)
    page = hq.get(detail)
    assert page.status_code == 200 and 'data-testid="claim-submit"' not in page.content.decode()
    assert hq.post(f"{detail}submit/").status_code == 403
    # another dealership
    assert client_for(cast.user_b).get(detail).status_code == 404
    assert client_for(cast.user_b).post(f"{detail}submit/").status_code == 404
    with dealership_context(cast.a):
        claim.refresh_from_db()
    assert claim.status == ClaimStatus.DRAFT


def test_photos_are_served_only_through_the_claims_access(
    cast, staff, claim, client_for, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    client = client_for(staff.warranty_assessor)
    url = f"{CLAIMS}{claim.pk}/photos/"
    bad = SimpleUploadedFile("x.jpg", b"<html><script>alert(1)</script>", "image/jpeg")
    response = client.post(url, {"photo": bad})
    assert response.status_code == 400
    assert "JPEG, PNG or WebP" in response.content.decode()
    response = client.post(url, {"photo": SimpleUploadedFile("f.png", png_bytes(), "image/png")})
    assert response.status_code == 302
    with dealership_context(cast.a):
        photo = claim.photos.get()
    served = f"{CLAIMS}photos/{photo.pk}/"
    response = client.get(served)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == png_bytes()
    assert client_for(staff.service_manager).get(served).status_code == 200
    assert client_for(staff.advisor).get(served).status_code == 404
    assert client_for(staff.sales_consultant).get(served).status_code == 403
    assert client_for(cast.user_b).get(served).status_code == 404
    # the advisor may not add one either
    response = client_for(staff.advisor).post(
        url, {"photo": SimpleUploadedFile("f.png", png_bytes(), "image/png")}
    )
    assert response.status_code == 404


# --- the API ------------------------------------------------------------------------------------


def test_claims_api_flow_and_400s(cast, staff, order, api_for, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    labour = warranty_line(cast.a, order, "200.00")
    paid = warranty_line(cast.a, order, "80.00", warranty=False)
    api = api_for(staff.warranty_assessor)
    # bad input: 400, nothing saved
    for body in (
        {"repair_order": order.pk, "lines": [], "fault_description": "x"},
        {"repair_order": order.pk, "lines": [paid.pk], "fault_description": "x"},
        {"repair_order": order.pk, "lines": "abc", "fault_description": "x"},
        {"repair_order": order.pk, "lines": [labour.pk], "fault_description": ""},
        {"lines": [labour.pk], "fault_description": "x"},
    ):
        assert api.post(API, body, format="json").status_code == 400, body
    theirs = make_repair_order(cast.b, cast.user_b)
    response = api.post(
        API, {"repair_order": theirs.pk, "lines": [1], "fault_description": "x"}, format="json"
    )
    assert response.status_code == 400 and "repair_order" in response.json()["error"]["fields"]
    with dealership_context(cast.a):
        assert not WarrantyClaim.objects.exists()
    response = api.post(
        API,
        {"repair_order": order.pk, "lines": [labour.pk], "fault_description": "异响"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["claimed_amount"] == "200.00"
    assert [line["id"] for line in data["lines"]] == [labour.pk]
    assert data["repair_order"]["number"] == order.number
    pk = data["id"]
    response = api.post(
        f"{API}{pk}/photos/",
        {"photos": [SimpleUploadedFile("a.png", png_bytes(), "image/png")]},
        format="multipart",
    )
    assert response.status_code == 201 and len(response.json()["photos"]) == 1
    response = api.post(
        f"{API}{pk}/photos/",
        {
            "photos": [
                SimpleUploadedFile("b.png", png_bytes(), "image/png"),
                SimpleUploadedFile("c.txt", b"plain text", "text/plain"),
            ]
        },
        format="multipart",
    )
    assert response.status_code == 400
    with dealership_context(cast.a):
        assert WarrantyClaim.objects.get().photos.count() == 1  # nothing half-saved
    assert api.post(f"{API}{pk}/approve/", {}, format="json").status_code == 400
    assert api.post(f"{API}{pk}/submit/", {}, format="json").status_code == 200
    response = api.post(
        f"{API}{pk}/approve/", {"approved_amount": "200.01", "oem_reference": "R"}, format="json"
    )
    assert response.status_code == 400
    assert "approved_amount" in response.json()["error"]["fields"]
    assert api.post(f"{API}{pk}/reject/", {"reason": ""}, format="json").status_code == 400
    response = api.post(
        f"{API}{pk}/approve/", {"approved_amount": "180", "oem_reference": "R9"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "approved"
    response = api.post(
        f"{API}{pk}/pay/",
        {"paid_amount": "180", "paid_on": today().isoformat()},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == "paid"
    assert api.patch(f"{API}{pk}/", {"fault_code": "Z"}, format="json").status_code == 400
    assert api.get(f"{API}?status=bogus").status_code == 400
    assert api.get(f"{API}?from=yesterday").status_code == 400


def test_claims_api_permissions(cast, staff, claim, api_for):
    url = f"{API}{claim.pk}/"
    assert api_for(staff.service_manager).get(url).status_code == 200
    assert api_for(staff.advisor).get(url).status_code == 404
    assert len(api_for(staff.advisor).get(API).json()["results"]) == 0
    assert api_for(staff.sales_consultant).get(API).status_code == 403
    hq = api_for(cast.hq_user)
    assert hq.get(url).status_code == 200
    assert hq.post(f"{url}submit/", {}, format="json").status_code == 403
    assert api_for(cast.user_b).get(url).status_code == 404
    assert api_for(cast.user_b).post(f"{url}submit/", {}, format="json").status_code == 404
    assert api_for(staff.workshop_supervisor).post(f"{url}submit/").status_code == 403


# --- technical cases ----------------------------------------------------------------------------


def test_technical_cases_pages_and_api(cast, staff, order, client_for, api_for):
    client = client_for(staff.warranty_assessor)
    assert client.get("/aftersales/technical-cases/new/").status_code == 200
    data = {
        "kind": "quality",
        "title": "雨刮异响",
        "description": "多台同款车",
        "occurred_on": today().isoformat(),
        "repair_order_number": "NO-SUCH",
    }
    response = client.post("/aftersales/technical-cases/new/", data)
    assert response.status_code == 400
    data["repair_order_number"] = order.number
    response = client.post("/aftersales/technical-cases/new/", data)
    assert response.status_code == 302
    with dealership_context(cast.a):
        case = TechnicalCase.objects.get()
    assert case.vehicle_id == order.vehicle_id
    assert client.get(f"/aftersales/technical-cases/{case.pk}/").status_code == 200
    assert client.get(f"/aftersales/technical-cases/{case.pk}/edit/").status_code == 200
    assert client.get("/aftersales/technical-cases/?kind=quality").status_code == 200
    api = api_for(staff.warranty_assessor)
    response = api.post(
        CASES_API,
        {"kind": "technical", "title": "t", "description": "d", "occurred_on": "2026-01-02"},
        format="json",
    )
    assert response.status_code == 201
    bad = {"kind": "x", "title": "t", "description": "d", "occurred_on": "2026-01-02"}
    assert api.post(CASES_API, bad, format="json").status_code == 400
    assert len(api.get(CASES_API).json()["results"]) == 2
    assert api_for(staff.sales_consultant).get(CASES_API).status_code == 403
    assert client_for(staff.advisor).get("/aftersales/technical-cases/new/").status_code == 403
    assert client_for(cast.user_b).get(f"/aftersales/technical-cases/{case.pk}/").status_code == (
        404
    )


# --- the board, the day confirmation ------------------------------------------------------------


def test_board_permissions(cast, staff, client_for):
    for user in (staff.service_manager, staff.gm, staff.advisor, staff.aftersales_info_clerk):
        response = client_for(user).get("/aftersales/board/")
        assert response.status_code == 200, user
    page = client_for(staff.service_manager).get("/aftersales/board/").content.decode()
    assert 'data-testid="board-parts"' in page and 'data-testid="board-claims"' in page
    technician = client_for(staff.technician).get("/aftersales/board/")  # no parts rights
    assert technician.status_code == 200
    assert 'data-testid="board-parts"' not in technician.content.decode()
    assert client_for(cast.hq_user).get("/aftersales/board/").status_code == 200
    assert client_for(staff.sales_consultant).get("/aftersales/board/").status_code == 403


def test_board_runs_a_constant_number_of_queries(cast, staff, client_for):
    client = client_for(staff.service_manager)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/aftersales/board/").status_code == 200
        return len(queries)

    make_claim(cast.a, make_repair_order(cast.a, staff.advisor), staff.warranty_assessor)
    few = count()
    for _ in range(6):
        make_claim(cast.a, make_repair_order(cast.a, staff.advisor2), staff.warranty_assessor)
    assert count() == few


def test_day_confirmation_page(cast, staff, client_for):
    yesterday = today() - dt.timedelta(days=1)
    make_repair_order(cast.a, staff.advisor, checked_in_at=timezone.now() - dt.timedelta(days=1))
    clerk = client_for(staff.aftersales_info_clerk)
    page = clerk.get("/aftersales/daily/")
    assert page.status_code == 200
    assert 'data-testid="confirm-day"' in page.content.decode()
    assert clerk.get("/aftersales/daily/?day=nonsense").status_code == 400
    future = (today() + dt.timedelta(days=1)).isoformat()
    assert clerk.get(f"/aftersales/daily/?day={future}").status_code == 400
    assert clerk.post("/aftersales/daily/confirm/", {"day": future}).status_code == 400
    response = clerk.post("/aftersales/daily/confirm/", {"day": yesterday.isoformat()})
    assert response.status_code == 302
    with dealership_context(cast.a):
        confirmation = ServiceDayConfirmation.objects.get()
    assert confirmation.day == yesterday
    assert "opened" in confirmation.figures
    # the advisor sees their own day but may not confirm
    advisor = client_for(staff.advisor)
    page = advisor.get("/aftersales/daily/")
    assert page.status_code == 200 and 'data-testid="confirm-day"' not in page.content.decode()
    assert advisor.post("/aftersales/daily/confirm/", {"day": yesterday}).status_code == 403
    assert client_for(staff.sales_consultant).get("/aftersales/daily/").status_code == 403
    assert (
        client_for(cast.hq_user).post("/aftersales/daily/confirm/", {"day": yesterday}).status_code
        == 403
    )


def test_service_day_and_confirmation_api(cast, staff, api_for):
    api = api_for(staff.aftersales_info_clerk)
    response = api.get("/api/v1/aftersales/service-day/")
    assert response.status_code == 200
    assert set(response.json()) >= {"opened", "closed", "revenue", "month_to_date", "confirmed"}
    assert api.get("/api/v1/aftersales/service-day/?day=bad").status_code == 400
    future = (today() + dt.timedelta(days=2)).isoformat()
    assert api.get(f"/api/v1/aftersales/service-day/?day={future}").status_code == 400
    assert api_for(staff.sales_consultant).get("/api/v1/aftersales/service-day/").status_code == 403
    url = "/api/v1/aftersales/day-confirmations/"
    yesterday = (today() - dt.timedelta(days=1)).isoformat()
    assert api.post(url, {"day": future}, format="json").status_code == 400
    assert api.post(url, {"day": "x"}, format="json").status_code == 400
    response = api.post(url, {"day": yesterday}, format="json")
    assert response.status_code == 200 and response.json()["day"] == yesterday
    assert len(api.get(f"{url}?day={yesterday}").json()["results"]) == 1
    assert api_for(staff.advisor).post(url, {"day": yesterday}, format="json").status_code == 403


def test_dashboard_panels(cast, staff, client_for):
    manager = client_for(staff.service_manager).get("/dashboard/").content.decode()
    assert 'data-testid="service-today"' in manager
    assessor = client_for(staff.warranty_assessor).get("/dashboard/").content.decode()
    assert 'data-testid="claims-panel"' in assessor
    assert 'data-testid="service-today"' not in assessor
    advisor = client_for(staff.advisor).get("/dashboard/").content.decode()
    assert 'data-testid="claims-panel"' not in advisor
    assert 'data-testid="service-today"' not in advisor
    assert 'data-testid="service-today"' in client_for(staff.gm).get("/dashboard/").content.decode()


# --- lists in a constant number of queries -------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_lists_use_a_constant_number_of_queries(cast, staff, client_for, api_for):
    client = client_for(staff.service_manager)
    api = api_for(staff.service_manager)
    urls = (CLAIMS, "/aftersales/technical-cases/")
    api_urls = (f"{API}?page_size=50", f"{CASES_API}?page_size=50")

    def add(n):
        for _ in range(n):
            order = make_repair_order(cast.a, staff.advisor)
            make_claim(cast.a, order, staff.warranty_assessor)
            with dealership_context(cast.a):
                TechnicalCase.objects.create(
                    dealership=cast.a,
                    kind="technical",
                    title="t",
                    description="d",
                    occurred_on=today(),
                    repair_order=order,
                    vehicle=order.vehicle,
                    author=staff.warranty_assessor,
                )

    add(10)
    pages_10 = [_queries(client, u) for u in urls]
    api_10 = [_queries(api, u) for u in api_urls]
    add(40)
    assert [_queries(client, u) for u in urls] == pages_10
    assert [_queries(api, u) for u in api_urls] == api_10
