"""Thank-you letters (购车/入库感谢信): the daily job drafts one per delivery or service visit
(once, however often it runs), the CR specialist sends them for signature through the approvals
engine (a purchase to the GM, a service visit to the service manager), the admin manager logs
the mailing; the PDF in Chinese; who may do what; the pages, the API and the monthly mail log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from crm.models import LetterState, ThankYouLetter
from crm.services import letters as services
from dealership.tenancy import dealership_context
from org.approvals import services as approvals
from tests.crm.factories import FACTORIES
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db
API = "/api/v1/crm/"
CODES = ("cr_specialist", "service_manager", "admin_manager", "sales_consultant")


@pytest.fixture
def people(cast) -> dict:
    made = {"gm": cast.user_a}
    for code in CODES:
        user = UserFactory(username=f"letter_{code}", name=f"letter {code}")
        hire(user, cast.a, code)
        made[code] = user
    return made


def events(dealership, *kinds, day=None):
    from model_bakery import baker

    from crm.models import CustomerEvent

    day = day or timezone.localdate() - dt.timedelta(days=1)
    made = []
    with dealership_context(dealership):
        for index, kind in enumerate(kinds):
            customer = FACTORIES["CustomerStanding"](dealership=dealership).customer
            made.append(
                baker.make(
                    CustomerEvent,
                    dealership=dealership,
                    kind=kind,
                    customer=customer,
                    vehicle=None,
                    staff=None,
                    occurred_on=day,
                    source_type="tests.visit",
                    source_id=900_000 + index + (1000 if dealership.code.endswith("b") else 0),
                )
            )
    return made


def draft(dealership):
    with dealership_context(dealership):
        return services.letters_create(day=timezone.localdate() - dt.timedelta(days=1))


def test_the_job_drafts_one_letter_per_event_once(cast, people):
    sale, visit = events(cast.a, "sales", "service")
    letters = draft(cast.a)
    assert {letter.event_id for letter in letters} == {sale.pk, visit.pk}
    assert draft(cast.a) == []  # a second run drafts nothing
    with dealership_context(cast.a):
        letter = ThankYouLetter.objects.get(event=sale)
        assert letter.state == LetterState.DRAFTED
        assert letter.addressee == sale.customer.name
        assert "感谢" in letter.body and "Thank" not in letter.body  # Chinese
        assert letter.address == sale.customer.address


def test_a_late_run_still_drafts_the_missed_days(cast, people):
    (old,) = events(cast.a, "sales", day=timezone.localdate() - dt.timedelta(days=4))
    assert [letter.event_id for letter in draft(cast.a)] == [old.pk]


def test_signature_goes_through_the_chain_of_its_kind(cast, people):
    events(cast.a, "sales", "service")
    letters = {letter.kind: letter for letter in draft(cast.a)}
    with dealership_context(cast.a):
        submitted = services.letters_submit(
            actor=people["cr_specialist"], letter_ids=[letters["sales"].pk, letters["service"].pk]
        )
        assert {letter.state for letter in submitted} == {LetterState.SUBMITTED}
        sales = ThankYouLetter.objects.get(pk=letters["sales"].pk)
        service = ThankYouLetter.objects.get(pk=letters["service"].pk)
        assert sales.request.kind == services.KIND_PURCHASE
        assert service.request.kind == services.KIND_SERVICE
        with pytest.raises((PermissionDenied, Http404)):  # not the service manager's to sign
            approvals.request_decide(
                actor=people["service_manager"], request_id=sales.request_id, decision="approve"
            )
        approvals.request_decide(actor=cast.user_a, request_id=sales.request_id, decision="approve")
        approvals.request_decide(
            actor=people["service_manager"], request_id=service.request_id, decision="approve"
        )
        sales.refresh_from_db()
        service.refresh_from_db()
        assert sales.state == service.state == LetterState.SIGNED
        assert sales.signed_by == cast.user_a
        assert service.signed_by == people["service_manager"]
        with pytest.raises(ValidationError):  # signed: not a draft any more
            services.letters_submit(actor=people["cr_specialist"], letter_ids=[sales.pk])
        mailed = services.letter_mail(
            actor=people["admin_manager"], letter_id=sales.pk, tracking_number="SF1234567890"
        )
        assert mailed.state == LetterState.MAILED
        assert mailed.mailed_by == people["admin_manager"]
        assert mailed.mailed_on == timezone.localdate()
        with pytest.raises(ValidationError):
            services.letter_mail(actor=people["admin_manager"], letter_id=sales.pk)


def test_a_returned_letter_is_drafted_again_with_the_reason(cast, people):
    events(cast.a, "sales")
    (letter,) = draft(cast.a)
    with dealership_context(cast.a):
        services.letters_submit(actor=people["cr_specialist"], letter_ids=[letter.pk])
        letter.refresh_from_db()
        approvals.request_decide(
            actor=cast.user_a, request_id=letter.request_id, decision="return", comment="地址不全"
        )
        letter.refresh_from_db()
        assert letter.state == LetterState.DRAFTED
        assert letter.note == "地址不全"
        services.letter_update(
            actor=people["cr_specialist"], letter_id=letter.pk, address="武汉市江汉区解放大道 1 号"
        )
        services.letters_submit(actor=people["cr_specialist"], letter_ids=[letter.pk])
        letter.refresh_from_db()
        assert letter.state == LetterState.SUBMITTED


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"mailed_on": "2999-01-01"}, "mailed_on"), ({"mailed_on": "soon"}, "mailed_on")],
)
def test_mailing_needs_a_signed_letter_and_a_sensible_day(cast, people, fields, field):
    letter = FACTORIES["ThankYouLetter"](dealership=cast.a, state=LetterState.SIGNED)
    with dealership_context(cast.a), pytest.raises(ValidationError) as error:
        services.letter_mail(actor=people["admin_manager"], letter_id=letter.pk, **fields)
    assert field in error.value.message_dict


def test_cancel_and_correct(cast, people):
    letter = FACTORIES["ThankYouLetter"](dealership=cast.a)
    with dealership_context(cast.a):
        with pytest.raises(ValidationError):
            services.letter_update(actor=people["cr_specialist"], letter_id=letter.pk, body=" ")
        with pytest.raises(ValidationError):
            services.letter_cancel(actor=people["cr_specialist"], letter_id=letter.pk, note="")
        cancelled = services.letter_cancel(
            actor=people["cr_specialist"], letter_id=letter.pk, note="客户不需要"
        )
        assert cancelled.state == LetterState.CANCELLED
        with pytest.raises(ValidationError):
            services.letter_update(actor=people["cr_specialist"], letter_id=letter.pk, body="x")
        with pytest.raises(PermissionDenied):
            services.letter_cancel(actor=people["sales_consultant"], letter_id=letter.pk, note="x")


def test_the_pdf_is_a_chinese_letter(cast, people, client_for):
    letter = FACTORIES["ThankYouLetter"](dealership=cast.a)
    response = client_for(people["cr_specialist"]).get(f"/crm/letters/{letter.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert (
        client_for(people["sales_consultant"]).get(f"/crm/letters/{letter.pk}/pdf/").status_code
        == 403
    )
    assert client_for(cast.user_b).get(f"/crm/letters/{letter.pk}/pdf/").status_code == 404


def test_the_approver_reads_the_letter_they_sign(cast, people, client_for):
    events(cast.a, "service")
    (letter,) = draft(cast.a)
    with dealership_context(cast.a):
        services.letters_submit(actor=people["cr_specialist"], letter_ids=[letter.pk])
    manager = client_for(people["service_manager"])
    assert manager.get("/crm/letters/").status_code == 403  # not theirs to handle
    assert manager.get(f"/crm/letters/{letter.pk}/pdf/").status_code == 200


def test_the_pages(cast, people, client_for):
    events(cast.a, "sales", "service")
    letters = draft(cast.a)
    specialist = client_for(people["cr_specialist"])
    listing = specialist.get("/crm/letters/?state=drafted")
    assert listing.status_code == 200
    assert 'data-testid="select-letter"' in listing.content.decode()
    sent = specialist.post("/crm/letters/submit/", {"letters": [str(x.pk) for x in letters]})
    assert sent.status_code == 302
    with dealership_context(cast.a):
        assert set(
            ThankYouLetter.objects.filter(pk__in=[x.pk for x in letters]).values_list(
                "state", flat=True
            )
        ) == {LetterState.SUBMITTED}
    again = specialist.post("/crm/letters/submit/", {"letters": [str(letters[0].pk)]})
    assert again.status_code in (302, 303)  # refused with a message, nothing changed
    detail = specialist.get(f"/crm/letters/{letters[0].pk}/")
    assert detail.status_code == 200
    assert 'data-testid="action-mail"' not in detail.content.decode()
    assert client_for(people["sales_consultant"]).get("/crm/letters/").status_code == 403
    assert client_for(cast.user_b).get(f"/crm/letters/{letters[0].pk}/").status_code == 404


def test_the_api(cast, people, api_for):
    events(cast.a, "sales")
    (letter,) = draft(cast.a)
    specialist = api_for(people["cr_specialist"])
    assert (
        specialist.get(f"{API}thank-you-letters/?state=drafted").json()["results"][0]["id"]
        == letter.pk
    )
    assert specialist.get(f"{API}thank-you-letters/?state=lost").status_code == 400
    assert (
        specialist.post(
            f"{API}thank-you-letters/submit/", {"letters": []}, format="json"
        ).status_code
        == 400
    )
    sent = specialist.post(
        f"{API}thank-you-letters/submit/", {"letters": [letter.pk]}, format="json"
    )
    assert sent.status_code == 200 and sent.json()[0]["state"] == "submitted"
    with dealership_context(cast.a):
        letter.refresh_from_db()
        approvals.request_decide(
            actor=cast.user_a, request_id=letter.request_id, decision="approve"
        )
    admin = api_for(people["admin_manager"])
    mailed = admin.post(
        f"{API}thank-you-letters/{letter.pk}/mail/", {"tracking_number": "EMS001"}, format="json"
    )
    assert mailed.status_code == 200 and mailed.json()["state"] == "mailed"
    assert admin.get(f"{API}thank-you-letters/{letter.pk}/pdf/").status_code == 200
    assert api_for(cast.user_b).get(f"{API}thank-you-letters/{letter.pk}/").status_code == 404
    assert api_for(people["sales_consultant"]).get(f"{API}thank-you-letters/").status_code == 403


def test_the_monthly_mail_log(cast, people):
    from crm.reports.desk import thank_you_letter_log
    from dealership.actors import SYSTEM
    from dealership.reports.periods import Period

    FACTORIES["ThankYouLetter"](
        dealership=cast.a,
        state=LetterState.MAILED,
        mailed_on=timezone.localdate(),
        tracking_number="SF1",
    )
    FACTORIES["ThankYouLetter"](dealership=cast.a)
    FACTORIES["ThankYouLetter"](
        dealership=cast.b, state=LetterState.MAILED, mailed_on=timezone.localdate()
    )
    with dealership_context(cast.a):
        content = thank_you_letter_log(SYSTEM, Period.containing("month", timezone.localdate()))
    assert len(content.tables[0].rows) == 1
    assert content.tables[0].rows[0][-1] == "SF1"


def test_the_signed_letter_is_kept_as_first_printed_and_printed_again_the_same(
    cast, people, client_for, api_for, monkeypatch
):
    events(cast.a, "service")
    (letter,) = draft(cast.a)
    web = client_for(people["cr_specialist"])
    with dealership_context(cast.a):
        services.letters_submit(actor=people["cr_specialist"], letter_ids=[letter.pk])
    assert web.get(f"/crm/letters/{letter.pk}/pdf/").status_code == 200
    with dealership_context(cast.a):
        letter.refresh_from_db()
        assert not letter.pdf  # not signed yet: printed from the draft, nothing kept
        approvals.request_decide(
            actor=people["service_manager"], request_id=letter.request_id, decision="approve"
        )
        letter.refresh_from_db()
        # signing does not render (WeasyPrint is slow): the first print is kept
        assert letter.state == LetterState.SIGNED and not letter.pdf
    first = web.get(f"/crm/letters/{letter.pk}/pdf/")
    assert first.status_code == 200 and first.content.startswith(b"%PDF")
    with dealership_context(cast.a):
        letter.refresh_from_db()
        with letter.pdf.open("rb") as stored:
            signed = stored.read()
    assert signed == first.content
    # whatever the template or the dealership's name turn into later, the signed letter is
    # printed as it was first printed, on the page and through the API
    monkeypatch.setattr(services, "render_letter_pdf", lambda letter: b"%PDF-changed")
    again = web.get(f"/crm/letters/{letter.pk}/pdf/")
    assert again.status_code == 200 and again.content == signed
    api = api_for(people["admin_manager"])
    assert api.get(f"{API}thank-you-letters/{letter.pk}/pdf/").content == signed
    # a draft is still printed as it reads now
    other = FACTORIES["ThankYouLetter"](dealership=cast.a)
    assert web.get(f"/crm/letters/{other.pk}/pdf/").content == b"%PDF-changed"
