"""Writes of finance: functions named ``<entity>_<action>`` with keyword-only arguments.

Every finance request is the engine's :class:`~org.approvals.models.ApprovalRequest` (subject,
amount, requester, department, steps) plus the kind's own record. One transaction creates both,
stores the attachments (checked by content) and, when asked, submits the request; any error
leaves nothing behind. The follow-up actions after approval (the GM signs a contract, the admin
clerk files a stamped one, the customer-relations manager places a promotional goods order) are
allowed only to holders of that position."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealership.access import check_model_permission, lock_for_user
from dealership.audit import save_audited, snapshot
from dealership.tenancy import get_scope
from finance import kinds as K
from finance import selectors
from finance.models import (
    AdClaim,
    Budget,
    CashAdvance,
    ContractApproval,
    ContractStamping,
    DecorationRequest,
    PromoOrder,
    Reimbursement,
)
from org.approvals import services as approvals
from org.approvals.models import ApprovalChain, ApprovalRequest
from org.models import Department, PositionAssignment

Status = ApprovalRequest.Status
UNSET = object()
ATTACHMENT_LABELS = {
    K.INVOICE: "invoice",
    K.CONTRACT: "contract",
    K.PHOTO: "photo",
    K.SAFETY_AGREEMENT: "safety",
    K.OTHER: "other",
}


def _kind(kind: str) -> K.FinanceKind:
    try:
        return K.FINANCE_KINDS[kind]
    except KeyError:
        raise ValidationError({"kind": _("Unknown kind of request.")}) from None


def _pk(value):
    return getattr(value, "pk", value)


def _resolve_links(kind: K.FinanceKind, actor, fields: dict, requester_id) -> dict:
    """Foreign keys given as objects or ids, re-read in the tenant scope and checked."""
    fields = dict(fields)
    if kind.code == K.REIMBURSEMENT:
        if fields.get("type", Reimbursement.Type.EXPENSE) == Reimbursement.Type.WRITE_OFF:
            advance = (
                CashAdvance.objects.select_related("request")
                .filter(pk=_pk(fields.get("advance")))
                .first()
                if fields.get("advance") not in (None, "")
                else None
            )
            selectors.check_advance(advance, requester_id)
            fields["advance"] = advance
        else:
            fields["advance"] = None
    if kind.code == K.PROMO_REIMBURSEMENT:
        order = (
            PromoOrder.objects.select_related("request")
            .filter(pk=_pk(fields.get("promo_order")))
            .first()
            if fields.get("promo_order") not in (None, "")
            else None
        )
        selectors.check_promo_order(order)
        fields["promo_order"] = order
    if kind.code == K.BUDGET:
        fields["department"] = _budget_department(actor, fields.get("department"))
    return fields


def _budget_department(actor, value) -> Department:
    from org.access import user_access
    from org.capabilities import Capability, DataScope

    department = (
        Department.objects.select_for_update().filter(pk=_pk(value)).first()
        if value not in (None, "")
        else None
    )
    if department is None:
        raise ValidationError({"department": _("Choose a department of this dealership.")})
    access = user_access(actor)
    scope = access.scope_for(Capability.FINANCE_CHANGE_BUDGET)
    narrow = not access.is_system and scope is not None and scope < DataScope.DEALERSHIP
    if narrow and department.pk not in access.department_ids:
        raise ValidationError({"department": _("You plan budgets of your own department only.")})
    return department


def _check_budget_free(record: Budget) -> None:
    taken = (
        Budget.objects.filter(
            department_id=record.department_id,
            year=record.year,
            period=record.period,
            number=record.number,
            category=record.category,
        )
        .exclude(request__status__in=[Status.REJECTED, Status.WITHDRAWN])
        .exclude(pk=record.pk)
    )
    if taken.exists():
        raise ValidationError(
            {"category": _("This department already has a budget for this category and period.")}
        )


def _normalize_budget(fields: dict) -> dict:
    if fields.get("period") == Budget.Period.YEAR:
        fields["number"] = 0
    return fields


def _budget_subject(record: Budget) -> str:
    return _("Budget %(period)s %(department)s: %(category)s") % {
        "period": record.period_label,
        "department": record.department,
        "category": record.get_category_display(),
    }


def _clean_record(record, kind: K.FinanceKind) -> None:
    """The record's own fields (before anything is written)."""
    exclude = ["request", "dealership"]
    if kind.code == K.BUDGET:
        exclude.append("amount")  # the request's amount, checked by the engine
    record.full_clean(exclude=exclude)


