"""The approval kinds of crm, registered with the engine: an SMS campaign (短信发送, kind
``crm.sms_campaign``: requester → department manager → deputy GM → GM, then the CRM
department sends; defined with the SMS services); the monthly advertising plan (广告计划,
``crm.advertising_plan``) and a marketing event (市场活动, ``crm.marketing_event``), defined
with the marketing services."""

from __future__ import annotations


def register() -> None:
    from crm.services.sms import SMS_CAMPAIGN_KIND
    from org.approvals.kinds import register_request_kind

    register_request_kind(SMS_CAMPAIGN_KIND)

    from crm.services.marketing import ADVERTISING_PLAN_KIND, MARKETING_EVENT_KIND

    register_request_kind(ADVERTISING_PLAN_KIND)
    register_request_kind(MARKETING_EVENT_KIND)
