"""Key figures of crm for the e-CRB board and the daily report (``dealership.figures``):
follow-up calls (due, done, overdue, unreachable, contact checks waiting), satisfaction (SSI for
sales, CSI for service: the mean score of the month's call surveys), the contact rate within the
window against the dealership's target, retention, the owner club's registration rate and the
open complaints by age. The queries are in :mod:`crm.selectors.board`; each reads through the
access chokepoint for the viewer and answers ``None`` when they may not see the records."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models import EventKind
from crm.selectors import board as q
from dealership.access import can
from dealership.figures import (
    Figure,
    Ratio,
    add_months,
    month_start,
    per_dealership,
    register_figure,
)

# retention: deliveries of the months N-8 .. N-3 before the board's month (the recall bands)
RETENTION_MONTHS = (8, 3)


def _followups(key: str):
    def compute(user, day: dt.date):
        numbers = q.followup_numbers(user, day)
        return None if numbers is None else numbers[key]

    compute.__name__ = f"followups_{key}"
    return compute


followups_due = _followups("due")
followups_done = _followups("done")
followups_overdue = _followups("overdue")
followups_unreachable = _followups("unreachable")


def contact_checks_open(user, day: dt.date):
    return q.open_contact_checks(user, day)


def _satisfaction(kind: str):
    def compute(user, day: dt.date):
        months = q.survey_months(user, day)
        return None if months is None else months.get((kind, month_start(day)))

    compute.__name__ = f"satisfaction_{kind}"
    return compute


ssi = _satisfaction(EventKind.SALES)
csi = _satisfaction(EventKind.SERVICE)


def contact_rate(user, day: dt.date):
    numbers = q.followup_numbers(user, day)
    if numbers is None:
        return None
    return Ratio.of(numbers["contact_part"], numbers["contact_base"])


def contact_target(user, day: dt.date):
    return q.contact_target(user)


def contact_misses(user, day: dt.date):
    """Follow-ups whose window ended this month (up to ``day``) not reached within it: the
    contact rate's base less its part (the same query; the reasons on ``crm:contact_rate``)."""
    numbers = q.followup_numbers(user, day)
    if numbers is None:
        return None
    return numbers["contact_base"] - numbers["contact_part"]


def retention_rate(user, day: dt.date):
    """Of the deliveries of the months N-8 .. N-3 (the recall lists' months), the share back
    for a service within 6 months (:func:`crm.selectors.outreach.retention_rates`)."""
    from crm.models import RetentionList
    from crm.selectors.outreach import retention_rates_by_dealership

    if not can(user, RetentionList, "view"):
        return None
    last = add_months(day, -RETENTION_MONTHS[1])
    found = per_dealership(
        ("crm.retention", user.pk, day),
        lambda: retention_rates_by_dealership(user, 9, day),
        [],
    )
    rows = [row for row in found if row["month"] <= last]
    return Ratio.of(sum(r["back_6"] for r in rows), sum(r["delivered"] for r in rows))


def member_rate(user, day: dt.date):
    """Owner-club members among the customers who bought a car
    (:func:`crm.selectors.outreach.member_rates`)."""
    from crm.models import Membership
    from crm.selectors.outreach import member_numbers_by_dealership

    if not can(user, Membership, "view"):
        return None
    numbers = per_dealership(
        ("crm.members", user.pk, day),
        lambda: member_numbers_by_dealership(user, day),
        {"members": 0, "owners": 0},
    )
    return Ratio.of(numbers["members"], numbers["owners"])


def _complaints(key: str):
    def compute(user, day: dt.date):
        numbers = q.complaint_ages(user, day)
        return None if numbers is None else numbers[key]

    compute.__name__ = f"complaints_{key}"
    return compute


complaints_open = _complaints("open")
complaints_0_2 = _complaints("0_2")
complaints_3_7 = _complaints("3_7")
complaints_over_7 = _complaints("over_7")

FOLLOWUPS = {"url_name": "crm:followup_list", "model": "crm.FollowUp"}
COMPLAINTS = {"group": "complaints", "url_name": "crm:complaint_list", "model": "crm.Complaint"}
SURVEYS = {"group": "month", "url_name": "crm:survey_list", "model": "crm.SurveyResponse"}


