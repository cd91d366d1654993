"""Reports that pass an approval chain before they count as submitted (the 15th/30th tracking
reports): a scheduled run waits for its owner to submit it; the chain (department manager →
deputy GM → GM) decides; approved, the recipients are told (and an OEM report is submitted);
returned, the same request goes on after a correction; rejected, the run is done again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dealership.jobs import MonthDays
from dealership.models import Notification, OemSubmission, ReportRun
from dealership.reports import HALF_MONTH
from dealership.reports.approval import report_run_submit_for_approval
from dealership.reports.registry import get_report, register_report, unregister_report
from dealership.reports.services import (
    report_run_generate,
    report_run_request,
    report_run_scheduled,
)
from dealership.tenancy import dealership_context
from org.approvals.models import ApprovalRequest
from org.approvals.reports import KIND_CODE
from org.approvals.services import chains_seed, request_decide
from tests.factories import UserFactory, hire
from tests.reports.conftest import sample_gather

CODE = "tests.tracking"
DAY = dt.date(2026, 11, 15)  # a Sunday: the 15th runs whatever the weekday


@pytest.fixture
def tracking(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    register_report(
        CODE,
        "竞品价格跟踪 Tracking",
        period=HALF_MONTH,
        due=MonthDays(at=dt.time(17, 0), days=(15, 30)),
        department="crm",
        recipients=("gm",),
        owners=("csi_ssi_admin",),
        covers="current",
        approval=True,
    )(sample_gather)
    yield get_report(CODE)
    unregister_report(CODE)


class People:
    pass


@pytest.fixture
def people(cast, tracking):
    p = People()
    for code, name in (
        ("csi_ssi_admin", "调查员小陈"),
        ("crm_director", "客户总监老吴"),
        ("deputy_gm", "副总周总"),
        ("sales_consultant", "顾问小王"),
    ):
        user = UserFactory(username=code, name=name, email=f"{code}@x.cn")
        hire(user, cast.a, code)
        setattr(p, code, user)
    p.gm = cast.user_a
    with dealership_context(cast.a):
        chains_seed(cast.a)  # the report kind's chain (registered with the engine)
    return p


def _scheduled(cast, report):
    with dealership_context(cast.a):
        report_run_scheduled(report=report, dealership=cast.a, run_date=DAY)
        return ReportRun.objects.get(report=CODE)


def _submit(cast, user, run):
    with dealership_context(cast.a):
        return report_run_submit_for_approval(actor=user, run_id=run.pk)


def _decide(cast, user, run, decision="approve", comment=""):
    with dealership_context(cast.a):
        request_decide(
            actor=user,
            request_id=ReportRun.objects.get(pk=run.pk).approval_request_id,
            decision=decision,
            comment=comment,
        )
        return ReportRun.objects.get(pk=run.pk)


def _notices(cast, user, kind="platform.report_ready"):
    with dealership_context(cast.a):
        return list(
            Notification.objects.filter(recipient=user, kind=kind).values_list(
                "subject_en", flat=True
            )
        )


def test_a_scheduled_run_waits_for_its_owner_and_counts_only_when_approved(cast, people, tracking):
    run = _scheduled(cast, tracking)
    assert run.status == "done" and run.period_key == "2026-11-H1"
    # the owner is asked to submit it; the recipients hear nothing yet
    assert any(
        "Submit for approval" in s or "提交审批" in s for s in _notices(cast, people.csi_ssi_admin)
    )
    assert _notices(cast, people.gm) == []

    run = _submit(cast, people.csi_ssi_admin, run)
    assert run.status == "in_approval"
    with dealership_context(cast.a):
        request = ApprovalRequest.objects.get(pk=run.approval_request_id)
    assert request.kind == KIND_CODE and request.status == "pending"
    assert request.requester == people.csi_ssi_admin

    assert _decide(cast, people.crm_director, run).status == "in_approval"
    assert _decide(cast, people.deputy_gm, run).status == "in_approval"
    assert _decide(cast, people.gm, run).status == "approved"
    assert len(_notices(cast, people.gm)) == 1  # now the recipients are told, once
    with dealership_context(cast.a):
        assert ApprovalRequest.objects.get(pk=run.approval_request_id).status == "approved"
    # approved is final: no second submission
    with pytest.raises(ValidationError):
        _submit(cast, people.csi_ssi_admin, run)


def test_returned_goes_on_with_a_corrected_version_rejected_ends(cast, people, tracking):
    run = _scheduled(cast, tracking)
    run = _submit(cast, people.csi_ssi_admin, run)
    request_id = run.approval_request_id
    run = _decide(cast, people.crm_director, run, "return", "竞品价格缺两款车")
    assert run.status == "done" and run.approval_request_id == request_id

    # a corrected version, generated by the surveyor, is submitted on the same request
    with dealership_context(cast.a):
        v2 = report_run_request(
            actor=people.csi_ssi_admin,
            report=tracking,
            period=tracking.period_due_on(DAY),
            dealership=cast.a,
        )
        report_run_generate(run_id=v2.pk)
    with pytest.raises(ValidationError, match="更新的版本"):
        _submit(cast, people.csi_ssi_admin, run)
    v2 = _submit(cast, people.csi_ssi_admin, v2)
    assert v2.approval_request_id == request_id and v2.status == "in_approval"
    with dealership_context(cast.a):
        assert ReportRun.objects.get(pk=run.pk).approval_request_id is None
        assert ApprovalRequest.objects.get(pk=request_id).round == 2

    v2 = _decide(cast, people.crm_director, v2, "reject", "数据来源不可靠")
    assert v2.status == "done" and v2.approval_request_id is None
    assert _notices(cast, people.gm) == []
    # it may be submitted again (a new request)
    v2 = _submit(cast, people.csi_ssi_admin, v2)
    assert v2.approval_request_id not in (None, request_id)


def test_an_approved_oem_report_is_submitted_to_the_car_maker_then(cast, people, tracking):
    from dealership.reports.registry import replace_report

    replace_report(CODE, oem=True)  # the fixture unregisters it
    run = _scheduled(cast, get_report(CODE))
    with dealership_context(cast.a):
        assert not OemSubmission.objects.filter(run=run).exists()
    run = _submit(cast, people.csi_ssi_admin, run)
    for who in (people.crm_director, people.deputy_gm, people.gm):
        run = _decide(cast, who, run)
    with dealership_context(cast.a):
        assert OemSubmission.objects.filter(run=run).count() == 1


def test_who_may_submit(cast, people, tracking, sample_report):
    run = _scheduled(cast, tracking)
    with pytest.raises(PermissionDenied):  # no reports.view: may not read it
        _submit(cast, people.sales_consultant, run)
    # a report without an approval chain is not submitted for approval
    with dealership_context(cast.a):
        plain = report_run_request(
            actor=people.gm,
            report=sample_report,
            period=sample_report.latest_period(DAY),
            dealership=cast.a,
        )
        report_run_generate(run_id=plain.pk)
    with pytest.raises(ValidationError, match="无需审批"):
        _submit(cast, people.gm, plain)
    # another dealership's run does not exist for them
    from django.http import Http404

    with dealership_context(cast.b), pytest.raises((Http404, ReportRun.DoesNotExist)):
        report_run_submit_for_approval(actor=cast.user_b, run_id=run.pk)


def test_the_run_page_offers_the_button_to_its_owner_and_the_post_submits(
    client, cast, people, tracking
):
    run = _scheduled(cast, tracking)
    url = run.get_absolute_url()
    submit_url = reverse("platform:reportrun_submit_approval", args=[run.pk])

    client.force_login(people.csi_ssi_admin)
    page = client.get(url)
    assert page.status_code == 200 and submit_url in page.content.decode()
    response = client.post(submit_url)
    assert response.status_code == 302
    with dealership_context(cast.a):
        run.refresh_from_db()
    assert run.status == "in_approval"
    page = client.get(url).content.decode()
    assert submit_url not in page
    assert reverse("org:approval_detail", args=[run.approval_request_id]) in page
    # submitting twice says why, without an error page
    response = client.post(submit_url, follow=True)
    assert response.status_code == 200
    assert (
        "already waiting" in response.content.decode() or "已在审批中" in response.content.decode()
    )

    client.force_login(people.sales_consultant)
    assert client.post(submit_url).status_code == 403
    client.force_login(cast.user_b)
    assert client.post(submit_url).status_code == 404


def test_the_approval_request_page_names_the_report(client, cast, people, tracking):
    run = _submit(cast, people.csi_ssi_admin, _scheduled(cast, tracking))
    client.force_login(people.crm_director)
    page = client.get(reverse("org:approval_detail", args=[run.approval_request_id]))
    assert page.status_code == 200
    assert "2026-11-H1" in page.content.decode()
