"""Kinds of request, registered by the app that owns them. The engine knows no app::

    register_request_kind(RequestKind(
        code="finance.payment",
        label=_("Payment"),
        default_chain=[Step.department_head(), Step.position("accountant"), ...],
        on_approved=payment_approved,          # (request) -> None, inside the transaction
        detail_url=lambda request: ...,         # the app's page of the request
        validate_submit=check_invoice_attached, # (request) -> None, raises ValidationError
    ))

The app links its own model to :class:`~org.approvals.models.ApprovalRequest` with a
one-to-one field and starts the chain with :func:`org.approvals.services.request_submit`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from org.approvals.choices import ApproverType, Mode


@dataclass(frozen=True)
class Step:
    """One step of a default chain (seeded into every dealership, then edited there)."""

    approver_type: str = ApproverType.POSITION
    position: str = ""  # a position code of the org chart template
    alternate: str = ""  # "or this position" (holders of either decide)
    label: str = ""
    mode: str = Mode.ANY
    required_count: int = 1
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    notify_only: bool = False

    @classmethod
    def at(cls, position: str, **kwargs) -> Step:
        return cls(approver_type=ApproverType.POSITION, position=position, **kwargs)

    @classmethod
    def department_head(cls, **kwargs) -> Step:
        return cls(approver_type=ApproverType.DEPARTMENT_HEAD, **kwargs)

    @classmethod
    def informed(cls, position: str, **kwargs) -> Step:
        return cls(
            approver_type=ApproverType.POSITION, position=position, notify_only=True, **kwargs
        )


def _nothing(request) -> None:
    return None


@dataclass(frozen=True)
class RequestKind:
    code: str
    label: str  # lazy translation
    default_chain: list[Step] = field(default_factory=list)
    amount_required: bool = True
    # the department whose budget the request spends (None: not budgeted)
    budgeted: bool = False
    on_approved: Callable = _nothing
    on_rejected: Callable = _nothing
    on_returned: Callable = _nothing
    on_withdrawn: Callable = _nothing
    validate_submit: Callable = _nothing
    # the app's pages and facts, shown on the engine's request page
    create_url: Callable | None = None  # (user) -> URL of the app's "new" form, None if not allowed
    edit_url: Callable | None = None  # (request) -> URL of the form that edits a returned one
    details: Callable | None = None  # (request, user) -> [(label, value)] shown on the page
    actions: Callable | None = None  # (request, user) -> [(label, url)]: POST buttons


_kinds: dict[str, RequestKind] = {}


def register_request_kind(kind: RequestKind) -> RequestKind:
    existing = _kinds.get(kind.code)
    if existing is not None and existing != kind:
        raise ValueError(f"The request kind {kind.code!r} is already registered.")
    _kinds[kind.code] = kind
    return kind


def unregister_request_kind(code: str) -> None:
    _kinds.pop(code, None)


def get_request_kind(code: str) -> RequestKind:
    try:
        return _kinds[code]
    except KeyError:
        raise LookupError(f"No request kind {code!r} is registered.") from None


def all_request_kinds() -> list[RequestKind]:
    return sorted(_kinds.values(), key=lambda k: k.code)


def kind_label(code: str) -> str:
    kind = _kinds.get(code)
    return str(kind.label) if kind is not None else code
