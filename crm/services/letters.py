"""Thank-you letters (购车感谢信 / 入库感谢信), one per delivery or service visit:

* ``letters_create`` (the daily job ``crm.thank_you_letters``) drafts the letter of every
  event of the past week that has none — yesterday's deliveries and visits, and any reported
  late — addressed to the customer, in Chinese. Run twice or late it drafts each once (one
  letter per event, also a unique constraint).
* ``letters_submit`` (the CR specialist, ``crm.change_letter``) sends drafted letters for
  signature through the approvals engine: a purchase letter to the GM (kind
  ``crm.thank_you_purchase``), a service letter to the service manager
  (``crm.thank_you_service``). Approved → signed (who and when from the decision); returned
  or rejected → drafted again with the reason in the note.
* ``letter_update`` corrects a drafted letter (addressee, address, text); ``letter_cancel``
  drops one that will not be sent (no address, the customer declines letters).
* ``letter_mail`` — the admin department logs the mailing of a signed letter: the day, who,
  the tracking number.
* ``letter_pdf`` — the printable A4 letter (WeasyPrint, the CJK font, as the reports print); a
  signed-off letter's PDF is kept the first time it is printed (``ThankYouLetter.pdf``) and
  served as kept."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import CustomerEvent, EventKind, LetterState, ThankYouLetter
from dealership.access import check_model_permission, lock_for_user
from dealership.audit import audit_record, save_audited, snapshot
from dealership.figures import local_today
from dealership.models import AuditEntry
from dealership.tenancy import system_context
from org.approvals.kinds import RequestKind, Step

__all__ = [
    "KIND_PURCHASE",
    "KIND_SERVICE",
    "LETTER_FIELDS",
    "LETTER_KINDS",
    "letter_cancel",
    "letter_mail",
    "letter_pdf",
    "letter_update",
    "letters_create",
    "letters_submit",
]

KIND_PURCHASE = "crm.thank_you_purchase"
KIND_SERVICE = "crm.thank_you_service"
KIND_FOR = {EventKind.SALES: KIND_PURCHASE, EventKind.SERVICE: KIND_SERVICE}
LETTER_FIELDS = (
    "addressee",
    "address",
    "body",
    "state",
    "request",
    "signed_by",
    "signed_at",
    "mailed_on",
    "mailed_by",
    "tracking_number",
    "note",
)
LOOKBACK_DAYS = 7  # events reported late still get their letter
S = LetterState


def _pk(value):
    return getattr(value, "pk", value)


def _person(actor):
    return actor if getattr(actor, "pk", None) else None


# --- drafting -----------------------------------------------------------------------------------


def letter_body(event: CustomerEvent, dealership_name: str) -> str:
    """The letter's text, in Chinese (the customer's letter), from the event."""
    customer = event.customer
    vehicle = event.vehicle
    car = " ".join(p for p in (vehicle.brand, vehicle.model) if p) if vehicle else ""
    with translation.override("zh-hans"):
        if event.kind == EventKind.SALES:
            text = _(
                "Thank you for choosing %(dealership)s. On %(day)s you took delivery of your "
                "new %(car)s, and we are honoured to have been part of that moment. Our sales "
                "and service teams remain at your side for every kilometre ahead: for any "
                "question about your car, its maintenance or our services, please call us at "
                "any time."
            )
        else:
            text = _(
                "Thank you for bringing your %(car)s to %(dealership)s on %(day)s. We hope the "
                "service met your expectations. Your satisfaction is what we work for: if "
                "anything about your visit could have been better, please tell us, and we look "
                "forward to seeing you again."
            )
        greeting = _("Dear %(name)s,") % {"name": customer.name}
        closing = _("With our best wishes,")
        car = car or _("car")
        return "\n\n".join(
            [
                greeting,
                text
                % {
                    "dealership": dealership_name,
                    "day": f"{event.occurred_on:%Y-%m-%d}",
                    "car": car,
                },
                closing,
                dealership_name,
            ]
        )


def letters_create(*, day: dt.date | None = None) -> list[ThankYouLetter]:
    """Draft the letters of the events from ``LOOKBACK_DAYS`` before ``day`` to ``day``
    (yesterday by default) that have none (called in the dealership's scope by the job)."""
    from dealership.models import Dealership
    from dealership.tenancy import get_scope

    day = day or local_today() - dt.timedelta(days=1)
    dealership = Dealership.objects.get(pk=get_scope().current_id)
    events = (
        CustomerEvent.objects.filter(
            occurred_on__gte=day - dt.timedelta(days=LOOKBACK_DAYS), occurred_on__lte=day
        )
        .exclude(pk__in=ThankYouLetter.objects.values("event_id"))
        .select_related("customer", "vehicle")
        .order_by("occurred_on", "pk")
    )
    created = []
    for event in events:
        letter = ThankYouLetter(
            dealership_id=dealership.pk,
            kind=event.kind,
            event=event,
            customer=event.customer,
            vehicle=event.vehicle,
            addressee=event.customer.name,
            address=event.customer.address[:300],
            body=letter_body(event, dealership.name),
        )
        try:
            with transaction.atomic():  # a concurrent run drafted it first: keep that one
                save_audited(actor=None, obj=letter, before=None, fields=LETTER_FIELDS)
        except IntegrityError:
            continue
        created.append(letter)
    return created


# --- corrections --------------------------------------------------------------------------------


@transaction.atomic
def letter_update(*, actor, letter_id, **fields) -> ThankYouLetter:
    """Correct a drafted letter: ``addressee``, ``address``, ``body``."""
    unknown = sorted(set(fields) - {"addressee", "address", "body"})
    if unknown:
        raise ValidationError(_("%(field)s cannot be changed.") % {"field": ", ".join(unknown)})
    letter = lock_for_user(actor, ThankYouLetter, _pk(letter_id), "change")
    if letter.state != S.DRAFTED:
        raise ValidationError(_("Only a drafted letter can be corrected."))
    before = snapshot(letter, LETTER_FIELDS)
    for name, value in fields.items():
        setattr(letter, name, str(value or "").strip())
    if not letter.addressee:
        raise ValidationError({"addressee": _("Give the addressee.")})
    if len(letter.addressee) > 100 or len(letter.address) > 300:
        raise ValidationError(_("The addressee or the address is too long."))
    if not letter.body:
        raise ValidationError({"body": _("The letter needs its text.")})
    if len(letter.body) > 5000:
        raise ValidationError(
            {"body": _("At most %(limit)d characters, please.") % {"limit": 5000}}
        )
    return save_audited(actor=actor, obj=letter, before=before, fields=LETTER_FIELDS)


@transaction.atomic
def letter_cancel(*, actor, letter_id, note: str) -> ThankYouLetter:
    """Drop a letter that will not be sent (drafted or signed, not yet mailed); say why."""
    letter = lock_for_user(actor, ThankYouLetter, _pk(letter_id), "change")
    if letter.state not in (S.DRAFTED, S.SIGNED):
        raise ValidationError(_("Only a drafted or signed letter can be cancelled."))
    note = str(note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why the letter is not sent.")})
    before = snapshot(letter, LETTER_FIELDS)
    letter.state = S.CANCELLED
    letter.note = note[:200]
    return save_audited(actor=actor, obj=letter, before=before, fields=LETTER_FIELDS)


# --- signature (the approvals engine) -----------------------------------------------------------


def _subject(letter: ThankYouLetter) -> str:
    return _("%(kind)s: %(addressee)s (%(day)s)") % {
        "kind": letter.get_kind_display(),
        "addressee": letter.addressee,
        "day": f"{letter.event.occurred_on:%Y-%m-%d}",
    }


def _ensure_chains(dealership_id) -> None:
    """A dealership opened before the kinds existed gets their default chains now."""
    from org.approvals import services as approvals
    from org.approvals.models import ApprovalChain

    if ApprovalChain.objects.filter(kind__in=(KIND_PURCHASE, KIND_SERVICE)).count() < 2:
        from dealership.models import Dealership

        approvals.chains_seed(Dealership.objects.get(pk=dealership_id))


@transaction.atomic
def letters_submit(*, actor, letter_ids) -> list[ThankYouLetter]:
    """Send drafted letters for signature, each through its chain (a letter returned for
    changes goes back on the same request). Letters in another state are refused."""
    from org.approvals import services as approvals
    from org.approvals.models import ApprovalRequest

    check_model_permission(actor, ThankYouLetter, "change")
    ids = [int(_pk(i)) for i in letter_ids]
    if not ids:
        raise ValidationError(_("Choose the letters to send for signature."))
    done = []
    for pk in sorted(set(ids)):
        letter = lock_for_user(actor, ThankYouLetter, pk, "change")
        if letter.state != S.DRAFTED:
            raise ValidationError(
                _("Letter to %(addressee)s is not a draft (%(state)s).")
                % {"addressee": letter.addressee, "state": letter.get_state_display()}
            )
        _ensure_chains(letter.dealership_id)
        before = snapshot(letter, LETTER_FIELDS)
        request = letter.request
        if request is not None and request.status == ApprovalRequest.Status.RETURNED:
            approvals.request_update(actor=actor, request_id=request.pk, subject=_subject(letter))
        else:
            request = approvals.request_create(
                actor=actor,
                kind=KIND_FOR[letter.kind],
                subject=_subject(letter),
                amount=None,
                description=letter.body,
            )
        letter.request = request
        letter.state = S.SUBMITTED
        letter.note = ""
        save_audited(actor=actor, obj=letter, before=before, fields=LETTER_FIELDS)
        approvals.request_submit(actor=actor, request_id=request.pk)
        letter.refresh_from_db()  # signed at once when nobody is there to sign
        done.append(letter)
    return done


def _letter_of(request) -> ThankYouLetter | None:
    return ThankYouLetter.objects.select_for_update().filter(request_id=request.pk).first()


def _move(request, state: str, *, note: str = "", unlink: bool = False) -> None:
    from org.approvals.models import StepApprover

    letter = _letter_of(request)
    if letter is None:
        return
    before = snapshot(letter, LETTER_FIELDS)
    letter.state = state
    if state == S.SIGNED:
        decision = (
            StepApprover.objects.filter(
                step__request_id=request.pk, decision=StepApprover.Decision.APPROVE
            )
            .order_by("-decided_at", "-pk")
            .first()
        )
        letter.signed_by_id = decision.user_id if decision else None
        letter.signed_at = decision.decided_at if decision else timezone.now()
    if note:
        letter.note = note[:200]
    if unlink:
        letter.request = None
    letter.save()
    audit_record(
        actor=None,
        action=AuditEntry.Action.UPDATE,
        obj=letter,
        before=before,
        after=snapshot(letter, LETTER_FIELDS),
    )


def _last_comment(request) -> str:
    from org.approvals.models import StepApprover

    row = (
        StepApprover.objects.filter(step__request_id=request.pk)
        .exclude(decision="")
        .order_by("-decided_at", "-pk")
        .first()
    )
    return row.comment if row else ""


def _approved(request) -> None:
    _move(request, S.SIGNED)


def _returned(request) -> None:
    _move(request, S.DRAFTED, note=_last_comment(request))


def _rejected(request) -> None:
    _move(request, S.DRAFTED, note=_last_comment(request), unlink=True)


def _withdrawn(request) -> None:
    _move(request, S.DRAFTED, unlink=True)


def _details(request, user) -> list:
    from django.urls import reverse
    from django.utils.html import format_html

    letter = ThankYouLetter.objects.filter(request_id=request.pk).select_related("event").first()
    if letter is None:
        return []
    pdf = format_html(
        '<a href="{}" data-testid="letter-pdf">{}</a>',
        reverse("crm:letter_pdf", kwargs={"pk": letter.pk}),
        _("Print (PDF)"),
    )
    return [
        (_("Addressee"), letter.addressee),
        (_("Postal address"), letter.address or "—"),
        (_("Event"), f"{letter.event.get_kind_display()} {letter.event.occurred_on:%Y-%m-%d}"),
        (_("Letter"), pdf),
    ]


def _edit_url(request) -> str | None:
    letter = ThankYouLetter.objects.filter(request_id=request.pk).first()
    return letter.get_absolute_url() if letter is not None else None


LETTER_KINDS = [
    RequestKind(
        code=KIND_PURCHASE,
        label=gettext_lazy("Thank-you letter (purchase)"),
        default_chain=[Step.at("gm")],
        amount_required=False,
        on_approved=_approved,
        on_rejected=_rejected,
        on_returned=_returned,
        on_withdrawn=_withdrawn,
        details=_details,
        edit_url=_edit_url,
    ),
    RequestKind(
        code=KIND_SERVICE,
        label=gettext_lazy("Thank-you letter (service visit)"),
        default_chain=[Step.at("service_manager", alternate="service_director")],
        amount_required=False,
        on_approved=_approved,
        on_rejected=_rejected,
        on_returned=_returned,
        on_withdrawn=_withdrawn,
        details=_details,
        edit_url=_edit_url,
    ),
]


# --- mailing ------------------------------------------------------------------------------------


@transaction.atomic
def letter_mail(*, actor, letter_id, mailed_on=None, tracking_number: str = "") -> ThankYouLetter:
    """Log that a signed letter was mailed (by the actor, on ``mailed_on``: today by
    default), with the post's tracking number when it has one."""
    letter = lock_for_user(actor, ThankYouLetter, _pk(letter_id), "change")
    if letter.state != S.SIGNED:
        raise ValidationError(_("Only a signed letter is mailed."))
    today = local_today()
    if mailed_on in (None, ""):
        mailed_on = today
    elif not isinstance(mailed_on, dt.date):
        try:
            mailed_on = dt.date.fromisoformat(str(mailed_on).strip())
        except ValueError:
            raise ValidationError({"mailed_on": _("Give a date as YYYY-MM-DD.")}) from None
    if mailed_on > today:
        raise ValidationError({"mailed_on": _("A letter cannot be mailed in the future.")})
    if letter.signed_at and mailed_on < timezone.localtime(letter.signed_at).date():
        raise ValidationError({"mailed_on": _("A letter is mailed after it is signed.")})
    tracking_number = str(tracking_number or "").strip()
    if len(tracking_number) > 40:
        raise ValidationError(
            {"tracking_number": _("A tracking number has at most 40 characters.")}
        )
    before = snapshot(letter, LETTER_FIELDS)
    letter.state = S.MAILED
    letter.mailed_on = mailed_on
    letter.mailed_by = _person(actor)
    letter.tracking_number = tracking_number
    return save_audited(actor=actor, obj=letter, before=before, fields=LETTER_FIELDS)


# --- printing -----------------------------------------------------------------------------------


def _keep_pdf(letter: ThankYouLetter, content: bytes) -> None:
    """Keep the first print of a signed letter (private storage, like the reports' files), so
    every later print gives the same document. Rendering is slow (WeasyPrint, the CJK font), so
    it is done when the letter is first printed, not in the approval that signs it. The first
    print to be kept wins; a reader's print keeps it too (system scope: a file, no business
    change)."""
    from django.core.files.base import ContentFile

    field = letter.pdf.field
    name = field.storage.save(field.generate_filename(letter, "letter.pdf"), ContentFile(content))
    with system_context():
        kept = ThankYouLetter._base_manager.filter(pk=letter.pk, pdf="").update(pdf=name)
    if not kept:  # another print kept its copy first
        field.storage.delete(name)


def letter_pdf(letter: ThankYouLetter) -> bytes:
    """The letter as printed: a signed (or mailed) letter as it was first printed after it was
    signed off, kept; a draft or a letter awaiting signature rendered as it reads now."""
    if letter.pdf:
        try:
            with letter.pdf.open("rb") as stored:
                return stored.read()
        except FileNotFoundError:
            pass
    content = render_letter_pdf(letter)
    if letter.state in (S.SIGNED, S.MAILED) and not letter.pdf:
        _keep_pdf(letter, content)
        letter.refresh_from_db(fields=["pdf"])
        with letter.pdf.open("rb") as kept:  # the copy that won, if another print was first
            return kept.read()
    return content


def render_letter_pdf(letter: ThankYouLetter) -> bytes:
    """The letter on A4, in Chinese (WeasyPrint with the CJK font of the reports)."""
    from weasyprint import HTML

    from dealership.models import Dealership

    dealership = Dealership.objects.get(pk=letter.dealership_id)
    with translation.override("zh-hans"):
        html = render_to_string(
            "crm/letters/print.html",
            {
                "letter": letter,
                "paragraphs": [p for p in letter.body.split("\n\n") if p.strip()],
                "dealership": dealership,
                "day": letter.signed_at or letter.created_at,
            },
        )
    return HTML(string=html, base_url=None).write_pdf()
