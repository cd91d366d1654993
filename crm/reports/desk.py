"""The customer-service desk's reports: the monthly enquiry report (咨询月报: enquiries by topic
and channel), the monthly thank-you-letter mail log (感谢信邮寄登记) and the customer mix and
spending analysis (客户构成与消费分析: customers by tier, spending band and vehicle model).
Their data come from :mod:`crm.selectors.desk`."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from crm.models import EnquiryChannel, EnquiryTopic, LetterState
from crm.selectors.desk import customer_mix, enquiry_month, letter_month
from dealership.jobs import Monthly
from dealership.reports import (
    DATE,
    INT,
    MONEY,
    MONTH,
    PERCENT,
    TEXT,
    Column,
    ReportContent,
    Table,
)
from dealership.reports.registry import register_report

ENQUIRY_REPORT = "crm.enquiries_monthly"
LETTER_LOG = "crm.thank_you_letter_log"
CUSTOMER_MIX = "crm.customer_mix"
OWNERS = ("customer_relations_manager", "crm_director")

ENQUIRIES = _("Enquiries")
ANSWERED = _("Answered")
UNANSWERED = _("Not answered yet")
PROPOSALS = _("Improvement proposals raised")
TOPIC = _("Topic")
TOTAL = _("Total")
SHARE = _("Share")
CUSTOMERS = _("Customers")
SPENDING = _("Spending")
AVERAGE = _("Average spending")
VEHICLES = _("Vehicles owned")
VISITS = _("Service visits")


def _share(part: int, whole: int):
    return part / whole if whole else None


@register_report(
    ENQUIRY_REPORT,
    _("Monthly enquiry report"),
    period=MONTH,
    due=Monthly(day=10, at=dt.time(12, 0)),
    department="crm",
    owners=OWNERS,
    recipients=("customer_relations_manager",),
    description=_(
        "The month's customer enquiries by topic and channel (phone, in person, WeChat, "
        "e-mail), how many were answered, and the improvement proposals raised from them."
    ),
    order=480,
)
def enquiries_monthly(actor, period) -> ReportContent:
    data = enquiry_month(actor, period.start, period.end)
    channels = list(EnquiryChannel)
    return ReportContent(
        figures=[
            (ENQUIRIES, data.total, INT),
            (ANSWERED, data.answered, INT),
            (UNANSWERED, data.unanswered, INT),
            (PROPOSALS, data.proposals, INT),
        ],
        tables=[
            Table(
                _("Enquiries by topic and channel"),
                [
                    Column(TOPIC, TEXT),
                    *(Column(str(channel.label), INT) for channel in channels),
                    Column(TOTAL, INT),
                    Column(SHARE, PERCENT, sum=False),
                ],
                rows=[
                    [
                        str(EnquiryTopic(topic).label),
                        *(by_channel[channel.value] for channel in channels),
                        sum(by_channel.values()),
                        _share(sum(by_channel.values()), data.total),
                    ]
                    for topic, by_channel in data.by_topic.items()
                ],
                totals=True,
            ),
        ],
        note="" if data.total else _("No enquiry was logged this month."),
    )


@register_report(
    LETTER_LOG,
    _("Thank-you letter mail log"),
    period=MONTH,
    due=Monthly(day=0, at=dt.time(12, 0)),
    department="crm",
    owners=OWNERS,
    recipients=("admin_manager",),
    description=_(
        "The thank-you letters mailed in the month (purchase and service visit): addressee, "
        "who signed and when, mailed on, by whom, tracking number; and where the letters of "
        "the month's deliveries and visits stand."
    ),
    order=490,
)
def thank_you_letter_log(actor, period) -> ReportContent:
    data = letter_month(actor, period.start, period.end)
    return ReportContent(
        figures=[
            (_("Letters mailed"), len(data.mailed), INT),
            (_("Letters of the month's events"), data.drafted, INT),
            (
                _("Still to sign or mail"),
                data.by_state[LetterState.DRAFTED]
                + data.by_state[LetterState.SUBMITTED]
                + data.by_state[LetterState.SIGNED],
                INT,
            ),
        ],
        tables=[
            Table(
                _("Letters mailed"),
                [
                    Column(_("Mailed on"), DATE),
                    Column(_("Kind"), TEXT),
                    Column(_("Addressee"), TEXT),
                    Column(_("Day of the event"), DATE),
                    Column(_("Signed by"), TEXT),
                    Column(_("Mailed by"), TEXT),
                    Column(_("Tracking number"), TEXT),
                ],
                rows=[
                    [
                        letter.mailed_on,
                        letter.get_kind_display(),
                        letter.addressee,
                        letter.event.occurred_on,
                        _person(letter.signed_by),
                        _person(letter.mailed_by),
                        letter.tracking_number,
                    ]
                    for letter in data.mailed
                ],
                keys=7,
            ),
            Table(
                _("Letters of the month's deliveries and visits, by state"),
                [Column(_("State"), TEXT), Column(_("Letters"), INT)],
                rows=[
                    [str(LetterState(state).label), count] for state, count in data.by_state.items()
                ],
                totals=True,
            ),
        ],
        note="" if data.mailed else _("No thank-you letter was mailed this month."),
    )


def _person(user) -> str:
    return (user.name or user.username) if user is not None else ""


@register_report(
    CUSTOMER_MIX,
    _("Customer mix and spending analysis"),
    period=MONTH,
    due=Monthly(day=0, at=dt.time(17, 0)),
    department="crm",
    owners=OWNERS,
    recipients=("crm_director",),
    description=_(
        "The customers by tier, by spending band and by the model of the vehicles they own, "
        "with their spending (the amounts of their deliveries and service visits), as measured "
        "by the nightly tier job."
    ),
    order=495,
)
def customer_mix_report(actor, period) -> ReportContent:
    mix = customer_mix(actor)
    columns = [
        Column(CUSTOMERS, INT),
        Column(SHARE, PERCENT, sum=False),
        Column(SPENDING, MONEY),
        Column(AVERAGE, MONEY, sum=False),
    ]
    return ReportContent(
        figures=[
            (CUSTOMERS, mix.customers, INT),
            (SPENDING, mix.spending, MONEY),
            (_("Measured on"), mix.measured_on, DATE),
        ],
        tables=[
            Table(
                _("By tier"),
                [
                    Column(_("Tier"), TEXT),
                    *columns,
                    Column(VEHICLES, INT),
                    Column(VISITS, INT),
                ],
                rows=[
                    [
                        row.label,
                        row.customers,
                        _share(row.customers, mix.customers),
                        row.spending,
                        row.average,
                        row.vehicles,
                        row.visits,
                    ]
                    for row in mix.by_tier
                ],
                totals=True,
            ),
            Table(
                _("By spending band (yuan)"),
                [Column(_("Spending band"), TEXT), *columns],
                rows=[
                    [
                        row.label,
                        row.customers,
                        _share(row.customers, mix.customers),
                        row.spending,
                        row.average,
                    ]
                    for row in mix.by_band
                ],
                totals=True,
            ),
            Table(
                _("By vehicle model owned"),
                [
                    Column(_("Model"), TEXT),
                    Column(_("Owners"), INT),
                    Column(VEHICLES, INT),
                    Column(_("Spent on these cars"), MONEY),
                ],
                rows=[
                    [row.label, row.customers, row.vehicles, row.spending] for row in mix.by_model
                ],
                note=_(
                    "A customer owning cars of several models counts once per model; the money "
                    "spent is that of the deliveries and service visits of the model's cars."
                ),
            ),
        ],
        note=(
            ""
            if mix.customers
            else _("No customer has been measured yet (the tier job runs every night).")
        ),
    )
