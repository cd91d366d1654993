"""The repair order's work authorisation (任务委托书, issue #20): printed from the repair order
for the customer's signature, with the repair order's number, the car, the concerns and the
estimate; who may open the repair order may print it (another dealership 404, a position without
repair orders 403); a changed repair order prints as the next version."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aftersales.models import RepairOrder
from dealership.documents.models import PrintedDocument
from dealership.tenancy import dealership_context, system_context
from tests.aftersales.conftest import make_repair_order
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db


def _url(repair_order) -> str:
    return reverse(
        "platform:document_print", kwargs={"kind": "aftersales.work_order", "pk": repair_order.pk}
    )


def test_the_advisor_prints_the_work_authorisation_and_a_change_is_a_new_version(
    cast, staff, client_for
):
    repair_order = make_repair_order(cast.a, staff.advisor, concerns="刹车异响，空调不凉")
    client = client_for(staff.advisor)
    page = client.get(repair_order.get_absolute_url()).content.decode()
    assert _url(repair_order) in page
    response = client.get(_url(repair_order))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    first = b"".join(response.streaming_content)
    assert first.startswith(b"%PDF")
    assert b"".join(client.get(_url(repair_order)).streaming_content) == first
    with dealership_context(cast.a):
        RepairOrder.objects.filter(pk=repair_order.pk).update(concerns="刹车异响")
    client.get(_url(repair_order))
    with system_context():
        docs = PrintedDocument.objects.filter(kind="aftersales.work_order").order_by("version")
        assert [(d.number, d.version) for d in docs] == [
            (repair_order.number, 1),
            (repair_order.number, 2),
        ]


def test_who_may_not_open_the_repair_order_may_not_print_it(cast, staff, client_for):
    repair_order = make_repair_order(cast.a, staff.advisor)
    assert client_for(cast.user_b).get(_url(repair_order)).status_code == 404
    consultant = UserFactory(username="wo_consultant")
    hire(consultant, cast.a, "sales_consultant")
    assert client_for(consultant).get(_url(repair_order)).status_code == 403


def test_a_finished_repair_order_prints_its_settlement(cast, staff, client_for):
    from aftersales.models import RepairStatus

    repair_order = make_repair_order(cast.a, staff.advisor, status=RepairStatus.READY)
    client = client_for(staff.advisor)
    url = reverse(
        "platform:document_print", kwargs={"kind": "aftersales.settlement", "pk": repair_order.pk}
    )
    assert url in client.get(repair_order.get_absolute_url()).content.decode()
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    with system_context():
        doc = PrintedDocument.objects.get(kind="aftersales.settlement")
    assert doc.number == f"JS-{repair_order.number}"
    open_order = make_repair_order(cast.a, staff.advisor)  # not finished: no settlement button
    assert "print-settlement" not in client.get(open_order.get_absolute_url()).content.decode()
