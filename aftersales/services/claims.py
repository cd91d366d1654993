"""Writes of after-sales: claims — warranty claims (索赔) to the OEM from the warranty lines of a
repair order, their photos and their states (draft → submitted → approved / rejected → paid),
technical cases and quality feedback to the OEM, and the after-sales info clerk's confirmation
of a day's numbers (:func:`service_day_confirm`).

Claims are filed and changed by holders of ``aftersales.approve_warranty_claim`` (the warranty
assessor, the technical expert, the service manager); the repair order and its lines are read
through the chokepoint for the actor (``view``). A line is claimed in one claim only (checked
under the repair order's row lock, and by a unique constraint). The amounts are computed from
the lines: labour = the warranty labour lines, parts = the warranty part lines."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.models import (
    CaseKind,
    ClaimStatus,
    LineKind,
    PartLineState,
    RepairLine,
    RepairOrder,
    RepairStatus,
    ServiceDayConfirmation,
    TechnicalCase,
    WarrantyClaim,
    WarrantyClaimLine,
    WarrantyClaimPhoto,
)
from crm.models import Vehicle
from dealership.access import check_model_permission, get_object_for_user, lock_for_user
from dealership.actors import is_system_actor
from dealership.audit import audit_record, save_audited, snapshot
from dealership.models import AuditEntry
from dealership.tenancy import get_scope
from org.access import user_access
from org.capabilities import Capability as C
from org.capabilities import DataScope

__all__ = [
    "PHOTO_TYPES",
    "may_confirm_service_days",
    "service_day_confirm",
    "technical_case_create",
    "technical_case_update",
    "warranty_claim_approve",
    "warranty_claim_create",
    "warranty_claim_pay",
    "warranty_claim_photo_add",
    "warranty_claim_photo_delete",
    "warranty_claim_reject",
    "warranty_claim_submit",
    "warranty_claim_update",
]

# what a claim photo may be, recognised by content (never by the file name)
PHOTO_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
NUMBER_TRIES = 5
CLAIMABLE_KINDS = (LineKind.LABOUR, LineKind.PART)
CLAIM_FIELDS = (
    "number",
    "repair_order",
    "status",
    "fault_description",
    "fault_code",
    "labour_amount",
    "parts_amount",
    "claimed_amount",
    "approved_amount",
    "paid_amount",
    "oem_reference",
    "rejection_reason",
    "submitted_on",
    "decided_on",
    "paid_on",
    "assessor",
)


# --- helpers ------------------------------------------------------------------------------------


def _current_dealership_id() -> int:
    scope = get_scope()
    if scope.current_id is None:
        raise PermissionDenied(_("Choose a dealership to work in first."))
    return scope.current_id


def _day(value, field: str, *, required: bool = True, default=None) -> dt.date | None:
    """A date from a date or ``YYYY-MM-DD``; never in the future."""
    if value in (None, ""):
        if default is not None:
            return default
        if required:
            raise ValidationError({field: _("Give the day.")})
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError({field: _("Give the day as YYYY-MM-DD.")}) from None
    if not isinstance(value, dt.date):
        raise ValidationError({field: _("Give the day as YYYY-MM-DD.")})
    if value > timezone.localdate():
        raise ValidationError({field: _("The day cannot be in the future.")})
    return value


def _money(value, field: str) -> Decimal:
    if value in (None, "") or isinstance(value, bool):
        raise ValidationError({field: _("Give the amount.")})
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a valid amount.")}) from None
    if not amount.is_finite():
        raise ValidationError({field: _("Enter a valid amount.")})
    if amount < 0:
        raise ValidationError({field: _("The amount cannot be negative.")})
    if amount >= Decimal("10000000000"):
        raise ValidationError({field: _("The amount is too large.")})
    return amount.quantize(Decimal("0.01"))


def _text(value, field: str, max_length: int, *, required: bool = False, message=None) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError({field: message or _("This field is required.")})
    if len(text) > max_length:
        raise ValidationError(
            {field: _("At most %(n)d characters.") % {"n": max_length}},
        )
    return text


def _ids(values, field: str) -> list[int]:
    if values in (None, ""):
        return []
    if isinstance(values, (int, str)):
        values = [values]
    result: list[int] = []
    for value in values:
        value = getattr(value, "pk", value)
        try:
            pk = int(value)
        except (TypeError, ValueError):
            raise ValidationError({field: _("Choose lines of the repair order.")}) from None
        if pk not in result:
            result.append(pk)
    if len(result) > 200:
        raise ValidationError({field: _("At most 200 lines in a claim.")})
    return result


def _next_number(on: dt.date) -> str:
    prefix = f"WC{on:%Y%m}-"
    numbers = WarrantyClaim.objects.filter(number__startswith=prefix).values_list(
        "number", flat=True
    )
    last = max((int(n[len(prefix) :]) for n in numbers if n[len(prefix) :].isdigit()), default=0)
    return f"{prefix}{last + 1:04d}"


def _repair_order(actor, repair_order_id) -> RepairOrder:
    """The repair order, visible to the actor, locked (claims of one order are written one at a
    time)."""
    if repair_order_id in (None, ""):
        raise ValidationError({"repair_order": _("Choose the repair order.")})
    return get_object_for_user(
        actor,
        RepairOrder,
        "view",
        RepairOrder.objects.select_for_update(),
        pk=getattr(repair_order_id, "pk", repair_order_id),
    )


def _claimable_lines(order: RepairOrder, line_ids: list[int], claim=None) -> list[RepairLine]:
    """The chosen lines: warranty labour or part lines of ``order``, not claimed elsewhere."""
    if not line_ids:
        raise ValidationError(
            {"lines": _("Choose at least one warranty line of the repair order.")}
        )
    lines = list(RepairLine.objects.filter(repair_order=order, pk__in=line_ids).order_by("pk"))
    if len(lines) != len(line_ids):
        raise ValidationError({"lines": _("Choose lines of this repair order.")})
    for line in lines:
        if not line.warranty:
            raise ValidationError(
                {
                    "lines": _("“%(line)s” is not a warranty line: the customer pays it.")
                    % {"line": line.description}
                }
            )
        if line.kind not in CLAIMABLE_KINDS:
            raise ValidationError(
                {
                    "lines": _("“%(line)s”: only labour and part lines can be claimed.")
                    % {"line": line.description}
                }
            )
        if line.kind == LineKind.PART and line.part_state == PartLineState.RETURNED:
            raise ValidationError(
                {
                    "lines": _("“%(line)s”: the part was returned to stock.")
                    % {"line": line.description}
                }
            )
    taken = WarrantyClaimLine.objects.filter(line_id__in=line_ids)
    if claim is not None:
        taken = taken.exclude(claim=claim)
    taken = list(taken.select_related("claim", "line"))
    if taken:
        first = taken[0]
        raise ValidationError(
            {
                "lines": _("“%(line)s” is already claimed in %(claim)s.")
                % {"line": first.line.description, "claim": first.claim.number}
            }
        )
    return lines


def _amounts(claim: WarrantyClaim, lines) -> None:
    labour = sum((line.amount for line in lines if line.kind == LineKind.LABOUR), Decimal("0"))
    parts = sum((line.amount for line in lines if line.kind == LineKind.PART), Decimal("0"))
    claim.labour_amount = labour
    claim.parts_amount = parts
    claim.claimed_amount = labour + parts


def _set_lines(actor, claim: WarrantyClaim, lines) -> None:
    wanted = {line.pk for line in lines}
    current = {cl.line_id: cl for cl in claim.claim_lines.all()}
    for line_id, claim_line in current.items():
        if line_id not in wanted:
            audit_record(
                actor=actor,
                action=AuditEntry.Action.DELETE,
                obj=claim_line,
                before=snapshot(claim_line),
                after=None,
            )
            claim_line.delete()
    for line in lines:
        if line.pk in current:
            continue
        claim_line = WarrantyClaimLine(dealership_id=claim.dealership_id, claim=claim, line=line)
        try:
            with transaction.atomic():
                save_audited(actor=actor, obj=claim_line, before=None)
        except (IntegrityError, ValidationError):
            raise ValidationError(
                {"lines": _("“%(line)s” is already claimed.") % {"line": line.description}}
            ) from None


def _lock_claim(actor, claim_id) -> WarrantyClaim:
    return lock_for_user(actor, WarrantyClaim, getattr(claim_id, "pk", claim_id), "change")


def _require(claim: WarrantyClaim, *states: str, message: str) -> None:
    if claim.status not in states:
        raise ValidationError({"status": message})


def _save_claim(actor, claim: WarrantyClaim, before) -> WarrantyClaim:
    return save_audited(actor=actor, obj=claim, before=before, fields=CLAIM_FIELDS)


# --- warranty claims ----------------------------------------------------------------------------


@transaction.atomic
def warranty_claim_create(
    *, actor, repair_order_id, lines, fault_description, fault_code=""
) -> WarrantyClaim:
    """A draft claim from the chosen warranty ``lines`` (ids) of the repair order: a claim
    without a warranty line, a line of another order, a customer-paid line or a line already
    claimed in another claim is refused naming ``lines``. The amounts come from the lines."""
    check_model_permission(actor, WarrantyClaim, "add")
    dealership_id = _current_dealership_id()
    order = _repair_order(actor, repair_order_id)
    if order.status == RepairStatus.CANCELLED:
        raise ValidationError({"repair_order": _("The repair order was cancelled.")})
    chosen = _claimable_lines(order, _ids(lines, "lines"))
    description = _text(
        fault_description,
        "fault_description",
        5000,
        required=True,
        message=_("Describe the fault."),
    )
    code = _text(fault_code, "fault_code", 30)
    claim = WarrantyClaim(
        dealership_id=dealership_id,
        repair_order=order,
        fault_description=description,
        fault_code=code,
        assessor=actor if not is_system_actor(actor) else order.advisor,
    )
    _amounts(claim, chosen)
    today = timezone.localdate()
    for _attempt in range(NUMBER_TRIES):
        claim.number = _next_number(today)
        try:
            with transaction.atomic():
                claim.full_clean(validate_constraints=False)
                claim.save(force_insert=True)
        except IntegrityError as error:
            claim.pk = None
            if "aftersales_claim_number" in str(error):
                continue
            raise
        break
    else:
        raise ValidationError(_("No free claim number was found; try again."))
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=claim,
        before=None,
        after=snapshot(claim, CLAIM_FIELDS),
    )
    _set_lines(actor, claim, chosen)
    return claim


@transaction.atomic
def warranty_claim_update(
    *, actor, claim_id, lines=None, fault_description=None, fault_code=None
) -> WarrantyClaim:
    """Change a draft claim: its lines (same rules as on creation), fault description and
    code. Only drafts change."""
    claim = _lock_claim(actor, claim_id)
    _require(claim, ClaimStatus.DRAFT, message=_("Only a draft claim can be changed."))
    order = _repair_order(actor, claim.repair_order_id)
    before = snapshot(claim, CLAIM_FIELDS)
    if fault_description is not None:
        claim.fault_description = _text(
            fault_description,
            "fault_description",
            5000,
            required=True,
            message=_("Describe the fault."),
        )
    if fault_code is not None:
        claim.fault_code = _text(fault_code, "fault_code", 30)
    if lines is not None:
        chosen = _claimable_lines(order, _ids(lines, "lines"), claim=claim)
        _set_lines(actor, claim, chosen)
    else:
        chosen = [cl.line for cl in claim.claim_lines.select_related("line")]
    _amounts(claim, chosen)
    return _save_claim(actor, claim, before)


@transaction.atomic
def warranty_claim_submit(*, actor, claim_id, submitted_on=None) -> WarrantyClaim:
    """Submit a draft claim to the OEM (``submitted_on``, default today; never in the future):
    it needs lines and a fault description; the amounts are computed again from the lines."""
    claim = _lock_claim(actor, claim_id)
    _require(claim, ClaimStatus.DRAFT, message=_("Only a draft claim can be submitted."))
    lines = [cl.line for cl in claim.claim_lines.select_related("line")]
    if not lines:
        raise ValidationError({"lines": _("Add the warranty lines before submitting.")})
    if not claim.fault_description.strip():
        raise ValidationError({"fault_description": _("Describe the fault before submitting.")})
    before = snapshot(claim, CLAIM_FIELDS)
    _amounts(claim, lines)
    claim.submitted_on = _day(submitted_on, "submitted_on", default=timezone.localdate())
    if claim.submitted_on < timezone.localtime(claim.created_at).date():
        raise ValidationError(
            {"submitted_on": _("A claim cannot be submitted before it was written.")}
        )
    claim.status = ClaimStatus.SUBMITTED
    return _save_claim(actor, claim, before)


def _decided_on(claim: WarrantyClaim, value) -> dt.date:
    day = _day(value, "decided_on", default=timezone.localdate())
    if claim.submitted_on and day < claim.submitted_on:
        raise ValidationError(
            {"decided_on": _("The OEM cannot decide before the claim was submitted.")}
        )
    return day


@transaction.atomic
def warranty_claim_approve(
    *, actor, claim_id, approved_amount, oem_reference, decided_on=None
) -> WarrantyClaim:
    """The OEM approved a submitted claim: the approved amount (at most the amount claimed)
    and the OEM's reference."""
    claim = _lock_claim(actor, claim_id)
    _require(claim, ClaimStatus.SUBMITTED, message=_("Only a submitted claim can be approved."))
    amount = _money(approved_amount, "approved_amount")
    if amount > claim.claimed_amount:
        raise ValidationError(
            {
                "approved_amount": _(
                    "The approved amount cannot be more than the amount claimed (%(claimed)s)."
                )
                % {"claimed": claim.claimed_amount}
            }
        )
    reference = _text(
        oem_reference,
        "oem_reference",
        40,
        required=True,
        message=_("Give the OEM's reference of the approval."),
    )
    before = snapshot(claim, CLAIM_FIELDS)
    claim.decided_on = _decided_on(claim, decided_on)
    claim.approved_amount = amount
    claim.oem_reference = reference
    claim.status = ClaimStatus.APPROVED
    return _save_claim(actor, claim, before)


