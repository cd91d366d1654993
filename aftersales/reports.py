"""After-sales reports (discovered at start-up by the report framework): the after-sales monthly
report (售后月报) submitted to the car maker on the first working day of the month by 17:00 —
repair orders by type, revenue, 5K and 10K check-ins and warranty claims. Its data come from
:mod:`aftersales.selectors.reports`."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from aftersales.models import ClaimStatus, ServiceType
from aftersales.selectors.reports import service_month
from dealership.jobs import Monthly
from dealership.reports import INT, MONEY, MONTH, TEXT, Column, ReportContent, Table
from dealership.reports.registry import register_report

MONTHLY_REPORT = "aftersales.monthly_report"

# labels (also read by the tests, rendered in the report's language)
CHECKED_IN = _("Repair orders checked in")
CLOSED = _("Repair orders closed")
CHECKINS_5K = _("5K check-ins")
CHECKINS_10K = _("10K check-ins")
LABOUR = _("Labour revenue")
PARTS = _("Parts revenue")
REVENUE = _("Revenue")
CLAIMS_RAISED = _("Warranty claims raised")
CLAIMED = _("Amount claimed")
BY_TYPE = _("Repair orders by type")
CLAIMS_BY_STATE = _("Warranty claims raised this month by state")
CLAIM_ACTIVITY = _("Warranty claims handled this month")


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@register_report(
    MONTHLY_REPORT,
    _("After-sales monthly report"),
    period=MONTH,
    due=Monthly(day=0, at=dt.time(17, 0)),
    department="aftersales",
    owners=("service_manager", "service_director"),
    oem=True,
    description=_(
        "The month's repair orders by type (checked in, closed), the revenue of the closed ones "
        "(labour, parts, sublet; paid by the customer and by the OEM), 5K and 10K check-ins and "
        "the warranty claims."
    ),
    order=440,
)
def monthly_report(actor, period) -> ReportContent:
    data = service_month(actor, period.start, period.end)
    total = data.total()
    claims = data.claims_total()
    activity = data.activity
    count, amount = _("Claims"), _("Amount")
    return ReportContent(
        figures=[
            (CHECKED_IN, total.checked_in, INT),
            (CLOSED, total.closed, INT),
            (CHECKINS_5K, data.checked_in(ServiceType.MAINTENANCE_5K), INT),
            (CHECKINS_10K, data.checked_in(ServiceType.MAINTENANCE_10K), INT),
            (LABOUR, total.labour, MONEY),
            (PARTS, total.parts, MONEY),
            (REVENUE, total.revenue, MONEY),
            (CLAIMS_RAISED, claims.count, INT),
            (CLAIMED, claims.claimed, MONEY),
        ],
        tables=[
            Table(
                BY_TYPE,
                [
                    Column(_("Type"), TEXT),
                    Column(_("Checked in"), INT),
                    Column(_("Closed"), INT),
                    Column(_("Labour"), MONEY),
                    Column(_("Parts"), MONEY),
                    Column(_("Sublet"), MONEY),
                    Column(_("Paid by the customer"), MONEY),
                    Column(_("Paid by the OEM (warranty)"), MONEY),
                    Column(REVENUE, MONEY),
                ],
                rows=[
                    [
                        _label(ServiceType, line.service_type),
                        line.checked_in,
                        line.closed,
                        line.labour,
                        line.parts,
                        line.sublet,
                        line.customer,
                        line.oem,
                        line.revenue,
                    ]
                    for line in data.types
                ],
                totals=True,
                note=_(
                    "Checked in: repair orders opened this month (not cancelled). Revenue: the "
                    "repair orders closed this month; labour, parts and sublet are what the "
                    "customer pays, the warranty lines are paid by the OEM."
                ),
            ),
            Table(
                CLAIMS_BY_STATE,
                [
                    Column(_("State"), TEXT),
                    Column(count, INT),
                    Column(CLAIMED, MONEY),
                    Column(_("Amount approved"), MONEY),
                    Column(_("Amount paid"), MONEY),
                ],
                rows=[
                    [
                        _label(ClaimStatus, line.status),
                        line.count,
                        line.claimed,
                        line.approved,
                        line.paid,
                    ]
                    for line in data.claims
                ],
                totals=True,
            ),
            Table(
                CLAIM_ACTIVITY,
                [Column(_("Step"), TEXT), Column(count, INT), Column(amount, MONEY)],
                rows=[
                    [_("Submitted to the OEM"), activity.submitted, activity.submitted_amount],
                    [_("Approved by the OEM"), activity.approved, activity.approved_amount],
                    [_("Rejected by the OEM"), activity.rejected, activity.rejected_amount],
                    [_("Paid by the OEM"), activity.paid, activity.paid_amount],
                ],
                note=_(
                    "Amounts: claimed when submitted or rejected, approved when approved, paid "
                    "when paid."
                ),
            ),
        ],
    )
