"""Daily, weekly and monthly follow-up, satisfaction and complaint reports of the CRM
department (the "Report and submission calendar" of the domain). Their data is gathered by
:mod:`crm.selectors.reports`; each becomes a job ``report:<code>`` on the platform's calendar.

* ``crm.daily_summary`` — yesterday; daily 09:30 (made at 08:30); to the deputy GM and the GM.
* ``crm.followup_weekly`` — last week; Monday 12:00; to the deputy GM, the GM, the CRM director.
* ``crm.unreachable_weekly`` — last week; Monday 09:00, with the job that sends the unreachable
  customers to their consultants; to the sales managers.
* ``crm.sales_satisfaction``, ``crm.sales_complaints``, ``crm.service_satisfaction``,
  ``crm.aftersales_complaints``, ``crm.work_summary`` — last month; by the 10th (18:00); to
  the deputy GM and the GM."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from crm.selectors import reports as data
from dealership.jobs import Daily, Monthly, Weekly
from dealership.reports import DAY, MONTH, WEEK, register_report

MANAGEMENT = ("deputy_gm", "gm")
# the CRM team's manager is told when a report of the department fails for good
CRM_OWNERS = ("customer_relations_manager",)
BY_THE_10TH = Monthly(day=10, at=dt.time(18, 0))


@register_report(
    "crm.daily_summary",
    _("Daily summary"),
    period=DAY,
    due=Daily(at=dt.time(9, 30)),
    lead=dt.timedelta(hours=1),
    department="gm_office",
    recipients=MANAGEMENT,
    owners=CRM_OWNERS,
    description=_(
        "Yesterday's orders, deliveries, 5K and 10K check-ins and the e-CRB board's figures; "
        "the day's follow-up calls and complaints."
    ),
    order=10,
)
def daily_summary(actor, period):
    return data.daily_summary(actor, period)


@register_report(
    "crm.followup_weekly",
    _("Weekly follow-up report"),
    period=WEEK,
    due=Weekly(weekday=0, at=dt.time(12, 0)),
    department="crm",
    recipients=(*MANAGEMENT, "crm_director"),
    owners=CRM_OWNERS,
    description=_(
        "The week's follow-up calls by kind and specialist: scheduled, reached, contact rate "
        "within the window, mean score and complaints raised; face-to-face surveys."
    ),
    order=20,
)
def followup_weekly(actor, period):
    return data.followup_weekly(actor, period)


@register_report(
    "crm.unreachable_weekly",
    _("Weekly unreachable-customer list"),
    period=WEEK,
    # due with the Monday job that sends the unreachable customers to their consultants
    # (crm.unreachable_weekly, 09:00); made an hour before, so a check not yet sent shows so
    due=Weekly(weekday=0, at=dt.time(9, 0)),
    department="sales",
    recipients=("sales_manager",),
    owners=CRM_OWNERS,
    description=_(
        "Customers classed unreachable last week and those still waiting for verified "
        "contacts: consultant, attempts, last attempt and the contact check (phones masked)."
    ),
    order=30,
)
def unreachable_weekly(actor, period):
    return data.unreachable_weekly(actor, period)


@register_report(
    "crm.sales_satisfaction",
    _("Sales satisfaction follow-up report"),
    period=MONTH,
    due=BY_THE_10TH,
    department="crm",
    recipients=MANAGEMENT,
    owners=CRM_OWNERS,
    description=_(
        "Last month's sales follow-up calls: the mean answer per question, each consultant's "
        "contact rate and score, and the calls by outcome."
    ),
    order=40,
)
def sales_satisfaction(actor, period):
    return data.sales_satisfaction(actor, period)


@register_report(
    "crm.sales_complaints",
    _("Sales complaint results summary"),
    period=MONTH,
    due=BY_THE_10TH,
    department="crm",
    recipients=MANAGEMENT,
    owners=CRM_OWNERS,
    description=_(
        "Last month's complaints about sales: by category, severity and state, the mean days "
        "to close, and each complaint with its result."
    ),
    order=41,
)
def sales_complaints(actor, period):
    return data.sales_complaints(actor, period)


@register_report(
    "crm.service_satisfaction",
    _("Service satisfaction follow-up report"),
    period=MONTH,
    due=BY_THE_10TH,
    department="crm",
    recipients=MANAGEMENT,
    owners=CRM_OWNERS,
    description=_(
        "Last month's service follow-up calls: the mean answer per question, each service "
        "advisor's contact rate and score, and the calls by outcome."
    ),
    order=42,
)
def service_satisfaction(actor, period):
    return data.service_satisfaction(actor, period)


@register_report(
    "crm.aftersales_complaints",
    _("After-sales complaint results summary"),
    period=MONTH,
    due=BY_THE_10TH,
    department="crm",
    recipients=MANAGEMENT,
    owners=CRM_OWNERS,
    description=_(
        "Last month's complaints about after-sales: by category, severity and state, the mean "
        "days to close, and each complaint with its result."
    ),
    order=43,
)
def aftersales_complaints(actor, period):
    return data.aftersales_complaints(actor, period)


@register_report(
    "crm.work_summary",
    _("Customer-department work summary"),
    period=MONTH,
    due=BY_THE_10TH,
    department="crm",
    recipients=MANAGEMENT,
    owners=CRM_OWNERS,
    description=_(
        "Last month's work of the customer department: calls and contact rate, complaints "
        "handled, service reminders, retention and the owner club."
    ),
    order=44,
)
def work_summary(actor, period):
    return data.work_summary(actor, period)
