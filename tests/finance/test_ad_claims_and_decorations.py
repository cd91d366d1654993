"""OEM advertising reimbursement claims (广告费用厂家报销) and showroom decoration / advertising
installation requests (展厅装饰/广告安装), issue #18 part 4: the attachments a claim needs, the
chains, the claim's state with the OEM recorded by finance only and in order, the safety
agreement before an installation at height, the pages and API, who sees what, and the quarterly
advertising reimbursement summary (广告报销统计表)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from dealership.models import ReportRun
from dealership.reports import ReportContent, get_report
from dealership.reports.periods import Period
from dealership.reports.services import report_run_scheduled
from dealership.tenancy import dealership_context
from finance import services
from finance.models import AdClaim, DecorationRequest
from finance.reports import AD_REIMBURSEMENT_SUMMARY
from org.approvals.models import ApprovalRequest, Attachment
from tests.finance.conftest import approve_all, pdf, png

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = timezone.localdate()  # the dealership's day (Asia/Shanghai), not the machine's


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path


def _files(**changes):
    files = {"contract": png("contract.png"), "invoice": pdf("invoice.pdf"), "photo": png("ad.png")}
    files.update(changes)
    return {k: v for k, v in files.items() if v is not None}


def _claim(staff, amount="20000.00", submit=True, files=None, actor=None, **fields):
    values = {
        "campaign": "十月团购会报纸广告",
        "medium": "newspaper",
        "published_from": TODAY - dt.timedelta(days=30),
        "published_until": TODAY - dt.timedelta(days=20),
        "programme": "2026年厂家区域广宣支持",
        "programme_ref": "GX-2026-04",
        **fields,
    }
    return services.ad_claim_create(
        actor=actor or staff.marketing,
        subject="十月报纸广告厂家报销",
        amount=Decimal(amount),
        files=_files() if files is None else files,
        submit=submit,
        **values,
    )


def _approved_claim(cast, staff, **kwargs):
    with dealership_context(cast.a):
        claim = _claim(staff, **kwargs)
    approve_all(cast.a, claim.request)
    return claim


def _decoration(staff, at_height=True, submit=True, files=None):
    return services.decoration_create(
        actor=staff.consultant,
        subject="展厅外墙广告牌更换",
        amount=Decimal("8000.00"),
        work="installation",
        location="展厅外墙",
        installer="武汉华彩广告公司",
        planned_on=TODAY + dt.timedelta(days=7),
        at_height=at_height,
        files=files or {},
        submit=submit,
    )


def _approved_decoration(cast, staff, **kwargs):
    with dealership_context(cast.a):
        record = _decoration(staff, **kwargs)
    approve_all(cast.a, record.request)
    return record


@pytest.fixture
def marketing(cast, staff):
    from tests.factories import UserFactory, hire

    user = UserFactory(username="fin_marketing_specialist")
    hire(user, cast.a, "marketing_specialist")
    staff.by_code["marketing"] = user
    return user


@pytest.fixture(autouse=True)
def _marketing_in_staff(marketing):
    return marketing


# --- the claim ------------------------------------------------------------------------------


def test_a_claim_needs_the_contract_photo_invoices_and_proof_of_publication(cast, staff):
    with dealership_context(cast.a):
        before = (ApprovalRequest.objects.count(), AdClaim.objects.count())
        for missing in ("contract", "invoice", "photo"):
            with pytest.raises(ValidationError) as error:
                _claim(staff, files=_files(**{missing: None}))
            assert missing in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            _claim(staff, published_until=TODAY - dt.timedelta(days=40))
        assert "published_until" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            _claim(staff, amount="0")
        assert "amount" in error.value.message_dict
        assert (ApprovalRequest.objects.count(), AdClaim.objects.count()) == before
        claim = _claim(staff)
        assert claim.request.status == "pending"
        assert sorted(claim.request.attachments.values_list("purpose", flat=True)) == [
            "contract",
            "invoice",
            "photo",
        ]
        assert claim.oem_status == "not_submitted"
        assert claim.outstanding == Decimal("20000.00")


def test_the_claim_runs_the_reimbursement_chain(cast, staff):
    with dealership_context(cast.a):
        claim = _claim(staff)
        snapshot = claim.request.chain_snapshot["steps"]
    codes = [s.get("position_code") or s.get("approver_type") for s in snapshot]
    assert len(snapshot) == 5
    assert codes[1:] == ["accountant", "finance_manager", "deputy_gm", "gm"]
    approve_all(cast.a, claim.request)
    with dealership_context(cast.a):
        assert ApprovalRequest.objects.get(pk=claim.request_id).status == "approved"


def test_finance_records_the_state_with_the_oem_in_order(cast, staff):
    claim = _approved_claim(cast, staff)
    record = services.ad_claim_oem_record
    with dealership_context(cast.a):
        with pytest.raises(PermissionDenied):  # the requester sees the claim, is not finance
            record(actor=staff.marketing, record_id=claim.pk, status="submitted", on=TODAY)
        with pytest.raises(Http404):  # someone else's claim
            record(actor=staff.consultant, record_id=claim.pk, status="submitted", on=TODAY)
        for status in ("approved", "rejected", "paid"):
            with pytest.raises(ValidationError):
                record(actor=staff.accountant, record_id=claim.pk, status=status, on=TODAY)
        with pytest.raises(ValidationError) as error:
            record(
                actor=staff.accountant,
                record_id=claim.pk,
                status="submitted",
                on=timezone.localdate() + dt.timedelta(days=1),
            )
        assert "on" in error.value.message_dict
        claim = record(
            actor=staff.accountant,
            record_id=claim.pk,
            status="submitted",
            on=TODAY - dt.timedelta(days=10),
            claim_no="OEM-AD-0091",
        )
        assert (claim.oem_status, claim.oem_claim_no) == ("submitted", "OEM-AD-0091")
        with pytest.raises(ValidationError) as error:
            record(
                actor=staff.finance_manager,
                record_id=claim.pk,
                status="approved",
                on=TODAY,
                amount=Decimal("20000.01"),
            )
        assert "amount" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            record(actor=staff.finance_manager, record_id=claim.pk, status="approved", on=TODAY)
        assert "amount" in error.value.message_dict
        claim = record(
            actor=staff.finance_manager,
            record_id=claim.pk,
            status="approved",
            on=TODAY - dt.timedelta(days=2),
            amount=Decimal("18000"),
        )
        assert claim.outstanding == Decimal("18000.00")
        with pytest.raises(ValidationError) as error:
            record(
                actor=staff.accountant,
                record_id=claim.pk,
                status="paid",
                on=TODAY,
                amount=Decimal("18000.01"),
            )
        assert "amount" in error.value.message_dict
        claim = record(actor=staff.accountant, record_id=claim.pk, status="paid", on=TODAY)
        assert (claim.oem_status, claim.oem_paid_amount, claim.outstanding) == (
            "paid",
            Decimal("18000.00"),
            Decimal("0.00"),
        )
        assert claim.oem_recorded_by_id == staff.accountant.pk
        with pytest.raises(ValidationError):
            record(actor=staff.accountant, record_id=claim.pk, status="paid", on=TODAY)


def test_a_rejection_needs_the_reason_and_leaves_nothing_outstanding(cast, staff):
    claim = _approved_claim(cast, staff)
    record = services.ad_claim_oem_record
    with dealership_context(cast.a):
        record(actor=staff.accountant, record_id=claim.pk, status="submitted", on=TODAY)
        with pytest.raises(ValidationError) as error:
            record(actor=staff.accountant, record_id=claim.pk, status="rejected", on=TODAY)
        assert "reason" in error.value.message_dict
        claim = record(
            actor=staff.accountant,
            record_id=claim.pk,
            status="rejected",
            on=TODAY,
            reason="发布证明缺少刊登日期",
        )
        assert claim.outstanding == Decimal("0.00")


def test_no_oem_state_skips_its_predecessor_or_follows_a_rejection(cast, staff):
    claim = _approved_claim(cast, staff)
    record = services.ad_claim_oem_record
    with dealership_context(cast.a):
        record(actor=staff.accountant, record_id=claim.pk, status="submitted", on=TODAY)
        for status in ("submitted", "paid"):  # paid only once the OEM approved it
            with pytest.raises(ValidationError) as error:
                record(
                    actor=staff.accountant,
                    record_id=claim.pk,
                    status=status,
                    on=TODAY,
                    amount=Decimal("100"),
                )
            assert "status" in error.value.message_dict
        record(actor=staff.accountant, record_id=claim.pk, status="rejected", on=TODAY, reason="x")
        for status in ("approved", "paid", "submitted"):
            with pytest.raises(ValidationError) as error:
                record(
                    actor=staff.accountant,
                    record_id=claim.pk,
                    status=status,
                    on=TODAY,
                    amount=Decimal("100"),
                )
            assert "status" in error.value.message_dict
        claim.refresh_from_db()
        assert (claim.oem_status, claim.oem_paid_amount) == ("rejected", None)


def test_a_claim_not_approved_by_the_dealership_has_no_oem_state(cast, staff):
    with dealership_context(cast.a):
        claim = _claim(staff)
    approve_all(cast.a, claim.request, steps=1)  # the accountant's step is open
    with dealership_context(cast.a), pytest.raises(ValidationError):
        services.ad_claim_oem_record(
            actor=staff.accountant, record_id=claim.pk, status="submitted", on=TODAY
        )


# --- decoration and installation --------------------------------------------------------------


def test_decoration_runs_through_the_customer_department(cast, staff):
    with dealership_context(cast.a):
        record = _decoration(staff)
        steps = record.request.chain_snapshot["steps"]
    assert [s.get("position_code") for s in steps] == [
        "cr_specialist",
        "crm_director",
        "deputy_gm",
        "gm",
    ]


def test_installation_at_height_needs_the_safety_agreement(cast, staff):
    with dealership_context(cast.a):
        pending = _decoration(staff)
        with pytest.raises(ValidationError):
            services.decoration_install(actor=staff.cr_specialist, record_id=pending.pk)
    record = _approved_decoration(cast, staff)
    with dealership_context(cast.a):
        with pytest.raises(PermissionDenied):
            services.decoration_install(actor=staff.consultant, record_id=record.pk)
        with pytest.raises(ValidationError) as error:
            services.decoration_install(actor=staff.cr_specialist, record_id=record.pk)
        assert "agreement" in error.value.message_dict
        assert DecorationRequest.objects.get(pk=record.pk).installed_at is None
        with pytest.raises(ValidationError) as error:
            services.decoration_agreement_attach(
                actor=staff.cr_specialist,
                record_id=record.pk,
                agreement=png("x.png").__class__("x.png", b"not a file we take"),
            )
        assert "agreement" in error.value.message_dict
        services.decoration_agreement_attach(
            actor=staff.cr_specialist, record_id=record.pk, agreement=pdf("安全协议.pdf")
        )
        assert services.has_agreement(record)
        record = services.decoration_install(actor=staff.cr_specialist, record_id=record.pk)
        assert record.installed_by_id == staff.cr_specialist.pk
        assert record.installed_at is not None
        with pytest.raises(ValidationError):
            services.decoration_install(actor=staff.cr_specialist, record_id=record.pk)


def test_installation_without_height_needs_no_agreement(cast, staff):
    record = _approved_decoration(cast, staff, at_height=False)
    with dealership_context(cast.a):
        record = services.decoration_install(actor=staff.cr_specialist, record_id=record.pk)
        assert record.installed_at is not None
        assert not Attachment.objects.filter(request_id=record.request_id).exists()


def test_the_agreement_may_come_with_the_installation(cast, staff):
    record = _approved_decoration(cast, staff)
    with dealership_context(cast.a):
        record = services.decoration_install(
            actor=staff.cr_specialist, record_id=record.pk, agreement=pdf("agreement.pdf")
        )
        attachment = Attachment.objects.get(request_id=record.request_id)
        assert (attachment.purpose, attachment.uploaded_by_id) == (
            "safety",
            staff.cr_specialist.pk,
        )


def test_the_safety_agreement_has_its_own_purpose(cast, staff, client_for, api_for):
    """A decoration's safety agreement is stored as "safety" (not as a contract), and only a
    file of that purpose lets work at height be installed."""
    record = _approved_decoration(cast, staff, files={"other": pdf("报价单.pdf")})
    with dealership_context(cast.a):
        # a file of another purpose (the engine's "contract") is no safety agreement
        Attachment.objects.filter(request_id=record.request_id).update(purpose="contract")
        assert not services.has_agreement(record)
        with pytest.raises(ValidationError) as error:
            services.decoration_install(actor=staff.cr_specialist, record_id=record.pk)
        assert "agreement" in error.value.message_dict
        services.decoration_agreement_attach(
            actor=staff.cr_specialist, record_id=record.pk, agreement=pdf("安全协议.pdf")
        )
        assert set(
            Attachment.objects.filter(request_id=record.request_id).values_list(
                "purpose", flat=True
            )
        ) == {"contract", "safety"}
        assert services.has_agreement(record)
    # the request's page names it as what it is
    page = client_for(staff.cr_specialist).get(record.get_absolute_url())
    assert page.status_code == 200 and "安全协议.pdf" in page.content.decode()
    # a requester may attach it with the request (its own file field)
    with dealership_context(cast.a):
        early = _decoration(staff, files={"safety": pdf("协议.pdf")})
        assert services.has_agreement(early)
    from finance import kinds as K

    assert K.SAFETY_AGREEMENT == "safety" != K.CONTRACT
    assert "safety" in K.FINANCE_KINDS[K.DECORATION].attachments


# --- pages and API ----------------------------------------------------------------------------


def test_claim_page_shows_the_oem_state_and_links_the_form_to_finance_only(cast, staff, client_for):
    claim = _approved_claim(cast, staff)
    page = claim.get_absolute_url()
    form = reverse("finance:adclaim_oem", kwargs={"pk": claim.pk})
    response = client_for(staff.accountant).get(page)
    assert response.status_code == 200
    assert form in response.content.decode()
    response = client_for(staff.marketing).get(page)
    assert response.status_code == 200
    assert form not in response.content.decode()
    assert client_for(staff.marketing).get(form).status_code == 403
    assert client_for(staff.consultant).get(page).status_code == 404
    assert client_for(cast.user_b).get(page).status_code == 404
    assert client_for(cast.user_b).get(form).status_code == 404
    # bad input: 400 naming the field, nothing recorded
    client = client_for(staff.accountant)
    response = client.post(form, {"status": "approved", "on": TODAY.isoformat()})
    assert response.status_code == 400
    response = client.post(form, {"status": "submitted", "on": "not a date"})
    assert response.status_code == 400
    response = client.post(
        form, {"status": "submitted", "on": TODAY.isoformat(), "claim_no": "OEM-7"}
    )
    assert response.status_code == 302
    with dealership_context(cast.a):
        assert AdClaim.objects.get(pk=claim.pk).oem_status == "submitted"


def test_new_claim_page_creates_and_submits_with_its_files(cast, staff, client_for):
    client = client_for(staff.marketing)
    url = reverse("finance:adclaim_create")
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "subject": "十月电台广告报销",
        "amount": "5000",
        "campaign": "十月电台",
        "medium": "radio",
        "published_from": (TODAY - dt.timedelta(days=20)).isoformat(),
        "published_until": (TODAY - dt.timedelta(days=10)).isoformat(),
        "programme": "厂家广宣支持",
        "submit": "1",
    }
    response = client.post(url, {**data, **_files(photo=None)})
    assert response.status_code == 400
    response = client.post(url, {**data, **_files()})
    assert response.status_code == 302, response.content.decode()[:2000]
    with dealership_context(cast.a):
        claim = AdClaim.objects.get(campaign="十月电台")
        assert claim.request.status == "pending"


def test_api_claim_create_and_oem_state(cast, staff, api_for):
    api = api_for(staff.marketing)
    url = "/api/v1/finance/ad-claims/"
    payload = {
        "subject": "十月户外广告报销",
        "amount": "9000.00",
        "campaign": "十月户外",
        "medium": "outdoor",
        "published_from": (TODAY - dt.timedelta(days=20)).isoformat(),
        "published_until": (TODAY - dt.timedelta(days=5)).isoformat(),
        "programme": "厂家广宣支持",
        "submit": "true",
    }
    response = api.post(url, {**payload, **_files(invoice=None)}, format="multipart")
    assert response.status_code == 400
    assert "invoice" in response.json()["error"]["fields"]
    response = api.post(url, {**payload, **_files()}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["request"]["status"] == "pending"
    assert body["oem_status"] == "not_submitted"
    assert body["oem_outstanding"] == "9000.00"
    with dealership_context(cast.a):
        request = ApprovalRequest.objects.get(pk=body["request"]["id"])
    approve_all(cast.a, request)
    oem = f"{url}{body['id']}/oem/"
    assert api.post(oem, {"status": "submitted", "on": TODAY.isoformat()}).status_code == 403
    assert (
        api_for(cast.user_b).post(oem, {"status": "submitted", "on": TODAY.isoformat()})
    ).status_code == 404
    finance = api_for(staff.finance_manager)
    response = finance.post(oem, {"status": "nonsense", "on": TODAY.isoformat()})
    assert response.status_code == 400
    response = finance.post(oem, {"status": "paid", "on": TODAY.isoformat()})
    assert response.status_code == 400
    response = finance.post(oem, {"status": "submitted", "on": TODAY.isoformat(), "claim_no": "X1"})
    assert response.status_code == 200, response.content
    response = finance.post(
        oem, {"status": "approved", "on": TODAY.isoformat(), "amount": "8500"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["oem_approved_amount"] == "8500.00"
    assert response.json()["oem_recorded_by"] == staff.finance_manager.username


def test_install_page_and_api(cast, staff, client_for, api_for):
    record = _approved_decoration(cast, staff)
    page = client_for(staff.cr_specialist).get(record.get_absolute_url())
    install = reverse("finance:decorationrequest_install", kwargs={"pk": record.pk})
    assert install in page.content.decode()
    assert client_for(staff.consultant).get(install).status_code == 403
    assert (
        install not in client_for(staff.consultant).get(record.get_absolute_url()).content.decode()
    )
    client = client_for(staff.cr_specialist)
    assert client.get(install).status_code == 200
    assert client.post(install, {}).status_code == 400
    with dealership_context(cast.a):
        assert DecorationRequest.objects.get(pk=record.pk).installed_at is None
    response = client.post(install, {"agreement": pdf("安全协议.pdf")})
    assert response.status_code == 302
    other = _approved_decoration(cast, staff, at_height=False)
    url = f"/api/v1/finance/decorations/{other.pk}/install/"
    assert api_for(staff.consultant).post(url).status_code == 403
    assert api_for(cast.user_b).post(url).status_code == 404
    response = api_for(staff.cr_specialist).post(url, {}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["installed_by"] == staff.cr_specialist.username


# --- the quarterly summary --------------------------------------------------------------------


def test_the_summary_is_due_in_the_first_month_of_the_next_quarter(cast):
    report = get_report(AD_REIMBURSEMENT_SUMMARY)
    q3 = Period.from_key("quarter", "2026-Q3")
    assert report.due_at(q3, cast.a) == dt.datetime(2026, 10, 31, 17, 0, tzinfo=SHANGHAI)
    assert report.period_due_on(dt.date(2026, 10, 31)) == q3
    assert not report.due.is_due_on(dt.date(2026, 11, 30))
    assert report.due.is_due_on(dt.date(2027, 1, 31))
    assert report.describe_due()


def test_the_summary_lists_each_claim_of_the_quarter(cast, staff):
    from tests.factories import AdClaimFactory

    def claim(dealership, campaign, start, amount, status="approved", **oem):
        record = AdClaimFactory(
            dealership=dealership,
            campaign=campaign,
            published_from=start,
            published_until=start + dt.timedelta(days=10),
            **oem,
        )
        with dealership_context(dealership):
            ApprovalRequest.objects.filter(pk=record.request_id).update(
                status=status, amount=Decimal(amount)
            )
        return record

    claim(cast.a, "七月报纸", dt.date(2026, 7, 5), "10000")
    claim(
        cast.a,
        "八月电台",
        dt.date(2026, 8, 1),
        "6000",
        oem_status="approved",
        oem_submitted_on=dt.date(2026, 8, 20),
        oem_decided_on=dt.date(2026, 9, 1),
        oem_approved_amount=Decimal("5000"),
    )
    claim(
        cast.a,
        "九月户外",
        dt.date(2026, 9, 1),
        "4000",
        oem_status="paid",
        oem_submitted_on=dt.date(2026, 9, 20),
        oem_decided_on=dt.date(2026, 9, 25),
        oem_approved_amount=Decimal("4000"),
        oem_paid_on=dt.date(2026, 9, 30),
        oem_paid_amount=Decimal("4000"),
    )
    claim(cast.a, "九月草稿", dt.date(2026, 9, 2), "999", status="pending")
    claim(cast.a, "十月网络", dt.date(2026, 10, 2), "777")
    claim(
        cast.a,
        "五月未付",
        dt.date(2026, 5, 2),
        "3000",
        oem_status="submitted",
        oem_submitted_on=dt.date(2026, 6, 1),
    )
    claim(cast.b, "B店九月", dt.date(2026, 9, 3), "1234")
    with dealership_context(cast.a):
        report_run_scheduled(
            report=get_report(AD_REIMBURSEMENT_SUMMARY),
            dealership=cast.a,
            run_date=dt.date(2026, 10, 31),
        )
        run = ReportRun.objects.get(report=AD_REIMBURSEMENT_SUMMARY)
    assert run.status == "done", run.error
    assert run.period_key == "2026-Q3"
    content = ReportContent.from_json(run.content)
    figures = [value for _label, value, _kind in content.figures]
    assert figures == [
        3,
        Decimal("20000.00"),
        Decimal("9000.00"),
        Decimal("4000.00"),
        Decimal("15000.00"),
        Decimal("3000.00"),
    ]
    claims, earlier = content.tables
    assert [row[0] for row in claims.rows] == ["七月报纸", "八月电台", "九月户外"]
    assert claims.rows[1][7:] == [
        Decimal("6000.00"),
        Decimal("5000.00"),
        None,
        Decimal("5000.00"),
    ]
    assert [row[0] for row in earlier.rows] == ["五月未付"]
    assert run.pdf and run.xlsx


# --- demo -------------------------------------------------------------------------------------


def test_the_demo_has_a_claim_at_the_oem_and_an_agreement_at_height(cast, staff):
    from finance import demo

    demo.seed([cast.a])
    with dealership_context(cast.a):
        counts = (AdClaim.objects.count(), DecorationRequest.objects.count())
        demo.seed([cast.a])
        assert (AdClaim.objects.count(), DecorationRequest.objects.count()) == counts
        waiting = AdClaim.objects.get(oem_status="submitted")
        assert waiting.request.status == "approved" and waiting.oem_claim_no
        paid = AdClaim.objects.get(oem_status="paid")
        assert (paid.oem_approved_amount, paid.oem_paid_amount) == (
            Decimal("9000.00"),
            Decimal("9000.00"),
        )
        high = DecorationRequest.objects.get(at_height=True)
        assert high.request.status == "approved" and high.installed_at is None
        assert services.has_agreement(high)


def test_the_lists_show_the_oem_state_and_the_height(cast, staff, client_for):
    claim = _approved_claim(cast, staff)
    with dealership_context(cast.a):
        services.ad_claim_oem_record(
            actor=staff.accountant, record_id=claim.pk, status="submitted", on=TODAY
        )
    _approved_decoration(cast, staff)
    page = client_for(staff.accountant).get(reverse("finance:adclaim_list"))
    assert page.status_code == 200
    body = page.content.decode()
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        assert str(AdClaim.OemStatus.SUBMITTED.label) in body
    assert "20000.00" in body or "20,000.00" in body
    page = client_for(staff.cr_specialist).get(reverse("finance:decorationrequest_list"))
    assert page.status_code == 200
    assert "展厅外墙广告牌更换" in page.content.decode()


def test_finance_dashboard_shows_the_claims_it_still_acts_on(cast, staff, client_for):
    first = _approved_claim(cast, staff, amount="12000.00")
    _approved_claim(cast, staff, amount="3000.00")
    with dealership_context(cast.a):
        services.ad_claim_oem_record(
            actor=staff.accountant, record_id=first.pk, status="submitted", on=TODAY
        )
        services.ad_claim_oem_record(
            actor=staff.accountant,
            record_id=first.pk,
            status="approved",
            on=TODAY,
            amount=Decimal("10000"),
        )
    page = client_for(staff.accountant).get(reverse("dashboard")).content.decode()
    assert 'data-testid="ad-claims-waiting"' in page
    assert "¥13000.00" in page  # 10,000 approved, not paid + 3,000 not yet sent
    assert first.get_absolute_url() in page
    page = client_for(staff.marketing).get(reverse("dashboard")).content.decode()
    assert 'data-testid="ad-claims-waiting"' not in page


def test_the_summary_page_for_finance_and_not_for_the_specialist(cast, staff, client_for):
    last = Period.containing("quarter", TODAY).previous()
    start = last.start + dt.timedelta(days=5)
    _approved_claim(cast, staff, published_from=start, published_until=start)
    url = reverse("platform:report_detail", kwargs={"code": AD_REIMBURSEMENT_SUMMARY})
    quarter = last.key
    page = client_for(staff.finance_manager).get(url, {"period": quarter})
    assert page.status_code == 200
    assert "十月团购会报纸广告" in page.content.decode()
    assert client_for(staff.finance_manager).get(url, {"period": "2026-Q9"}).status_code == 400
    assert client_for(staff.marketing).get(url).status_code in (403, 404)