def _check_files(kind: K.FinanceKind, files: dict, existing=()) -> None:
    for purpose in files:
        if purpose not in kind.attachments:
            raise ValidationError({purpose: _("This kind of request takes no such attachment.")})
    missing = [p for p in kind.required if not files.get(p) and p not in existing]
    if missing:
        raise ValidationError({p: K.attachment_message(kind.code, p) for p in missing})


def _submit(actor, request_id: int, kind: str) -> None:
    """Start the chain; a dealership opened before the kind existed first gets its default
    chain, as the engine's initializer gives new ones (existing chains are never touched)."""
    if not ApprovalChain.objects.filter(kind=kind).exists():
        from dealership.models import Dealership

        approvals.chains_seed(Dealership.objects.get(pk=get_scope().current_id))
    approvals.request_submit(actor=actor, request_id=request_id)


def _attach(actor, request_id, files: dict) -> None:
    for purpose, upload in files.items():
        if not upload:
            continue
        uploads = upload if isinstance(upload, list | tuple) else [upload]
        for one in uploads:
            try:
                approvals.attachment_add(
                    actor=actor, request_id=request_id, file=one, purpose=purpose
                )
            except ValidationError as error:
                # name the form field the file came from, not the engine's "file"
                messages = error.message_dict.get("file") if hasattr(error, "error_dict") else None
                if messages:
                    raise ValidationError({purpose: messages}) from None
                raise


@transaction.atomic
def record_create(
    *,
    actor,
    kind: str,
    subject: str = "",
    amount: Decimal | None = None,
    description: str = "",
    files: dict | None = None,
    submit: bool = False,
    **fields,
):
    """A finance request of ``kind`` by ``actor``: the engine's request, the kind's record
    (``fields``), the attachments (``files``: purpose → upload(s)), and, with ``submit``, the
    chain started. Returns the record."""
    spec = _kind(kind)
    model = spec.model
    check_model_permission(actor, model, "add")
    unknown = set(fields) - set(spec.fields)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(unknown)})
    files = {p: f for p, f in (files or {}).items() if f}
    fields = _resolve_links(spec, actor, fields, getattr(actor, "pk", None))
    if spec.code == K.BUDGET:
        fields = _normalize_budget(fields)
    record = model(dealership_id=get_scope().current_id, **fields)
    if spec.code == K.BUDGET:
        record.amount = amount if isinstance(amount, Decimal) and amount > 0 else Decimal("0.01")
    _clean_record(record, spec)
    if spec.code == K.BUDGET:
        _check_budget_free(record)
        subject = subject or _budget_subject(record)
    _check_files(spec, files)
    request = approvals.request_create(
        actor=actor, kind=kind, subject=subject, amount=amount, description=description
    )
    record.request = request
    if spec.code == K.BUDGET:
        record.amount = request.amount
    save_audited(actor=actor, obj=record, before=None, fields=(*spec.fields, "request"))
    _attach(actor, request.pk, files)
    if submit:
        _submit(actor, request.pk, kind)
        request.refresh_from_db()
    return record


@transaction.atomic
def record_update(
    *,
    actor,
    kind: str,
    record_id: int,
    subject=UNSET,
    amount=UNSET,
    description=UNSET,
    files: dict | None = None,
    submit: bool = False,
    **fields,
):
    """Change one's own draft or returned request (and its record), add attachments, and with
    ``submit`` (re)start its chain."""
    spec = _kind(kind)
    record = lock_for_user(actor, spec.model, record_id, "change")
    unknown = set(fields) - set(spec.fields)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(unknown)})
    request = approvals.lock_own_editable(actor, record.request_id)
    changes = {
        name: value
        for name, value in (("subject", subject), ("amount", amount), ("description", description))
        if value is not UNSET
    }
    if changes:
        approvals.request_update(actor=actor, request_id=request.pk, **changes)
    before = snapshot(record, spec.fields)
    fields = _resolve_links(
        spec,
        actor,
        {**{f: getattr(record, f) for f in spec.fields}, **fields},
        request.requester_id,
    )
    if spec.code == K.BUDGET:
        fields = _normalize_budget(fields)
    for name, value in fields.items():
        setattr(record, name, value)
    if spec.code == K.BUDGET and "amount" in changes:
        record.amount = changes["amount"]
    _clean_record(record, spec)
    if spec.code == K.BUDGET:
        _check_budget_free(record)
    files = {p: f for p, f in (files or {}).items() if f}
    existing = set(request.attachments.values_list("purpose", flat=True))
    _check_files(spec, files, existing)
    save_audited(actor=actor, obj=record, before=before, fields=spec.fields)
    _attach(actor, request.pk, files)
    if submit:
        _submit(actor, request.pk, kind)
    record.refresh_from_db()
    return record