@transaction.atomic
def warranty_claim_reject(
    *, actor, claim_id, reason, oem_reference="", decided_on=None
) -> WarrantyClaim:
    """The OEM rejected a submitted claim; the reason is required."""
    claim = _lock_claim(actor, claim_id)
    _require(claim, ClaimStatus.SUBMITTED, message=_("Only a submitted claim can be rejected."))
    text = _text(
        reason, "reason", 5000, required=True, message=_("Give the reason the OEM rejected it.")
    )
    before = snapshot(claim, CLAIM_FIELDS)
    claim.decided_on = _decided_on(claim, decided_on)
    claim.rejection_reason = text
    claim.oem_reference = _text(oem_reference, "oem_reference", 40) or claim.oem_reference
    claim.status = ClaimStatus.REJECTED
    return _save_claim(actor, claim, before)


@transaction.atomic
def warranty_claim_pay(*, actor, claim_id, paid_amount, paid_on) -> WarrantyClaim:
    """The OEM paid an approved claim: the amount (at most the approved amount) and the day."""
    claim = _lock_claim(actor, claim_id)
    _require(claim, ClaimStatus.APPROVED, message=_("Only an approved claim can be paid."))
    amount = _money(paid_amount, "paid_amount")
    if amount > (claim.approved_amount or Decimal("0")):
        raise ValidationError(
            {
                "paid_amount": _(
                    "The amount paid cannot be more than the amount approved (%(approved)s)."
                )
                % {"approved": claim.approved_amount}
            }
        )
    day = _day(paid_on, "paid_on")
    if claim.decided_on and day < claim.decided_on:
        raise ValidationError({"paid_on": _("The claim cannot be paid before it was approved.")})
    before = snapshot(claim, CLAIM_FIELDS)
    claim.paid_amount = amount
    claim.paid_on = day
    claim.status = ClaimStatus.PAID
    return _save_claim(actor, claim, before)


