"""The notification kinds of crm, one section per area (each area appends its kinds to
:data:`KINDS`; :func:`register` runs in ``CrmConfig.ready()``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dealership.notifications import Email, NotificationKind, register_kind

KINDS: list[NotificationKind] = []

# --- follow-ups: the day's call list, unreachable customers (crm/jobs.py) ----------------------

FOLLOWUP_LIST = "crm.followup_list"
FOLLOWUP_UNASSIGNED = "crm.followup_unassigned"
UNREACHABLE_LIST = "crm.unreachable_list"
CONTACT_CHECK_OVERDUE = "crm.contact_check_overdue"

KINDS += [
    NotificationKind(
        FOLLOWUP_LIST,
        _("Today's follow-up calls"),
        description=_(
            "Each morning, when the day's call list is published: how many satisfaction calls "
            "are due and overdue on your list today."
        ),
        email=Email.OFF,
        wecom=False,
    ),
    NotificationKind(
        FOLLOWUP_UNASSIGNED,
        _("Follow-up calls without a specialist"),
        description=_(
            "Calls on today's list that nobody is assigned to (nobody held the follow-up "
            "position when they were scheduled): assign them."
        ),
        email=Email.EACH,
        wecom=True,
    ),
    NotificationKind(
        UNREACHABLE_LIST,
        _("Unreachable customers to check"),
        description=_(
            "Every Monday: the customers you sold to or served whom the follow-up specialists "
            "could not reach; return verified contact details within the days set in the "
            "follow-up rules."
        ),
        email=Email.EACH,
        wecom=True,
    ),
    NotificationKind(
        CONTACT_CHECK_OVERDUE,
        _("Contact check overdue"),
        description=_(
            "A consultant has not returned an unreachable customer's verified contact details "
            "in time."
        ),
        email=Email.EACH,
        wecom=True,
    ),
]

# --- complaints: assigned, major, due, overdue (crm/services/complaints.py, crm/jobs.py) ------

COMPLAINT_ASSIGNED = "crm.complaint_assigned"
COMPLAINT_MAJOR = "crm.complaint_major"
COMPLAINT_DUE = "crm.complaint_due"
COMPLAINT_OVERDUE = "crm.complaint_overdue"

KINDS += [
    NotificationKind(
        COMPLAINT_ASSIGNED,
        _("A complaint to handle"),
        description=_("A customer's complaint was routed or assigned to you."),
        email=Email.EACH,
        wecom=True,
    ),
    NotificationKind(
        COMPLAINT_MAJOR,
        _("Major complaint"),
        description=_(
            "A major complaint was registered: it is handled together with the OEM and "
            "must be resolved quickly."
        ),
        email=Email.EACH,
        wecom=True,
        optional=False,
    ),
    NotificationKind(
        COMPLAINT_DUE,
        _("Complaint due soon"),
        description=_("A complaint you handle must be resolved within a day."),
        email=Email.EACH,
        wecom=False,
    ),
    NotificationKind(
        COMPLAINT_OVERDUE,
        _("Complaint overdue"),
        description=_(
            "A complaint of your department (or a major one) was not resolved by its deadline."
        ),
        email=Email.EACH,
        wecom=True,
    ),
]


# --- outreach: the month's retention lists for after-sales (crm/services/retention.py) ------

RETENTION_LIST = "crm.retention_list"

KINDS += [
    NotificationKind(
        RETENTION_LIST,
        _("Retention list to acknowledge"),
        description=_(
            "On the first of the month: the customers delivered 3–5 and 6–8 months ago who have "
            "not come back for service; acknowledge receipt and call them back."
        ),
        email=Email.EACH,
        wecom=True,
    ),
]

# --- the day-N+1 data check and the SSI / CSI action plans (crm/jobs.py) ----------------------

DATA_CHECK_LIST = "crm.data_check_list"
SATISFACTION_ACTION_OVERDUE = "crm.satisfaction_action_overdue"

KINDS += [
    NotificationKind(
        DATA_CHECK_LIST,
        _("Customer details to verify"),
        description=_(
            "Each morning: yesterday's delivered and serviced customers on your list, whose "
            "phone and address to verify before the satisfaction call."
        ),
        email=Email.OFF,
        wecom=False,
    ),
    NotificationKind(
        SATISFACTION_ACTION_OVERDUE,
        _("SSI/CSI action item overdue"),
        description=_(
            "An action item of the satisfaction plan you own (or administer) is past its due "
            "date and not done."
        ),
        email=Email.EACH,
        wecom=True,
    ),
]


# --- marketing: the monthly advertising plan (crm/services/marketing.py) ------------------------

ADVERTISING_PLAN_MISSING = "crm.advertising_plan_missing"
ADVERTISING_PLAN_FILED = "crm.advertising_plan_filed"

KINDS += [
    NotificationKind(
        ADVERTISING_PLAN_MISSING,
        _("Advertising plan not submitted"),
        description=_(
            "From the 10th: next month's advertising plan is not yet submitted for approval "
            "(it goes to the OEM by the 15th)."
        ),
        email=Email.EACH,
        wecom=True,
    ),
    NotificationKind(
        ADVERTISING_PLAN_FILED,
        _("Advertising plan filed"),
        description=_(
            "Next month's advertising plan was approved and sent to the OEM: a copy for sales, "
            "after-sales and finance."
        ),
        email=Email.DIGEST,
        wecom=False,
    ),
]


def register() -> None:
    for kind in KINDS:
        register_kind(kind)
