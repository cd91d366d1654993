"""The finance request kinds: the engine's :class:`~org.approvals.kinds.RequestKind` of each,
with its default chain, and what finance adds (its model, the attachments it requires, its URL
segment). Registered in :meth:`finance.apps.FinanceConfig.ready`."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from org.approvals.kinds import RequestKind, Step

GENERAL = "finance.general_request"
CONTRACT_APPROVAL = "finance.contract_approval"
CONTRACT_STAMPING = "finance.contract_stamping"
PAYMENT = "finance.payment"
CASH_ADVANCE = "finance.cash_advance"
REIMBURSEMENT = "finance.reimbursement"
PROMO_ORDER = "finance.promo_order"
PROMO_REIMBURSEMENT = "finance.promo_reimbursement"
BUDGET = "finance.budget"
AD_CLAIM = "finance.ad_claim"
DECORATION = "finance.decoration"

INVOICE, CONTRACT, PHOTO, OTHER = "invoice", "contract", "photo", "other"
# the engine's purposes are a closed set: a decoration request's safety agreement with the
# installer has its own ("safety"), an advertising claim's proof of publication is its "photo"
SAFETY_AGREEMENT = "safety"
PUBLICATION_PROOF = PHOTO
# what an attachment is called where its kind gives it no name of its own (``labels``)
FILE_LABELS = {
    INVOICE: gettext_lazy("Invoice"),
    CONTRACT: gettext_lazy("Contract"),
    PHOTO: gettext_lazy("Photo"),
    SAFETY_AGREEMENT: gettext_lazy("Safety agreement"),
    OTHER: gettext_lazy("Other document"),
}


@dataclass(frozen=True)
class FinanceKind:
    code: str
    model_name: str  # in finance.models
    slug: str  # URL segment
    fields: tuple[str, ...]  # the model's own fields a requester fills in
    required: tuple[str, ...] = ()  # attachment purposes needed to submit
    optional: tuple[str, ...] = ()
    budgeted: bool = False
    follow_up: str = ""  # the action after approval: "sign", "file", "order"
    follow_up_position: str = ""
    labels: dict = field(default_factory=dict)  # purpose → what the kind calls the attachment

    @property
    def model(self):
        from django.apps import apps

        return apps.get_model("finance", self.model_name)

    @property
    def request_kind(self) -> RequestKind:
        return REQUEST_KINDS[self.code]

    @property
    def label(self):
        return self.request_kind.label

    @property
    def attachments(self) -> tuple[str, ...]:
        return self.required + self.optional

    def attachment_label(self, purpose: str):
        return self.labels.get(purpose) or FILE_LABELS.get(purpose, purpose)


FINANCE_KINDS: dict[str, FinanceKind] = {
    k.code: k
    for k in (
        FinanceKind(
            GENERAL,
            "GeneralRequest",
            "general-requests",
            ("category", "needed_by"),
            optional=(OTHER, PHOTO),
        ),
        FinanceKind(
            CONTRACT_APPROVAL,
            "ContractApproval",
            "contract-approvals",
            ("counterparty", "contract_no", "starts_on", "ends_on"),
            required=(CONTRACT,),
            follow_up="sign",
            follow_up_position="gm",
        ),
        FinanceKind(
            CONTRACT_STAMPING,
            "ContractStamping",
            "contract-stampings",
            ("counterparty", "contract_no", "copies"),
            required=(CONTRACT,),
            follow_up="file",
            follow_up_position="admin_clerk",
        ),
        FinanceKind(
            PAYMENT,
            "Payment",
            "payments",
            ("payee", "bank_name", "bank_account", "category", "due_date"),
            required=(INVOICE,),
            optional=(CONTRACT,),
            budgeted=True,
        ),
        FinanceKind(CASH_ADVANCE, "CashAdvance", "cash-advances", ("settle_by",)),
        FinanceKind(
            REIMBURSEMENT,
            "Reimbursement",
            "reimbursements",
            ("type", "category", "advance"),
            required=(INVOICE,),
            budgeted=True,
        ),
        FinanceKind(
            PROMO_ORDER,
            "PromoOrder",
            "promo-orders",
            ("supplier", "items"),
            optional=(OTHER,),
            follow_up="order",
            follow_up_position="customer_relations_manager",
        ),
        FinanceKind(
            PROMO_REIMBURSEMENT,
            "PromoReimbursement",
            "promo-reimbursements",
            ("promo_order",),
            required=(INVOICE,),
        ),
        FinanceKind(
            BUDGET,
            "Budget",
            "budgets",
            ("department", "year", "period", "number", "category"),
        ),
        FinanceKind(
            AD_CLAIM,
            "AdClaim",
            "ad-claims",
            (
                "campaign",
                "medium",
                "published_from",
                "published_until",
                "programme",
                "programme_ref",
            ),
            required=(CONTRACT, INVOICE, PUBLICATION_PROOF),
            optional=(OTHER,),
            labels={
                CONTRACT: gettext_lazy("Contract (photo of the original)"),
                INVOICE: gettext_lazy("Invoices"),
                PUBLICATION_PROOF: gettext_lazy(
                    "Proof of publication (sample copy, photos or screenshots)"
                ),
            },
        ),
        FinanceKind(
            DECORATION,
            "DecorationRequest",
            "decorations",
            ("work", "location", "installer", "planned_on", "at_height"),
            optional=(PHOTO, SAFETY_AGREEMENT, OTHER),
            follow_up="install",
            follow_up_position="cr_specialist",
            labels={
                PHOTO: gettext_lazy("Design or site photos"),
                SAFETY_AGREEMENT: gettext_lazy("Safety agreement with the installer"),
                OTHER: gettext_lazy("Quotation or other document"),
            },
        ),
    )
}


def finance_kind_of_model(model) -> FinanceKind:
    return next(k for k in FINANCE_KINDS.values() if k.model_name == model.__name__)


def record_of(request):
    """The finance record linked to an approval request (None for another app's request)."""
    kind = FINANCE_KINDS.get(request.kind)
    if kind is None:
        return None
    return kind.model._base_manager.filter(request_id=request.pk).first()


ATTACHMENT_MESSAGES = {
    INVOICE: gettext_lazy("Attach the invoice (a PDF or a photo)."),
    CONTRACT: gettext_lazy("Attach the contract (a PDF or a photo)."),
    PHOTO: gettext_lazy("Attach the photos (a PDF or a photo)."),
    SAFETY_AGREEMENT: gettext_lazy(
        "Attach the safety agreement signed with the installer (a PDF or a photo)."
    ),
}
# what a kind asks for instead (its own name of the attachment)
KIND_ATTACHMENT_MESSAGES = {
    AD_CLAIM: {
        CONTRACT: gettext_lazy("Attach a photo of the original contract."),
        INVOICE: gettext_lazy("Attach the invoices."),
        PUBLICATION_PROOF: gettext_lazy(
            "Attach the proof of publication (a sample copy, photos or screenshots)."
        ),
    },
}


def attachment_message(kind: str, purpose: str) -> str:
    return str(KIND_ATTACHMENT_MESSAGES.get(kind, {}).get(purpose) or ATTACHMENT_MESSAGES[purpose])


def validate_submit(request) -> None:
    """Required attachments are there, links still hold, and (budgeted kinds) whether the
    request is over its department's budget (``request.over_budget``; the engine refuses to
    submit it when the chain blocks over-budget requests)."""
    from finance import selectors
    from finance.models import Reimbursement

    kind = FINANCE_KINDS[request.kind]
    record = record_of(request)
    if record is None:
        raise ValidationError(_("This request has no finance record."))
    attached = set(request.attachments.values_list("purpose", flat=True))
    missing = [p for p in kind.required if p not in attached]
    if missing:
        raise ValidationError({"attachments": [attachment_message(kind.code, p) for p in missing]})
    if isinstance(record, Reimbursement) and record.type == Reimbursement.Type.WRITE_OFF:
        selectors.check_advance(record.advance, request.requester_id)
    if kind.code == PROMO_REIMBURSEMENT:
        selectors.check_promo_order(record.promo_order)
    if kind.budgeted:
        remaining = selectors.budget_remaining(
            department_id=request.department_id,
            category=record.category,
            on=selectors.request_date(request),
            exclude_request_id=request.pk,
        )
        request.over_budget = remaining is not None and request.amount > remaining.remaining


def _details(request, user) -> list:
    """What the engine's request page shows of the finance record: a link to it."""
    from django.utils.html import format_html

    record = record_of(request)
    if record is None:
        return []
    return [
        (
            _("Finance record"),
            format_html(
                '<a href="{}" data-testid="finance-record">{}</a>',
                record.get_absolute_url(),
                _("Open the details"),
            ),
        )
    ]


def _create_url(code):
    def url(user) -> str | None:
        """The kind's "new" page, for who may add such a record (budgets: their planners)."""
        from django.urls import reverse

        from dealership.access import can

        kind = FINANCE_KINDS[code]
        if not can(user, kind.model, "add"):
            return None
        return reverse(f"finance:{kind.model._meta.model_name}_create")

    return url


def _edit_url(request) -> str | None:
    from django.urls import reverse

    record = record_of(request)
    if record is None:
        return None
    return reverse(f"finance:{record._meta.model_name}_edit", kwargs={"pk": record.pk})


def _kind(code: str, label, chain: list[Step], **kwargs) -> RequestKind:
    return RequestKind(
        code=code,
        label=label,
        default_chain=chain,
        validate_submit=validate_submit,
        details=_details,
        create_url=_create_url(code),
        edit_url=_edit_url,
        **kwargs,
    )


HEAD = Step.department_head()
REQUEST_KINDS: dict[str, RequestKind] = {
    k.code: k
    for k in (
        _kind(
            GENERAL,
            gettext_lazy("General request"),
            [
                Step.at("cr_specialist", label=gettext_lazy("Customer department handler")),
                Step.at("crm_director"),
                Step.at("deputy_gm"),
                Step.at("gm"),
            ],
            amount_required=False,
        ),
        _kind(
            CONTRACT_APPROVAL,
            gettext_lazy("Contract approval"),
            [HEAD, Step.at("finance_manager"), Step.at("deputy_gm"), Step.at("gm")],
            amount_required=False,
        ),
        _kind(
            CONTRACT_STAMPING,
            gettext_lazy("Contract stamping"),
            [HEAD, Step.at("gm", alternate="deputy_gm")],
            amount_required=False,
        ),
        _kind(
            PAYMENT,
            gettext_lazy("Payment"),
            [
                HEAD,
                Step.at("accountant"),
                Step.at("finance_manager"),
                Step.at("deputy_gm"),
                Step.at("gm"),
            ],
            budgeted=True,
        ),
        _kind(
            CASH_ADVANCE,
            gettext_lazy("Cash advance"),
            [HEAD, Step.at("finance_manager"), Step.at("deputy_gm"), Step.at("gm")],
        ),
        _kind(
            REIMBURSEMENT,
            gettext_lazy("Reimbursement or advance write-off"),
            [
                HEAD,
                Step.at("accountant"),
                Step.at("finance_manager"),
                Step.at("deputy_gm"),
                Step.at("gm"),
            ],
            budgeted=True,
        ),
        _kind(
            PROMO_ORDER,
            gettext_lazy("Promotional goods order"),
            [
                HEAD,
                Step.at("deputy_gm"),
                Step.at("gm"),
                Step.informed("customer_relations_manager", label=gettext_lazy("Place the order")),
            ],
        ),
        _kind(
            PROMO_REIMBURSEMENT,
            gettext_lazy("Promotional goods reimbursement"),
            [
                HEAD,
                Step.at("accountant"),
                Step.at("finance_manager"),
                Step.at("deputy_gm"),
                Step.at("gm"),
            ],
        ),
        _kind(BUDGET, gettext_lazy("Budget"), [HEAD, Step.at("deputy_gm"), Step.at("gm")]),
        # the OEM promotional goods reimbursement's chain (003 §4.2.7(2), domain.md)
        _kind(
            AD_CLAIM,
            gettext_lazy("OEM advertising reimbursement claim"),
            [
                HEAD,
                Step.at("accountant"),
                Step.at("finance_manager"),
                Step.at("deputy_gm"),
                Step.at("gm"),
            ],
        ),
        # 003 §4.2.6: (the asking department →) customer department handler → its manager →
        # deputy GM → GM; then the safety agreement when at height, then the installation
        _kind(
            DECORATION,
            gettext_lazy("Showroom decoration or advertising installation"),
            [
                Step.at("cr_specialist", label=gettext_lazy("Customer department handler")),
                Step.at("crm_director"),
                Step.at("deputy_gm"),
                Step.at("gm"),
            ],
        ),
    )
}


def register() -> None:
    from org.approvals.kinds import register_request_kind

    for kind in REQUEST_KINDS.values():
        register_request_kind(kind)