# --- photos -------------------------------------------------------------------------------------


def _photo_type(photo) -> str:
    import filetype

    photo.seek(0)
    head = photo.read(8192)
    photo.seek(0)
    kind = filetype.guess(head)
    return kind.mime if kind else ""


@transaction.atomic
def warranty_claim_photo_add(*, actor, claim_id, file) -> WarrantyClaimPhoto:
    """A photo of the fault on a draft or submitted claim: JPEG, PNG or WebP by content, at most
    ``ATTACHMENT_MAX_MB``; stored outside the web root, served only through the claim's access
    check (``aftersales:warrantyclaim_photo``)."""
    claim = _lock_claim(actor, claim_id)
    _require(
        claim,
        ClaimStatus.DRAFT,
        ClaimStatus.SUBMITTED,
        message=_("Photos are added to a draft or submitted claim only."),
    )
    if file is None:
        raise ValidationError({"photo": _("Choose a photo.")})
    limit = settings.ATTACHMENT_MAX_MB * 1024 * 1024
    if file.size > limit:
        raise ValidationError(
            {"photo": _("The photo is larger than %(mb)s MB.") % {"mb": settings.ATTACHMENT_MAX_MB}}
        )
    if file.size == 0:
        raise ValidationError({"photo": _("The photo is empty.")})
    content_type = _photo_type(file)
    if content_type not in PHOTO_TYPES:
        raise ValidationError({"photo": _("The photo must be a JPEG, PNG or WebP image.")})
    name = (getattr(file, "name", "") or "photo").rsplit("/", 1)[-1][:200] or "photo"
    photo = WarrantyClaimPhoto(
        dealership_id=claim.dealership_id,
        claim=claim,
        name=name,
        content_type=content_type,
        size=file.size,
        uploaded_by=actor,
    )
    photo.file.save(f"{uuid.uuid4().hex}{PHOTO_TYPES[content_type]}", file, save=False)
    try:
        with transaction.atomic():
            photo.save()
            audit_record(
                actor=actor,
                action=AuditEntry.Action.CREATE,
                obj=photo,
                before=None,
                after={"claim": claim.pk, "name": name, "type": content_type},
            )
    except Exception:
        photo.file.storage.delete(photo.file.name)  # no file without its row
        raise
    return photo


