"""Printed documents for the customer (issue #20): the quote prints on A4 in Chinese with the
dealership's heading, a number, the date and a stamp area; printing again unchanged gives the
same file; a changed quote prints as the next version while the earlier one stays retrievable;
whoever may open the quote may print it — another dealership 404, a position without quotes
403; every new version is audited."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Customer
from dealership.documents.models import PrintedDocument
from dealership.documents.service import document_print
from dealership.models import AuditEntry
from dealership.tenancy import dealership_context, system_context
from sales import services
from tests.factories import UserFactory, hire
from tests.sales.conftest import make_lead

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _quote(cast, staff, **fields):
    lead = make_lead(cast.a, staff.consultant)
    with dealership_context(cast.a):
        return services.quote_create(
            actor=staff.consultant,
            lead=lead,
            vehicle_model=fields.pop("vehicle_model", "K5凯酷"),
            list_price=Decimal("179800"),
            **fields,
        )


def _print_url(quote) -> str:
    return reverse("platform:document_print", kwargs={"kind": "sales.quote", "pk": quote.pk})


def _pdf(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_quote_prints_once_per_version_and_the_old_version_stays(cast, staff, monkeypatch):
    quote = _quote(cast, staff)
    bodies = []
    from dealership.documents import service

    real = service._keep
    monkeypatch.setattr(
        service,
        "_keep",
        lambda kind, obj, body, *a: bodies.append(body) or real(kind, obj, body, *a),
    )
    with dealership_context(cast.a):
        first = document_print(user=staff.consultant, key="sales.quote", pk=quote.pk)
        again = document_print(user=staff.consultant, key="sales.quote", pk=quote.pk)
    assert first.pk == again.pk and first.version == 1 and len(bodies) == 1
    assert "K5凯酷" in bodies[0] and "179,800.00" in bodies[0]
    assert first.number == f"BJ{cast.a.pk:03d}-{quote.pk:06d}"
    with first.file.open("rb") as stored:
        assert stored.read().startswith(b"%PDF")
    with dealership_context(cast.a):
        # the customer's name corrected (as the desk does): the quote now reads differently
        Customer.objects.filter(pk=quote.customer_id).update(name="张三丰")
        second = document_print(user=staff.consultant, key="sales.quote", pk=quote.pk)
    assert second.version == 2 and "张三丰" in bodies[1]
    with system_context():
        assert sorted(
            PrintedDocument.objects.filter(object_id=str(quote.pk)).values_list(
                "version", flat=True
            )
        ) == [1, 2]
    with dealership_context(cast.a):
        audited = AuditEntry.objects.filter(object_type="dealership.PrintedDocument")
        assert audited.count() == 2


def test_the_print_button_answers_the_pdf_and_the_versions_page_lists_them(cast, staff, client_for):
    quote = _quote(cast, staff)
    client = client_for(staff.consultant)
    page = client.get(quote.get_absolute_url()).content.decode()
    assert _print_url(quote) in page
    response = client.get(_print_url(quote))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    first = _pdf(response)
    assert first.startswith(b"%PDF")
    assert _pdf(client.get(_print_url(quote))) == first  # printed twice: the same document
    versions = client.get(
        reverse("platform:document_versions", kwargs={"kind": "sales.quote", "pk": quote.pk})
    )
    assert versions.status_code == 200 and "v1" in versions.content.decode()
    kept = client.get(
        reverse(
            "platform:document_version",
            kwargs={"kind": "sales.quote", "pk": quote.pk, "version": 1},
        )
    )
    assert _pdf(kept) == first
    missing = reverse(
        "platform:document_version", kwargs={"kind": "sales.quote", "pk": quote.pk, "version": 9}
    )
    assert client.get(missing).status_code == 404


def test_who_may_not_open_the_quote_may_not_print_it(cast, staff, client_for):
    quote = _quote(cast, staff)
    url = _print_url(quote)
    assert client_for(cast.user_b).get(url).status_code == 404  # another dealership
    assert client_for(staff.consultant2).get(url).status_code == 404  # a colleague's customer
    technician = UserFactory(username="doc_technician")
    hire(technician, cast.a, "technician")
    assert client_for(technician).get(url).status_code == 403  # no quotes at all
    unknown = reverse("platform:document_print", kwargs={"kind": "sales.nothing", "pk": quote.pk})
    assert client_for(cast.user_a).get(unknown).status_code == 404
    with system_context():
        assert not PrintedDocument.objects.exists()


def test_the_order_prints_with_its_deposit_receipt_and_the_delivery_its_checklist(
    cast, staff, client_for
):
    from sales.services.deliveries import delivery_create
    from tests.sales.stock_helpers import delivery_kwargs, order_with_car

    order, _car = order_with_car(cast.a, staff.consultant, paid_on=TODAY())
    with dealership_context(cast.a):
        delivery = delivery_create(actor=staff.consultant, **delivery_kwargs(order))
    client = client_for(staff.consultant)
    for kind, obj, number in (
        ("sales.order", order, order.number),
        ("sales.delivery", delivery, f"JC-{order.number}"),
    ):
        assert reverse("platform:document_print", kwargs={"kind": kind, "pk": obj.pk}) in (
            client.get(obj.get_absolute_url()).content.decode()
        )
        response = client.get(
            reverse("platform:document_print", kwargs={"kind": kind, "pk": obj.pk})
        )
        assert response.status_code == 200 and _pdf(response).startswith(b"%PDF")
        with system_context():
            assert PrintedDocument.objects.get(kind=kind, object_id=str(obj.pk)).number == number
        url = reverse("platform:document_print", kwargs={"kind": kind, "pk": obj.pk})
        assert client_for(cast.user_b).get(url).status_code == 404


def test_the_delivery_checklist_ticks_what_was_done(cast, staff):
    from dealership.documents import service
    from sales.services.deliveries import delivery_create
    from tests.sales.stock_helpers import delivery_kwargs, order_with_car

    order, _car = order_with_car(cast.a, staff.consultant, paid_on=TODAY())
    with dealership_context(cast.a):
        delivery = delivery_create(actor=staff.consultant, **delivery_kwargs(order))
        kind, obj = service.document_object(staff.consultant, "sales.delivery", delivery.pk)
        body = service._body(kind, obj)
    # exterior and functions checked, the owner app not; the keys handed over, the policy not
    assert body.count("☑") == 2 + 3
    assert "外观" in body or "Exterior" in body


def test_an_api_client_gets_the_quote_pdf_with_the_same_rules(cast, staff, api_for):
    quote = _quote(cast, staff)
    url = f"/api/v1/platform/documents/sales.quote/{quote.pk}/"
    response = api_for(staff.consultant).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert _pdf(response).startswith(b"%PDF")
    assert api_for(cast.user_b).get(url).status_code == 404
    technician = UserFactory(username="doc_api_technician")
    hire(technician, cast.a, "technician")
    assert api_for(technician).get(url).status_code == 403


def test_the_dealerships_logo_heads_the_page(cast, staff):
    from django.core.files.base import ContentFile

    from dealership.documents import service
    from dealership.models import Dealership
    from tests.factories import PNG_BYTES

    quote = _quote(cast, staff)
    with dealership_context(cast.a):
        kind, obj = service.document_object(staff.consultant, "sales.quote", quote.pk)
    without = service.page_html(kind, obj, "<p>正文</p>", 1, staff.consultant)
    assert "data:image" not in without and "起亚" in without  # the brand stands in
    dealership = Dealership.objects.get(pk=cast.a.pk)
    dealership.logo.save("logo.png", ContentFile(PNG_BYTES))
    with_logo = service.page_html(kind, obj, "<p>正文</p>", 1, staff.consultant)
    assert 'src="data:image/png;base64,' in with_logo and "甲店" in with_logo