def register() -> None:
    for figure in (
        Figure(
            "crm.followups_due",
            _("Follow-ups due"),
            followups_due,
            group="followups",
            order=10,
            help=_("On the day's call list within their window (N+3..N+5)."),
            **FOLLOWUPS,
        ),
        Figure(
            "crm.followups_done",
            pgettext_lazy("follow-ups", "Done"),
            followups_done,
            group="followups",
            order=20,
            help=_("Customers reached that day."),
            **FOLLOWUPS,
        ),
        Figure(
            "crm.followups_overdue",
            pgettext_lazy("follow-ups", "Overdue"),
            followups_overdue,
            group="followups",
            order=30,
            help=_("Past their window and not called yet."),
            **FOLLOWUPS,
        ),
        Figure(
            "crm.followups_unreachable",
            _("Unreachable this month"),
            followups_unreachable,
            group="followups",
            order=40,
            help=_("Customers classed unreachable since the 1st of the month."),
            **FOLLOWUPS,
        ),
        Figure(
            "crm.contact_checks_open",
            _("Contacts to verify"),
            contact_checks_open,
            group="followups",
            order=50,
            url_name="crm:contactcheck_list",
            model="crm.ContactCheck",
            help=_("Unreachable customers waiting for the consultant's verified contacts."),
        ),
        Figure(
            "crm.ssi",
            _("SSI"),
            ssi,
            order=20,
            help=_("Sales satisfaction: mean score (0–10) of the month's sales follow-up calls."),
            **SURVEYS,
        ),
        Figure(
            "crm.csi",
            _("CSI"),
            csi,
            order=30,
            help=_(
                "Service satisfaction: mean score (0–10) of the month's service follow-up calls."
            ),
            **SURVEYS,
        ),
        Figure(
            "crm.contact_rate",
            _("Contact rate"),
            contact_rate,
            group="month",
            order=40,
            unit="%",
            help=_("Follow-ups whose window ended this month reached within the window."),
            **FOLLOWUPS,
        ),
        Figure(
            "crm.contact_target",
            _("Contact-rate target"),
            contact_target,
            group="month",
            order=41,
            unit="%",
            combine="mean",
            help=_("The dealership's target for the contact rate (follow-up rules)."),
        ),
        Figure(
            "crm.contact_misses",
            _("Contact-rate misses"),
            contact_misses,
            group="month",
            order=42,
            url_name="crm:contact_rate",
            model="crm.FollowUp",
            help=_(
                "Follow-ups whose window ended this month that were not reached within it "
                "(unreachable, late, not reached, not called)."
            ),
        ),
        Figure(
            "crm.retention_rate",
            _("Retention"),
            retention_rate,
            group="month",
            order=50,
            unit="%",
            url_name="crm:retention_list",
            model="crm.RetentionList",
            help=_(
                "Cars delivered 3 to 8 months before this month that came back for a service "
                "within 6 months."
            ),
        ),
        Figure(
            "crm.member_rate",
            _("Owner-club registration"),
            member_rate,
            group="month",
            order=60,
            unit="%",
            url_name="crm:member_list",
            model="crm.Membership",
            help=_("Owner-club members among the customers who bought a car (target 30 %)."),
        ),
        Figure(
            "crm.complaints_open",
            _("Open complaints"),
            complaints_open,
            order=10,
            help=_("Registered, assigned or in progress."),
            **COMPLAINTS,
        ),
        Figure(
            "crm.complaints_0_2",
            _("0–2 days"),
            complaints_0_2,
            order=20,
            help=_("Open complaints received 0 to 2 days ago."),
            **COMPLAINTS,
        ),
        Figure(
            "crm.complaints_3_7",
            _("3–7 days"),
            complaints_3_7,
            order=30,
            help=_("Open complaints received 3 to 7 days ago."),
            **COMPLAINTS,
        ),
        Figure(
            "crm.complaints_over_7",
            _("Over 7 days"),
            complaints_over_7,
            order=40,
            help=_("Open complaints received more than 7 days ago."),
            **COMPLAINTS,
        ),
    ):
        register_figure(figure)