@transaction.atomic
def warranty_claim_photo_delete(*, actor, photo_id) -> None:
    """Remove a photo of a draft claim."""
    photo = lock_for_user(actor, WarrantyClaimPhoto, photo_id, "change")
    claim = _lock_claim(actor, photo.claim_id)
    _require(claim, ClaimStatus.DRAFT, message=_("Photos are removed from a draft claim only."))
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=photo,
        before={"claim": claim.pk, "name": photo.name, "type": photo.content_type},
        after=None,
    )
    stored = photo.file.name
    photo.delete()
    transaction.on_commit(lambda: photo.file.storage.delete(stored))


# --- technical cases ----------------------------------------------------------------------------

CASE_FIELDS = (
    "kind",
    "title",
    "description",
    "vehicle",
    "repair_order",
    "occurred_on",
    "reported_on",
    "author",
)


def _case_links(actor, case: TechnicalCase, vehicle_id, repair_order_id) -> None:
    case.repair_order = None
    if repair_order_id not in (None, ""):
        try:
            case.repair_order = get_object_for_user(
                actor, RepairOrder, "view", pk=getattr(repair_order_id, "pk", repair_order_id)
            )
        except Exception:  # Http404 / PermissionDenied: not one the actor may name
            raise ValidationError(
                {"repair_order": _("Choose a repair order you can see.")}
            ) from None
    case.vehicle = None
    if vehicle_id not in (None, ""):
        try:
            case.vehicle = get_object_for_user(
                actor, Vehicle, "view", pk=getattr(vehicle_id, "pk", vehicle_id)
            )
        except Exception:
            raise ValidationError({"vehicle": _("Choose a vehicle you can see.")}) from None
    if case.repair_order is not None:
        if case.vehicle is None:
            case.vehicle = case.repair_order.vehicle
        elif case.vehicle.pk != case.repair_order.vehicle_id:
            raise ValidationError({"vehicle": _("The vehicle is not the repair order's vehicle.")})


