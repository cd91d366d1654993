"""Warranty claims: created from warranty lines only (a claim without one refused, a line
claimed twice refused), the amounts, every state move allowed and refused (approved ≤ claimed,
a rejection needs a reason, paid only after approval), edits only while draft, photos checked
by content; technical cases."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from aftersales import services
from aftersales.models import (
    ClaimStatus,
    LineKind,
    RepairLine,
    TechnicalCase,
    WarrantyClaim,
    WarrantyClaimLine,
    WarrantyClaimPhoto,
)
from dealership.models import AuditEntry
from dealership.tenancy import dealership_context
from tests.aftersales.conftest import make_part, make_repair_order, make_vehicle


def today():
    return timezone.localdate()


def line(dealership, order, kind=LineKind.LABOUR, amount="300.00", warranty=True, **fields):
    with dealership_context(dealership):
        if kind == LineKind.PART and "part" not in fields:
            fields["part"] = make_part(dealership)
            fields.setdefault("quantity", Decimal("1"))
        return RepairLine.objects.create(
            dealership=dealership,
            repair_order=order,
            kind=kind,
            description=fields.pop("description", f"{kind} line"),
            warranty=warranty,
            amount=Decimal(amount),
            **fields,
        )


@pytest.fixture
def order(cast, staff):
    return make_repair_order(cast.a, staff.advisor, service_type="warranty")


@pytest.fixture
def lines(cast, order):
    return {
        "labour": line(cast.a, order, LineKind.LABOUR, "320.00", hours=Decimal("2")),
        "part": line(cast.a, order, LineKind.PART, "1280.50"),
        "paid": line(cast.a, order, LineKind.LABOUR, "99.00", warranty=False),
    }


def create(staff, order, chosen, **kwargs):
    return services.warranty_claim_create(
        actor=kwargs.pop("actor", staff.warranty_assessor),
        repair_order_id=order.pk,
        lines=[x.pk for x in chosen],
        fault_description=kwargs.pop("fault_description", "发动机异响"),
        **kwargs,
    )


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


# --- creating -----------------------------------------------------------------------------------


def test_a_claim_from_warranty_lines_computes_the_amounts(cast, staff, order, lines):
    with dealership_context(cast.a):
        claim = create(staff, order, [lines["labour"], lines["part"]], fault_code="P0301")
        assert claim.status == ClaimStatus.DRAFT
        assert claim.number == f"WC{today():%Y%m}-0001"
        assert (claim.labour_amount, claim.parts_amount, claim.claimed_amount) == (
            Decimal("320.00"),
            Decimal("1280.50"),
            Decimal("1600.50"),
        )
        assert claim.assessor_id == staff.warranty_assessor.pk
        assert set(claim.claim_lines.values_list("line_id", flat=True)) == {
            lines["labour"].pk,
            lines["part"].pk,
        }
        assert AuditEntry.objects.filter(
            object_type="aftersales.WarrantyClaim", object_id=str(claim.pk)
        ).exists()


def test_numbers_count_up_within_the_month(cast, staff, order):
    a = line(cast.a, order)
    b = line(cast.a, order)
    with dealership_context(cast.a):
        first = create(staff, order, [a])
        second = create(staff, order, [b])
    assert second.number == first.number[:-4] + "0002"


def test_a_claim_without_a_warranty_line_is_refused(cast, staff, order, lines):
    for chosen in ([], [lines["paid"]]):
        with dealership_context(cast.a), pytest.raises(ValidationError) as error:
            create(staff, order, chosen)
        assert "lines" in error.value.message_dict
    with dealership_context(cast.a):
        assert not WarrantyClaim.objects.exists()


def test_a_sublet_or_another_orders_line_is_refused(cast, staff, order, lines):
    other = make_repair_order(cast.a, staff.advisor)
    foreign = line(cast.a, other)
    sublet = line(cast.a, order, LineKind.SUBLET, "500.00")
    for chosen in ([foreign], [sublet]):
        with dealership_context(cast.a), pytest.raises(ValidationError) as error:
            create(staff, order, chosen)
        assert "lines" in error.value.message_dict


def test_a_line_already_claimed_in_another_claim_is_refused(cast, staff, order, lines):
    with dealership_context(cast.a):
        first = create(staff, order, [lines["labour"]])
        with pytest.raises(ValidationError) as error:
            create(staff, order, [lines["labour"], lines["part"]])
        assert first.number in error.value.message_dict["lines"][0]
        assert WarrantyClaim.objects.count() == 1
        assert WarrantyClaimLine.objects.count() == 1
        # and on editing another claim too
        second = create(staff, order, [lines["part"]])
        with pytest.raises(ValidationError) as error:
            services.warranty_claim_update(
                actor=staff.warranty_assessor,
                claim_id=second.pk,
                lines=[lines["part"].pk, lines["labour"].pk],
            )
        assert "lines" in error.value.message_dict


def test_a_fault_description_is_required(cast, staff, order, lines):
    with dealership_context(cast.a), pytest.raises(ValidationError) as error:
        create(staff, order, [lines["labour"]], fault_description="  ")
    assert "fault_description" in error.value.message_dict


def test_only_claim_changers_file_claims(cast, staff, order, lines):
    for user in (staff.advisor, staff.technician, staff.aftersales_info_clerk):
        with dealership_context(cast.a), pytest.raises(PermissionDenied):
            create(staff, order, [lines["labour"]], actor=user)
    # the service manager (department) and the GM may
    with dealership_context(cast.a):
        claim = create(staff, order, [lines["labour"]], actor=staff.service_manager)
    assert claim.assessor_id == staff.service_manager.pk


def test_a_repair_order_of_another_dealership_is_not_found(cast, staff, lines):
    theirs = make_repair_order(cast.b, cast.user_b)
    with dealership_context(cast.a), pytest.raises(Http404):
        create(staff, theirs, [])


# --- editing and the states ---------------------------------------------------------------------


def test_edit_changes_lines_and_amounts_while_draft(cast, staff, order, lines):
    with dealership_context(cast.a):
        claim = create(staff, order, [lines["labour"]])
        claim = services.warranty_claim_update(
            actor=staff.warranty_assessor,
            claim_id=claim.pk,
            lines=[lines["part"].pk],
            fault_description="变速箱漏油",
            fault_code="T100",
        )
        assert claim.claimed_amount == Decimal("1280.50")
        assert claim.labour_amount == Decimal("0")
        assert list(claim.claim_lines.values_list("line_id", flat=True)) == [lines["part"].pk]
        services.warranty_claim_submit(actor=staff.warranty_assessor, claim_id=claim.pk)
        with pytest.raises(ValidationError) as error:
            services.warranty_claim_update(
                actor=staff.warranty_assessor, claim_id=claim.pk, fault_code="X"
            )
        assert "status" in error.value.message_dict


def test_the_whole_flow_draft_submitted_approved_paid(cast, staff, order, lines):
    with dealership_context(cast.a):
        claim = create(staff, order, [lines["labour"], lines["part"]])
        claim = services.warranty_claim_submit(actor=staff.warranty_assessor, claim_id=claim.pk)
        assert (claim.status, claim.submitted_on) == (ClaimStatus.SUBMITTED, today())
        claim = services.warranty_claim_approve(
            actor=staff.warranty_assessor,
            claim_id=claim.pk,
            approved_amount="1500.00",
            oem_reference="OEM-778",
        )
        assert (claim.status, claim.approved_amount, claim.oem_reference) == (
            ClaimStatus.APPROVED,
            Decimal("1500.00"),
            "OEM-778",
        )
        claim = services.warranty_claim_pay(
            actor=staff.warranty_assessor, claim_id=claim.pk, paid_amount="1500", paid_on=today()
        )
        assert (claim.status, claim.paid_amount, claim.paid_on) == (
            ClaimStatus.PAID,
            Decimal("1500.00"),
            today(),
        )
        actions = AuditEntry.objects.filter(
            object_type="aftersales.WarrantyClaim", object_id=str(claim.pk)
        ).count()
        assert actions == 4


def test_refused_moves(cast, staff, order, lines):
    actor = staff.warranty_assessor
    with dealership_context(cast.a):
        claim = create(staff, order, [lines["labour"]])
        # a draft can be neither approved, rejected nor paid
        for move, kwargs in (
            (services.warranty_claim_approve, {"approved_amount": "1", "oem_reference": "R"}),
            (services.warranty_claim_reject, {"reason": "no"}),
            (services.warranty_claim_pay, {"paid_amount": "1", "paid_on": today()}),
        ):
            with pytest.raises(ValidationError) as error:
                move(actor=actor, claim_id=claim.pk, **kwargs)
            assert "status" in error.value.message_dict
        # submitting in the future is refused
        with pytest.raises(ValidationError) as error:
            services.warranty_claim_submit(
                actor=actor, claim_id=claim.pk, submitted_on=today() + dt.timedelta(days=1)
            )
        assert "submitted_on" in error.value.message_dict
        services.warranty_claim_submit(actor=actor, claim_id=claim.pk)
        with pytest.raises(ValidationError):  # submitted twice
            services.warranty_claim_submit(actor=actor, claim_id=claim.pk)
        with pytest.raises(ValidationError) as error:  # paid before approval
            services.warranty_claim_pay(
                actor=actor, claim_id=claim.pk, paid_amount="1", paid_on=today()
            )
        assert "status" in error.value.message_dict
        # approved more than claimed
        with pytest.raises(ValidationError) as error:
            services.warranty_claim_approve(
                actor=actor, claim_id=claim.pk, approved_amount="320.01", oem_reference="R"
            )
        assert "approved_amount" in error.value.message_dict
        with pytest.raises(ValidationError) as error:  # no reference
            services.warranty_claim_approve(
                actor=actor, claim_id=claim.pk, approved_amount="100", oem_reference=" "
            )
        assert "oem_reference" in error.value.message_dict
        with pytest.raises(ValidationError) as error:  # a rejection needs a reason
            services.warranty_claim_reject(actor=actor, claim_id=claim.pk, reason="  ")
        assert "reason" in error.value.message_dict
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.SUBMITTED
        claim = services.warranty_claim_reject(actor=actor, claim_id=claim.pk, reason="超出保修期")
        assert (claim.status, claim.rejection_reason) == (ClaimStatus.REJECTED, "超出保修期")
        with pytest.raises(ValidationError):  # a rejected claim is never paid
            services.warranty_claim_pay(
                actor=actor, claim_id=claim.pk, paid_amount="0", paid_on=today()
            )


def test_paid_amount_at_most_approved_and_not_in_the_future(cast, staff, order, lines):
    actor = staff.warranty_assessor
    with dealership_context(cast.a):
        claim = create(staff, order, [lines["labour"]])
        services.warranty_claim_submit(actor=actor, claim_id=claim.pk)
        services.warranty_claim_approve(
            actor=actor, claim_id=claim.pk, approved_amount="300", oem_reference="R1"
        )
        with pytest.raises(ValidationError) as error:
            services.warranty_claim_pay(
                actor=actor, claim_id=claim.pk, paid_amount="300.01", paid_on=today()
            )
        assert "paid_amount" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            services.warranty_claim_pay(
                actor=actor,
                claim_id=claim.pk,
                paid_amount="300",
                paid_on=today() + dt.timedelta(days=1),
            )
        assert "paid_on" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            services.warranty_claim_pay(
                actor=actor, claim_id=claim.pk, paid_amount="-1", paid_on=today()
            )
        assert "paid_amount" in error.value.message_dict
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.APPROVED


def test_submit_needs_lines(cast, staff, order, lines):
    with dealership_context(cast.a):
        claim = create(staff, order, [lines["labour"]])
        WarrantyClaimLine.objects.filter(claim=claim).delete()  # (as if the line went away)
        with pytest.raises(ValidationError) as error:
            services.warranty_claim_submit(actor=staff.warranty_assessor, claim_id=claim.pk)
        assert "lines" in error.value.message_dict


# --- photos -------------------------------------------------------------------------------------


def test_photos_are_checked_by_content_and_size(cast, staff, order, lines, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    with dealership_context(cast.a):
        claim = create(staff, order, [lines["labour"]])
        fake = SimpleUploadedFile("fault.png", b"%PDF-1.4 not an image", "image/png")
        with pytest.raises(ValidationError) as error:
            services.warranty_claim_photo_add(
                actor=staff.warranty_assessor, claim_id=claim.pk, file=fake
            )
        assert "photo" in error.value.message_dict
        empty = SimpleUploadedFile("e.png", b"", "image/png")
        with pytest.raises(ValidationError):
            services.warranty_claim_photo_add(
                actor=staff.warranty_assessor, claim_id=claim.pk, file=empty
            )
        settings.ATTACHMENT_MAX_MB = 0
        with pytest.raises(ValidationError) as error:
            services.warranty_claim_photo_add(
                actor=staff.warranty_assessor,
                claim_id=claim.pk,
                file=SimpleUploadedFile("big.png", png_bytes(), "image/png"),
            )
        assert "MB" in error.value.message_dict["photo"][0]
        settings.ATTACHMENT_MAX_MB = 5
        photo = services.warranty_claim_photo_add(
            actor=staff.warranty_assessor,
            claim_id=claim.pk,
            file=SimpleUploadedFile("fault.jpg", png_bytes(), "image/jpeg"),
        )
        assert photo.content_type == "image/png"  # by content, not by name or header
        assert WarrantyClaimPhoto.objects.count() == 1
        services.warranty_claim_photo_delete(actor=staff.warranty_assessor, photo_id=photo.pk)
        assert not WarrantyClaimPhoto.objects.exists()


# --- technical cases ----------------------------------------------------------------------------


def test_technical_case_with_an_order_takes_its_vehicle(cast, staff, order):
    with dealership_context(cast.a):
        case = services.technical_case_create(
            actor=staff.warranty_assessor,
            kind="quality",
            title="刹车异响",
            description="多台车反馈",
            occurred_on=today(),
            repair_order=order.pk,
        )
        assert case.vehicle_id == order.vehicle_id
        with pytest.raises(ValidationError) as error:
            services.technical_case_create(
                actor=staff.warranty_assessor,
                kind="quality",
                title="x",
                description="y",
                occurred_on=today(),
                reported_on=today() - dt.timedelta(days=1),
            )
        assert "reported_on" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            services.technical_case_create(
                actor=staff.warranty_assessor,
                kind="other",
                title="x",
                description="y",
                occurred_on=today(),
            )
        assert "kind" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            services.technical_case_create(
                actor=staff.warranty_assessor,
                kind="technical",
                title="x",
                description="y",
                occurred_on=today() + dt.timedelta(days=1),
            )
        assert "occurred_on" in error.value.message_dict
        other_vehicle = make_vehicle(cast.a)
        with pytest.raises(ValidationError) as error:
            services.technical_case_update(
                actor=staff.warranty_assessor,
                case_id=case.pk,
                kind="technical",
                title="t",
                description="d",
                occurred_on=today(),
                repair_order=order.pk,
                vehicle=other_vehicle.pk,
            )
        assert "vehicle" in error.value.message_dict
        assert TechnicalCase.objects.count() == 1


def test_technical_case_refuses_another_dealerships_order(cast, staff):
    theirs = make_repair_order(cast.b, cast.user_b)
    with dealership_context(cast.a), pytest.raises(ValidationError) as error:
        services.technical_case_create(
            actor=staff.warranty_assessor,
            kind="technical",
            title="x",
            description="y",
            occurred_on=today(),
            repair_order=theirs.pk,
        )
    assert "repair_order" in error.value.message_dict
