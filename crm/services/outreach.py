"""Writes of crm: outreach — retention lists (:mod:`crm.services.retention`), service reminders
(:mod:`crm.services.reminders`), the owner club (:mod:`crm.services.members`) and SMS
campaigns (:mod:`crm.services.sms`), re-exported here for the views, the API and the jobs."""

from crm.services.members import membership_join, membership_leave, membership_login
from crm.services.reminders import (
    DEFAULT_TEXTS,
    reminder_call,
    reminder_send_sms,
    reminder_skip,
    reminder_text,
    reminders_list,
)
from crm.services.retention import (
    may_acknowledge,
    retention_list_acknowledge,
    retention_lists_build,
    retention_lists_publish,
)
from crm.services.sms import (
    SMS_CAMPAIGN_KIND,
    audience_clean,
    audience_counts,
    audience_label,
    audience_queryset,
    campaign_values,
    sms_campaign_create,
    sms_campaign_send,
    sms_campaign_submit,
    sms_campaign_update,
    sms_campaigns_send_approved,
)

__all__ = [
    "DEFAULT_TEXTS",
    "SMS_CAMPAIGN_KIND",
    "audience_clean",
    "audience_counts",
    "audience_label",
    "audience_queryset",
    "campaign_values",
    "may_acknowledge",
    "membership_join",
    "membership_leave",
    "membership_login",
    "reminder_call",
    "reminder_send_sms",
    "reminder_skip",
    "reminder_text",
    "reminders_list",
    "retention_list_acknowledge",
    "retention_lists_build",
    "retention_lists_publish",
    "sms_campaign_create",
    "sms_campaign_send",
    "sms_campaign_submit",
    "sms_campaign_update",
    "sms_campaigns_send_approved",
]
