"""Finance's reports (discovered at start-up by the report framework): the advertising
reimbursement summary (广告报销统计表), each quarter's in the first month of the next (003 §4.4.3E:
gathered each quarter and checked by the marketing specialist), from the OEM advertising
reimbursement claims (:func:`finance.selectors.ad_claims_quarter`)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from dealership.jobs import QuarterFirstMonth
from dealership.reports import (
    DATE,
    INT,
    MONEY,
    QUARTER,
    TEXT,
    Column,
    ReportContent,
    Table,
    register_report,
)
from finance.selectors import ad_claims_quarter

AD_REIMBURSEMENT_SUMMARY = "finance.ad_reimbursement_summary"


# labels (also read by the tests, rendered in the report's language)
CLAIMS = _("Advertising claims")
CLAIMED = _("Claimed")
APPROVED = _("Approved by the OEM")
PAID = _("Paid by the OEM")
OUTSTANDING = _("Outstanding")
EARLIER_OUTSTANDING = _("Outstanding from earlier quarters")
BY_CLAIM = _("Claims of the quarter")
EARLIER = _("Earlier claims still outstanding")


def _columns() -> list[Column]:
    return [
        Column(_("Advertising campaign"), TEXT),
        Column(_("Medium"), TEXT),
        Column(_("Published from"), DATE),
        Column(_("Published until"), DATE),
        Column(_("OEM programme"), TEXT),
        Column(_("State with the OEM"), TEXT),
        Column(_("Submitted on"), DATE),
        Column(CLAIMED, MONEY),
        Column(APPROVED, MONEY),
        Column(PAID, MONEY),
        Column(OUTSTANDING, MONEY),
    ]


def _row(claim) -> list:
    return [
        claim.campaign,
        claim.get_medium_display(),
        claim.published_from,
        claim.published_until,
        " ".join(p for p in (claim.programme, claim.programme_ref) if p),
        claim.get_oem_status_display(),
        claim.oem_submitted_on,
        claim.claimed,
        claim.oem_approved_amount,
        claim.oem_paid_amount,
        claim.outstanding,
    ]


@register_report(
    AD_REIMBURSEMENT_SUMMARY,
    _("Advertising reimbursement summary"),
    period=QUARTER,
    due=QuarterFirstMonth(day=-1, at=dt.time(17, 0)),
    department="crm",
    recipients=("marketing_manager", "finance_manager"),
    owners=("finance_manager",),
    description=_(
        "The quarter's advertising claims to the OEM (those whose publication started in it, "
        "approved by the dealership): claimed, approved by the OEM, paid and outstanding, by "
        "claim, and the claims of earlier quarters the OEM still owes on."
    ),
    order=480,
)
def ad_reimbursement_summary(actor, period) -> ReportContent:
    data = ad_claims_quarter(actor, period.start, period.end)
    return ReportContent(
        figures=[
            (CLAIMS, len(data.claims), INT),
            (CLAIMED, data.claimed, MONEY),
            (APPROVED, data.approved, MONEY),
            (PAID, data.paid, MONEY),
            (OUTSTANDING, data.outstanding, MONEY),
            (EARLIER_OUTSTANDING, data.earlier_outstanding, MONEY),
        ],
        tables=[
            Table(
                BY_CLAIM,
                _columns(),
                rows=[_row(c) for c in data.claims],
                keys=4,
                totals=True,
                note=_(
                    "Amounts in yuan. Outstanding: what the OEM approved less what it paid, or "
                    "the amount claimed while it has not decided; nothing once it rejected."
                ),
            ),
            Table(EARLIER, _columns(), rows=[_row(c) for c in data.earlier], keys=4, totals=True),
        ],
        note="" if data.claims else _("No advertising claim was approved for this quarter."),
    )
