"""The submissions to the car maker as people see and handle them: the list page (the CRM manager
sees every one; HQ of group 1 sees A's and B's, never C's), the API, the acknowledge and send
again buttons and actions — who may, and what they change."""

from __future__ import annotations

import pytest

from dealership.models import AuditEntry, OemSubmission
from dealership.reports.registry import unregister_report
from dealership.tenancy import dealership_context
from tests.english import *  # noqa: F403 (messages in English)
from tests.reports.oem_helpers import OEM_REPORT, make_submission, person, register_oem_report

LIST = "/platform/reports/submissions/"
API = "/api/v1/reports/submissions/"


@pytest.fixture
def oem_report(sample_report):
    yield register_oem_report()
    unregister_report(OEM_REPORT)


@pytest.fixture
def crm_manager(cast):
    return person(cast.a, "customer_relations_manager")


def reread(dealership, submission) -> OemSubmission:
    with dealership_context(dealership):
        return OemSubmission.objects.select_related("run").get(pk=submission.pk)


def keys_on_page(html: str) -> set[str]:
    import re

    return set(re.findall(r'data-key="([^"]+)"', html))


# --- the list ---------------------------------------------------------------------------------


def test_the_crm_manager_sees_every_submission_with_its_receipt(
    cast, oem_report, crm_manager, client_for, django_assert_max_num_queries
):
    sent = make_submission(cast.a, receipt="KIA-2026-0917")
    failed = make_submission(cast.a, period="2026-08", state="failed", last_error="HTTP 500")
    client = client_for(crm_manager)

    response = client.get(LIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert keys_on_page(html) == {sent.idempotency_key, failed.idempotency_key}
    assert "KIA-2026-0917" in html and "测试主机厂月报" in html
    assert 'data-testid="failed-submissions"' in html
    assert sent.run.get_absolute_url() in html
    # filters
    failed_only = client.get(LIST, {"state": "failed"}).content.decode()
    assert keys_on_page(failed_only) == {failed.idempotency_key}
    assert keys_on_page(client.get(LIST, {"period": "2026-09"}).content.decode()) == {
        sent.idempotency_key
    }
    assert keys_on_page(client.get(LIST, {"report": "crm.other"}).content.decode()) == set()
    bad = client.get(LIST, {"state": "lost"})
    assert bad.status_code == 400 and "Unknown state lost" in bad.content.decode()
    # the catalogue links to it
    assert f'href="{LIST}"' in client.get("/platform/reports/").content.decode()
    # more rows, the same queries
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for n in range(3):
        make_submission(cast.a, period=f"2026-0{n + 1}")
    with django_assert_max_num_queries(len(few)):
        assert len(keys_on_page(client.get(LIST).content.decode())) == 5


def test_hq_of_group_1_sees_a_and_b_never_c(cast, oem_report, client_for, api_for):
    a, b, c = (make_submission(d, receipt=f"R-{d.code}") for d in (cast.a, cast.b, cast.c))

    html = client_for(cast.hq_user).get(LIST).content.decode()
    assert keys_on_page(html) == {a.idempotency_key, b.idempotency_key}

    rows = api_for(cast.hq_user).get(API).json()["results"]
    assert {(r["dealership_code"], r["receipt"]) for r in rows} == {("a", "R-a"), ("b", "R-b")}
    only_b = api_for(cast.hq_user).get(API, {"dealership": "b"}).json()["results"]
    assert [r["id"] for r in only_b] == [b.pk]
    assert api_for(cast.hq_user).get(f"{API}{c.pk}/").status_code == 404
    assert [r["id"] for r in api_for(cast.user_c).get(API).json()["results"]] == [c.pk]
    # the one readable
    one = api_for(cast.user_a).get(f"{API}{a.pk}/").json()
    assert one["report"] == OEM_REPORT and one["report_title"] == "测试主机厂月报 Sample OEM report"
    assert (one["period"], one["version"], one["state"]) == ("2026-09", 1, "sent")
    assert one["idempotency_key"] == "a:tests.oem_channel:2026-09:v1"
    assert api_for(cast.user_a).get(API, {"state": "lost"}).status_code == 400


def test_who_may_not_read_reports_sees_no_submission(cast, oem_report, client_for, api_for):
    make_submission(cast.a)
    consultant = person(cast.a, "sales_consultant")
    assert client_for(consultant).get(LIST).status_code == 403
    assert api_for(consultant).get(API).status_code == 403
    # a sales manager reads the sales department's reports, not this CRM one
    sales_manager = person(cast.a, "sales_manager")
    assert keys_on_page(client_for(sales_manager).get(LIST).content.decode()) == set()


# --- acknowledge and send again ------------------------------------------------------------------


def test_the_crm_manager_records_the_car_makers_confirmation(
    cast, oem_report, crm_manager, client_for
):
    submission = make_submission(cast.a, receipt="KIA-1")
    url = f"{LIST}{submission.pk}/acknowledge/"

    response = client_for(crm_manager).post(url, {"receipt": ""})

    assert response.status_code == 302 and response.url == submission.run.get_absolute_url()
    done = reread(cast.a, submission)
    assert (done.state, done.receipt, done.run.status) == ("acknowledged", "KIA-1", "acknowledged")
    assert done.acknowledged_at is not None
    with dealership_context(cast.a):
        entry = AuditEntry.objects.get(
            object_type="dealership.OemSubmission", object_id=str(submission.pk)
        )
    assert entry.actor == crm_manager and entry.after["state"] == "acknowledged"
    # twice: a message, nothing changes
    again = client_for(crm_manager).post(url, follow=True)
    assert "acknowledged already" in again.content.decode()


def test_acknowledging_needs_the_export_right_in_the_dealership(
    cast, oem_report, client_for, api_for
):
    submission = make_submission(cast.a)
    url = f"{LIST}{submission.pk}/acknowledge/"
    consultant = person(cast.a, "sales_consultant")
    clerk = person(cast.a, "crm_info_clerk")  # reads the CRM reports, does not submit them

    assert client_for(consultant).post(url).status_code == 403
    assert client_for(clerk).post(url).status_code == 403
    assert client_for(cast.user_b).post(url).status_code == 404  # another dealership's
    assert api_for(consultant).post(f"{API}{submission.pk}/acknowledge/").status_code == 403
    assert api_for(clerk).post(f"{API}{submission.pk}/acknowledge/").status_code == 403
    assert api_for(cast.user_b).post(f"{API}{submission.pk}/acknowledge/").status_code == 404
    assert reread(cast.a, submission).state == "sent"


def test_one_not_sent_by_the_system_is_acknowledged_with_the_receipt(
    cast, oem_report, crm_manager, client_for
):
    waiting = make_submission(
        cast.a, state="pending", last_error="No channel configured for brand Kia."
    )
    url = f"{LIST}{waiting.pk}/acknowledge/"

    page = client_for(crm_manager).post(url, {"receipt": "  "}, follow=True).content.decode()
    assert "enter the car maker&#x27;s receipt" in page
    assert reread(cast.a, waiting).state == "pending"

    client_for(crm_manager).post(url, {"receipt": "PORTAL-77"})
    done = reread(cast.a, waiting)
    assert (done.state, done.receipt) == ("acknowledged", "PORTAL-77")


def test_a_failed_submission_is_sent_again_from_the_start(
    cast, oem_report, crm_manager, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    failed = make_submission(cast.a, state="failed", attempts=5, last_error="HTTP 500")
    queued = []
    monkeypatch.setattr("dealership.queue.enqueue_submission", lambda pk, d: queued.append(pk))

    with django_capture_on_commit_callbacks(execute=True):
        client_for(crm_manager).post(f"{LIST}{failed.pk}/resend/")

    again = reread(cast.a, failed)
    assert (again.state, again.attempts, again.next_attempt_at) == ("pending", 0, None)
    assert queued == [failed.pk]
    sent = make_submission(cast.a, period="2026-08")
    page = client_for(crm_manager).post(f"{LIST}{sent.pk}/resend/", follow=True)
    assert "Only a failed submission" in page.content.decode()
    assert reread(cast.a, sent).state == "sent"
    assert (
        client_for(person(cast.a, "sales_consultant"))
        .post(f"{LIST}{failed.pk}/resend/")
        .status_code
        == 403
    )


def test_the_run_page_shows_the_buttons_to_who_may_use_them(
    cast, oem_report, crm_manager, client_for
):
    failed = make_submission(cast.a, state="failed", last_error="HTTP 400: unknown report")
    page = client_for(crm_manager).get(failed.run.get_absolute_url()).content.decode()
    assert 'data-testid="submission"' in page
    assert 'data-testid="acknowledge-form"' in page and 'data-testid="resend-form"' in page
    assert "HTTP 400: unknown report" in page

    clerk = person(cast.a, "crm_info_clerk")
    page = client_for(clerk).get(failed.run.get_absolute_url()).content.decode()
    assert 'data-testid="submission"' in page
    assert "acknowledge-form" not in page and "resend-form" not in page


# --- the API's actions ------------------------------------------------------------------------


def test_the_api_acknowledges_and_resends(cast, oem_report, crm_manager, api_for):
    sent = make_submission(cast.a, receipt="KIA-9")
    api = api_for(crm_manager)

    too_long = api.post(f"{API}{sent.pk}/acknowledge/", {"receipt": "x" * 201}, format="json")
    assert too_long.status_code == 400
    response = api.post(f"{API}{sent.pk}/acknowledge/", {}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["run_status"], body["receipt"]) == (
        "acknowledged",
        "acknowledged",
        "KIA-9",
    )
    again = api.post(f"{API}{sent.pk}/acknowledge/", {}, format="json")
    assert again.status_code == 400 and "acknowledged already" in str(again.json())

    failed = make_submission(cast.a, period="2026-08", state="failed", attempts=5)
    resent = api.post(f"{API}{failed.pk}/resend/")
    assert resent.status_code == 200
    assert (resent.json()["state"], resent.json()["attempts"]) == ("pending", 0)
    assert api.post(f"{API}{sent.pk}/resend/").status_code == 400