def _case_fields(case, *, kind, title, description, occurred_on, reported_on) -> None:
    if kind not in CaseKind.values:
        raise ValidationError({"kind": _("Choose a technical case or quality feedback.")})
    case.kind = kind
    case.title = _text(title, "title", 200, required=True, message=_("Give the case a title."))
    case.description = _text(
        description, "description", 10000, required=True, message=_("Describe the case.")
    )
    case.occurred_on = _day(occurred_on, "occurred_on")
    case.reported_on = _day(reported_on, "reported_on", required=False)
    if case.reported_on and case.reported_on < case.occurred_on:
        raise ValidationError(
            {"reported_on": _("The case cannot be reported before the day it happened.")}
        )


@transaction.atomic
def technical_case_create(
    *,
    actor,
    kind,
    title,
    description,
    occurred_on,
    vehicle=None,
    repair_order=None,
    reported_on=None,
) -> TechnicalCase:
    """A technical case or quality feedback for the OEM (the monthly after-sales report); the
    vehicle and repair order are optional and must be visible to the actor (the repair order's
    vehicle is taken when no vehicle is given)."""
    check_model_permission(actor, TechnicalCase, "add")
    case = TechnicalCase(dealership_id=_current_dealership_id(), author=actor)
    _case_fields(
        case,
        kind=kind,
        title=title,
        description=description,
        occurred_on=occurred_on,
        reported_on=reported_on,
    )
    _case_links(actor, case, vehicle, repair_order)
    return save_audited(actor=actor, obj=case, before=None, fields=CASE_FIELDS)