@transaction.atomic
def record_submit(*, actor, kind: str, record_id: int):
    """Submit one's own draft or returned request (the chain starts, or starts again)."""
    spec = _kind(kind)
    record = lock_for_user(actor, spec.model, record_id, "view")
    _submit(actor, record.request_id, kind)
    record.refresh_from_db()
    return record


# --- the follow-up actions after approval -----------------------------------------------------


def _holds(actor, code: str) -> bool:
    return PositionAssignment.objects.filter(
        staff__user=actor, staff__is_active=True, position__code=code
    ).exists()


def _follow_up(actor, model, record_id, *, position: str, by: str, at: str, refusal: str):
    record = lock_for_user(actor, model, record_id, "view")
    if not _holds(actor, position):
        raise PermissionDenied(refusal)
    if record.request.status != Status.APPROVED:
        raise ValidationError(_("This request is not approved (yet)."))
    if getattr(record, at) is not None:
        raise ValidationError(_("This has already been recorded."))
    before = snapshot(record, [by, at])
    setattr(record, by, actor)
    setattr(record, at, timezone.now())
    save_audited(actor=actor, obj=record, before=before, fields=[by, at])
    return record


@transaction.atomic
def contract_sign(*, actor, record_id: int) -> ContractApproval:
    """The GM records signing an approved contract."""
    return _follow_up(
        actor,
        ContractApproval,
        record_id,
        position="gm",
        by="signed_by",
        at="signed_at",
        refusal=_("Only the general manager signs contracts."),
    )


@transaction.atomic
def stamping_file(*, actor, record_id: int) -> ContractStamping:
    """The admin clerk records filing an approved, stamped contract."""
    return _follow_up(
        actor,
        ContractStamping,
        record_id,
        position="admin_clerk",
        by="filed_by",
        at="filed_at",
        refusal=_("Only the administrative clerk files stamped contracts."),
    )


@transaction.atomic
def promo_order_place(*, actor, record_id: int) -> PromoOrder:
    """The customer-relations manager records placing an approved promotional goods order."""
    return _follow_up(
        actor,
        PromoOrder,
        record_id,
        position="customer_relations_manager",
        by="ordered_by",
        at="ordered_at",
        refusal=_("Only the customer relations manager places promotional goods orders."),
    )


# --- the OEM advertising reimbursement claim with the OEM -------------------------------------

OemStatus = AdClaim.OemStatus
OEM_FIELDS = (
    "oem_status",
    "oem_submitted_on",
    "oem_claim_no",
    "oem_decided_on",
    "oem_approved_amount",
    "oem_rejection_reason",
    "oem_paid_on",
    "oem_paid_amount",
    "oem_recorded_by",
)
# what each step needs the claim to be in
OEM_FROM = {
    OemStatus.SUBMITTED: (OemStatus.NOT_SUBMITTED,),
    OemStatus.APPROVED: (OemStatus.SUBMITTED,),
    OemStatus.REJECTED: (OemStatus.SUBMITTED,),
    OemStatus.PAID: (OemStatus.APPROVED,),
}


def may_record_oem(user) -> bool:
    """Finance records a claim's state with the OEM: who approves payments dealership-wide
    (``finance.approve_payment``: by default the accountant, the finance manager, the deputy GM
    and the GM), never in a read-only scope."""
    from org.access import user_access
    from org.capabilities import Capability, DataScope

    access = user_access(user)
    if access.is_system:
        return True
    scope = access.scope_for(Capability.FINANCE_APPROVE_PAYMENT)
    return access.writable and scope is not None and scope >= DataScope.DEALERSHIP


def oem_steps(claim: AdClaim) -> list[str]:
    """The states the claim may move to next."""
    if claim.request.status != Status.APPROVED:
        return []
    return [state for state, sources in OEM_FROM.items() if claim.oem_status in sources]


