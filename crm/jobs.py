"""Scheduled work of crm, one section per area (auto-discovered by the platform; each job runs
in the dealership's tenant scope for one local ``run_date`` and is idempotent: run twice, or
late for a later day, it does what the missed days would have done, once)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from crm import jobs_desk  # noqa: F401 - the desk's, the letters' and the tiers' jobs
from dealership.jobs import Daily, Monthly, Weekly, register_job

# --- follow-ups: the day's call list, unreachable customers, contact checks --------------------


def _followup_list_time(dealership) -> dt.time | None:
    """The local time the dealership publishes its call list (called in the system scope)."""
    from crm.models import FollowUpSettings

    return (
        FollowUpSettings.objects.filter(dealership_id=dealership.pk)
        .values_list("list_time", flat=True)
        .first()
    )


@register_job(
    "crm.followup_list",
    Daily(at=dt.time(8, 0)),
    _("CRM: publish the day's follow-up call list"),
    owners=("customer_relations_manager",),
    time_setting=_followup_list_time,
)
def followup_list(*, dealership, run_date):
    from crm.services.followups import followup_list_publish

    return followup_list_publish(dealership=dealership, day=run_date)


@register_job(
    "crm.unreachable_weekly",
    Weekly(weekday=0, at=dt.time(9, 0)),
    _("CRM: send the week's unreachable customers to the consultants"),
    owners=("customer_relations_manager",),
)
def unreachable_weekly(*, dealership, run_date):
    from crm.services.contact_checks import contact_checks_weekly

    return contact_checks_weekly(dealership=dealership, day=run_date)


@register_job(
    "crm.contact_check_escalation",
    Daily(at=dt.time(9, 30)),
    _("CRM: escalate contact checks not returned in time"),
    owners=("customer_relations_manager",),
)
def contact_check_escalation(*, dealership, run_date):
    from crm.services.contact_checks import contact_checks_escalate

    return contact_checks_escalate(dealership=dealership, day=run_date)


# --- outreach: retention lists, service reminders, approved SMS campaigns ---------------------


@register_job(
    "crm.retention_lists",
    Monthly(day=1, at=dt.time(8, 0)),
    _("CRM: the month's retention lists for after-sales"),
    owners=("customer_relations_manager",),
)
def retention_lists(*, dealership, run_date):
    from crm.services.outreach import retention_lists_publish

    return retention_lists_publish(dealership=dealership, day=run_date)


@register_job(
    "crm.service_reminders",
    Daily(at=dt.time(7, 30)),
    _("CRM: list the service reminders due (maintenance, insurance, inspection)"),
    owners=("customer_relations_manager",),
)
def service_reminders(*, dealership, run_date):
    from crm.services.outreach import reminders_list

    created = reminders_list(day=run_date)
    return f"{len(created)} reminders listed"


@register_job(
    "crm.sms_send_approved",
    Daily(at=dt.time(10, 0)),
    _("CRM: send the approved SMS campaigns"),
    owners=("customer_relations_manager",),
)
def sms_send_approved(*, dealership, run_date):
    from crm.services.outreach import sms_campaigns_send_approved

    done = sms_campaigns_send_approved()
    return (
        ", ".join(
            f"#{campaign.pk}: {result.sent} sent, {result.skipped} skipped, {result.failed} failed"
            for campaign, result in done
        )
        or "nothing to send"
    )


# --- complaints: reminders before the deadline, escalation after it ---------------------------


@register_job(
    "crm.complaint_deadlines",
    Daily(at=dt.time(9, 0)),
    _("CRM: remind complaint owners of deadlines and escalate overdue complaints"),
    owners=("customer_relations_manager",),
)
def complaint_deadlines(*, dealership, run_date):
    from crm.services.complaints import complaints_check_deadlines

    # the state of the complaints now: run late or for missed days it does everything once
    done = complaints_check_deadlines()
    return f"{len(done['reminded'])} reminded, {len(done['escalated'])} escalated"


# --- the day-N+1 data check and the SSI / CSI action items (#18) --------------------------------


@register_job(
    "crm.data_check_list",
    Daily(at=dt.time(7, 30)),
    _("CRM: list yesterday's delivered and serviced customers for the data check"),
    owners=("customer_relations_manager",),
)
def data_check_list(*, dealership, run_date):
    from crm.services.datachecks import datachecks_list

    return datachecks_list(dealership=dealership, day=run_date)


@register_job(
    "crm.satisfaction_actions_overdue",
    Daily(at=dt.time(9, 0)),
    _("CRM: remind the owners of overdue SSI/CSI action items"),
    owners=("customer_relations_manager",),
)
def satisfaction_actions_overdue(*, dealership, run_date):
    from crm.services.targets import satisfaction_actions_remind

    return satisfaction_actions_remind(dealership=dealership, day=run_date)


# --- marketing: next month's advertising plan ---------------------------------------------------


@register_job(
    "crm.advertising_plan_reminder",
    Daily(at=dt.time(9, 0)),
    _("CRM: remind the planners of next month's advertising plan (due by the 10th)"),
    owners=("marketing_manager",),
)
def advertising_plan_reminder(*, dealership, run_date):
    from crm.services.marketing import advertising_plan_reminders

    return advertising_plan_reminders(dealership=dealership, day=run_date)