@transaction.atomic
def technical_case_update(
    *,
    actor,
    case_id,
    kind,
    title,
    description,
    occurred_on,
    vehicle=None,
    repair_order=None,
    reported_on=None,
) -> TechnicalCase:
    case = lock_for_user(actor, TechnicalCase, case_id, "change")
    before = snapshot(case, CASE_FIELDS)
    _case_fields(
        case,
        kind=kind,
        title=title,
        description=description,
        occurred_on=occurred_on,
        reported_on=reported_on,
    )
    _case_links(actor, case, vehicle, repair_order)
    return save_audited(actor=actor, obj=case, before=before, fields=CASE_FIELDS)


# --- the day confirmation -----------------------------------------------------------------------


def may_confirm_service_days(actor) -> bool:
    """Holders of ``aftersales.change_repair_order`` at department or dealership scope (the
    after-sales info clerk, the workshop supervisor, the service manager, the GM) and system
    code, in a writable scope."""
    if is_system_actor(actor):
        return True
    access = user_access(actor)
    if access.is_system:
        return True
    scope = access.scope_for(C.AFTERSALES_CHANGE_REPAIR_ORDER)
    return access.writable and scope is not None and scope >= DataScope.DEPARTMENT


@transaction.atomic
def service_day_confirm(*, actor, day) -> ServiceDayConfirmation:
    """The after-sales info clerk confirms that ``day``'s check-ins and repair orders are all
    entered: the day's numbers (:func:`aftersales.selectors.claims.service_day`) are stored with
    who confirmed and when. Confirming again updates the row. A future day is refused."""
    check_model_permission(actor, ServiceDayConfirmation, "add")
    if not may_confirm_service_days(actor):
        raise PermissionDenied(
            _("Only the after-sales info clerk or a service manager may confirm a day's numbers.")
        )
    dealership_id = _current_dealership_id()
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day.strip())
        except ValueError:
            raise ValidationError({"day": _("Give the day as YYYY-MM-DD.")}) from None
    if isinstance(day, dt.datetime):
        day = day.date()
    if not isinstance(day, dt.date):
        raise ValidationError({"day": _("Give the day as YYYY-MM-DD.")})
    if day > timezone.localdate():
        raise ValidationError({"day": _("A day in the future cannot be confirmed.")})
    from aftersales.selectors.claims import service_day

    figures = service_day(actor, day).as_dict()
    # one confirmation per day for the dealership, whoever confirmed it last
    existing = ServiceDayConfirmation.objects.select_for_update().filter(day=day).first()
    before = snapshot(existing) if existing is not None else None
    confirmation = existing or ServiceDayConfirmation(dealership_id=dealership_id, day=day)
    confirmation.figures = figures
    confirmation.confirmed_by = actor
    return save_audited(actor=actor, obj=confirmation, before=before)