def _amount(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (ArithmeticError, ValueError, TypeError):
        raise ValidationError({field: _("Enter the amount in yuan.")}) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({field: _("Enter an amount above zero.")})
    return amount


@transaction.atomic
def ad_claim_oem_record(
    *,
    actor,
    record_id: int,
    status: str,
    on,
    amount=None,
    claim_no: str = "",
    reason: str = "",
) -> AdClaim:
    """Finance records the claim's next state with the OEM, on the day it happened: submitted
    (with the OEM's claim number), approved (the amount the OEM accepts, at most the amount
    claimed), rejected (with the OEM's reason) or paid (at most the approved amount). Each state
    follows the one before; the claim must have passed the dealership's chain."""
    claim = lock_for_user(actor, AdClaim, record_id, "view")
    if not may_record_oem(actor):
        raise PermissionDenied(_("Only finance records a claim's state with the OEM."))
    if claim.request.status != Status.APPROVED:
        raise ValidationError(_("This claim is not approved by the dealership (yet)."))
    if status not in OEM_FROM:
        raise ValidationError({"status": _("Choose what happened with the OEM.")})
    if claim.oem_status not in OEM_FROM[status]:
        raise ValidationError(
            {
                "status": _("This claim is %(state)s; that cannot come next.")
                % {"state": claim.get_oem_status_display()}
            }
        )
    if on is None:
        raise ValidationError({"on": _("Enter the date.")})
    today = timezone.localdate()
    if on > today:
        raise ValidationError({"on": _("The date cannot be in the future.")})
    before = snapshot(claim, OEM_FIELDS)
    if status == OemStatus.SUBMITTED:
        if on < claim.published_from:
            raise ValidationError({"on": _("The claim cannot be submitted before publication.")})
        claim.oem_submitted_on = on
        claim.oem_claim_no = (claim_no or "").strip()[:64]
    elif status in (OemStatus.APPROVED, OemStatus.REJECTED):
        if on < claim.oem_submitted_on:
            raise ValidationError(
                {"on": _("The OEM's decision cannot come before the submission.")}
            )
        claim.oem_decided_on = on
        if status == OemStatus.APPROVED:
            approved = _amount(amount, "amount")
            if approved > claim.claimed:
                raise ValidationError(
                    {"amount": _("The OEM cannot approve more than the amount claimed.")}
                )
            claim.oem_approved_amount = approved
        else:
            reason = (reason or "").strip()
            if not reason:
                raise ValidationError({"reason": _("Say why the OEM rejected the claim.")})
            claim.oem_rejection_reason = reason[:500]
    else:  # paid
        if on < claim.oem_decided_on:
            raise ValidationError({"on": _("The OEM cannot pay before it approved the claim.")})
        paid = claim.oem_approved_amount if amount in (None, "") else _amount(amount, "amount")
        if paid > claim.oem_approved_amount:
            raise ValidationError({"amount": _("The OEM cannot pay more than it approved.")})
        claim.oem_paid_on = on
        claim.oem_paid_amount = paid
    if claim_no and status != OemStatus.SUBMITTED:
        claim.oem_claim_no = claim_no.strip()[:64]
    claim.oem_status = status
    claim.oem_recorded_by = actor
    save_audited(actor=actor, obj=claim, before=before, fields=OEM_FIELDS)
    return claim


# --- showroom decoration and advertising installation ---------------------------------------

# the customer department's handler, its managers, and the GM
INSTALLERS = ("cr_specialist", "customer_relations_manager", "crm_director", "gm")


def may_install(user) -> bool:
    """The customer department's handler (or its managers, or the GM) arranges and records
    the installation."""
    return any(_holds(user, code) for code in INSTALLERS)


def has_agreement(record: DecorationRequest) -> bool:
    return record.request.attachments.filter(purpose=K.SAFETY_AGREEMENT).exists()


def _check_file(upload, field: str) -> None:
    """The engine's checks of an attachment (type by content, size), before it is stored."""
    from django.conf import settings

    from org.approvals.services import ALLOWED_TYPES, _detect

    if upload.size == 0:
        raise ValidationError({field: _("The file is empty.")})
    if upload.size > settings.ATTACHMENT_MAX_MB * 1024 * 1024:
        raise ValidationError(
            {field: _("The file is larger than %(mb)s MB.") % {"mb": settings.ATTACHMENT_MAX_MB}}
        )
    if _detect(upload) not in ALLOWED_TYPES:
        raise ValidationError({field: _("Attach a PDF or a photo (JPEG, PNG, WebP, HEIC).")})


def _store_agreement(actor, record: DecorationRequest, upload):
    """The safety agreement attached to an approved request (the engine attaches files only
    to drafts, so finance stores it on the request itself, checked the same way and audited)."""
    from dealership.audit import audit_record
    from dealership.models import AuditEntry
    from org.approvals.models import Attachment
    from org.approvals.services import _detect

    _check_file(upload, "agreement")
    name = (getattr(upload, "name", "") or "agreement").rsplit("/", 1)[-1][:200]
    attachment = Attachment(
        dealership_id=record.dealership_id,
        request_id=record.request_id,
        purpose=K.SAFETY_AGREEMENT,
        name=name,
        content_type=_detect(upload),
        size=upload.size,
        uploaded_by=actor,
    )
    attachment.file.save(name, upload, save=False)
    stored = attachment.file.name
    try:
        with transaction.atomic():
            attachment.save()
            audit_record(
                actor=actor,
                action=AuditEntry.Action.CREATE,
                obj=attachment,
                before=None,
                after={"request": record.request_id, "purpose": attachment.purpose, "name": name},
            )
    except Exception:
        attachment.file.storage.delete(stored)  # no file without its row
        raise
    return attachment


def _lock_decoration(actor, record_id) -> DecorationRequest:
    record = lock_for_user(actor, DecorationRequest, record_id, "view")
    if not may_install(actor):
        raise PermissionDenied(_("Only the customer department records the installation."))
    if record.request.status != Status.APPROVED:
        raise ValidationError(_("This request is not approved (yet)."))
    if record.installed_at is not None:
        raise ValidationError(_("This has already been recorded."))
    return record


@transaction.atomic
def decoration_agreement_attach(*, actor, record_id: int, agreement):
    """The handler attaches the safety agreement signed with the installer to an approved
    request (work at height)."""
    record = _lock_decoration(actor, record_id)
    if agreement is None:
        raise ValidationError({"agreement": _("Choose a file.")})
    return _store_agreement(actor, record, agreement)


@transaction.atomic
def decoration_install(*, actor, record_id: int, agreement=None) -> DecorationRequest:
    """The handler records the installation of an approved request; work at height needs the
    safety agreement with the installer attached first (or given here)."""
    record = _lock_decoration(actor, record_id)
    if agreement is not None:
        _store_agreement(actor, record, agreement)
    if record.at_height and not has_agreement(record):
        raise ValidationError(
            {
                "agreement": _(
                    "Work at height: attach the safety agreement with the installer first."
                )
            }
        )
    before = snapshot(record, ["installed_by", "installed_at"])
    record.installed_by = actor
    record.installed_at = timezone.now()
    save_audited(actor=actor, obj=record, before=before, fields=["installed_by", "installed_at"])
    return record


FOLLOW_UPS = {
    "sign": contract_sign,
    "file": stamping_file,
    "order": promo_order_place,
    "install": decoration_install,
}


# --- one name per kind (``payment_create(actor=…, …)``) ---------------------------------------


def _bind(kind: str, function):
    def bound(**kwargs):
        return function(kind=kind, **kwargs)

    bound.__name__ = function.__name__
    bound.__doc__ = function.__doc__
    return bound


def _create_update_submit(kind: str):
    return _bind(kind, record_create), _bind(kind, record_update), _bind(kind, record_submit)


general_request_create, general_request_update, general_request_submit = _create_update_submit(
    K.GENERAL
)
contract_approval_create, contract_approval_update, contract_approval_submit = (
    _create_update_submit(K.CONTRACT_APPROVAL)
)
contract_stamping_create, contract_stamping_update, contract_stamping_submit = (
    _create_update_submit(K.CONTRACT_STAMPING)
)
payment_create, payment_update, payment_submit = _create_update_submit(K.PAYMENT)
cash_advance_create, cash_advance_update, cash_advance_submit = _create_update_submit(
    K.CASH_ADVANCE
)
reimbursement_create, reimbursement_update, reimbursement_submit = _create_update_submit(
    K.REIMBURSEMENT
)
promo_order_create, promo_order_update, promo_order_submit = _create_update_submit(K.PROMO_ORDER)
promo_reimbursement_create, promo_reimbursement_update, promo_reimbursement_submit = (
    _create_update_submit(K.PROMO_REIMBURSEMENT)
)
budget_create, budget_update, budget_submit = _create_update_submit(K.BUDGET)
ad_claim_create, ad_claim_update, ad_claim_submit = _create_update_submit(K.AD_CLAIM)
decoration_create, decoration_update, decoration_submit = _create_update_submit(K.DECORATION)
