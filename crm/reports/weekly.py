"""The CRM department's weekly reports due Monday 12:00 (domain: "weekly, Monday by 12:00"),
gathered by :mod:`crm.selectors.weekly`; each is a page, an A4 PDF and a workbook.

* ``crm.customer_weekly`` — the customer-department weekly report (客户部周报): the week's
  calls, reach, day-N+1 data checks, satisfaction and complaints; to the deputy GM and the GM.
* ``crm.face_to_face_weekly`` — the week's face-to-face questionnaires (delivery ceremony)
  analysed and filed (面谈问卷每周整理分析留档); to the CRM director and the CR manager."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from crm.selectors import weekly as data
from dealership.jobs import Weekly
from dealership.reports import WEEK, register_report

MONDAY_NOON = Weekly(weekday=0, at=dt.time(12, 0))
CRM_OWNERS = ("customer_relations_manager",)


@register_report(
    "crm.customer_weekly",
    _("Customer department weekly report"),
    period=WEEK,
    due=MONDAY_NOON,
    department="crm",
    recipients=("deputy_gm", "gm"),
    owners=CRM_OWNERS,
    description=_(
        "Last week's calls and reach (contact rate within the window), day-N+1 data checks, "
        "SSI/CSI and the would-recommend share, and complaints received, closed and open."
    ),
    order=21,
)
def customer_weekly(actor, period):
    return data.customer_weekly(actor, period)


@register_report(
    "crm.face_to_face_weekly",
    _("Face-to-face questionnaire analysis"),
    period=WEEK,
    due=MONDAY_NOON,
    department="crm",
    recipients=("crm_director", "customer_relations_manager"),
    owners=CRM_OWNERS,
    description=_(
        "Last week's questionnaires taken face to face at the delivery ceremony: count, mean "
        "score per consultant or advisor, each question's answers and the customers' comments."
    ),
    order=22,
)
def face_to_face_weekly(actor, period):
    return data.face_to_face_weekly(actor, period)
