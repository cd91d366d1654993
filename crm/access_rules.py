"""Who sees and changes what in crm.

* The customer master: ``crm.view_customer`` / ``crm.change_customer``; "own" = customers whose
  owner consultant is the user (and their vehicles and ownership periods), "department" =
  customers owned by people holding a position in one of the user's departments. Phone numbers
  are masked for users without ``crm.view_customer_phone``.
* Follow-ups, call attempts and surveys: ``crm.view_followup`` / ``crm.change_followup``; "own"
  = the follow-ups assigned to the user; "department" = those assigned to, or about an event
  served by (the consultant, the advisor), someone of the user's departments.
* Questionnaires and the follow-up rules are read by whoever reads follow-ups and set with
  ``crm.change_survey``. Retention lists and service reminders are the CRM team's shared lists
  (``crm.view_followup``; reminders are worked with ``crm.change_member``).
* Contact checks (unreachable customers sent to the consultant): the customer master's
  capabilities, "own" = the checks sent to the user.
* Complaints: ``crm.view_complaint`` / ``crm.change_complaint``; "own" = registered by or
  handled by the user, or raised on their follow-up; "department" = also those routed to one of
  the user's departments.
* Owner-club members: seen with the customer, kept with ``crm.change_member``. SMS campaigns:
  ``crm.change_campaign`` ("own" = created by the user). The log of phone numbers shown:
  ``crm.view_phone_log`` ("own" = one's own views).
* Market intelligence (competitor observations, advertising spends): the marketing work of
  ``crm.change_campaign`` — the marketing and CRM managers record and read the dealership's, a
  marketing or campaign specialist their own ("own" = recorded by the user). Others (the deputy
  GM, HQ) read them in the monthly OEM reports.
* Day-N+1 data checks: as their follow-up. SSI / CSI targets: read with ``crm.view_followup``,
  set with ``crm.change_csi_plan``; their action items also "own" = the item's owner, and
  every owner reads the items they own without any crm capability (:class:`ActionOwnerPolicy`:
  a service advisor given an item of the CSI plan)."""

from __future__ import annotations

from django.db.models import Q

from dealership.policies import READ_ACTIONS
from org.access import (
    ModelAccess,
    PositionPolicy,
    UserAccess,
    holds,
    register_model_access,
    user_access,
)
from org.capabilities import Capability as C

PHONE_FIELDS = ("mobile", "mobile_alt", "landline")


def may_see_phone(user) -> bool:
    return user_access(user).has(C.CRM_VIEW_CUSTOMER_PHONE)


def _department_users(access: UserAccess):
    from org.models import PositionAssignment

    return PositionAssignment.objects.filter(
        position__department_id__in=access.department_ids, staff__is_active=True
    ).values("staff__user_id")


def _owned(prefix: str):
    def own(access: UserAccess) -> Q:
        return Q(**{f"{prefix}owner_id": access.user_id})

    def department(access: UserAccess) -> Q:
        return own(access) | Q(**{f"{prefix}owner_id__in": _department_users(access)})

    return own, department


def _rules(prefix: str) -> ModelAccess:
    own, department = _owned(prefix)
    return ModelAccess(
        view=C.CRM_VIEW_CUSTOMER, change=C.CRM_CHANGE_CUSTOMER, own=own, department=department
    )


def _everything(access: UserAccess) -> Q:
    return Q()


def _followup_rules(prefix: str) -> ModelAccess:
    def own(access: UserAccess) -> Q:
        return Q(**{f"{prefix}specialist_id": access.user_id})

    def department(access: UserAccess) -> Q:
        users = _department_users(access)
        return (
            own(access)
            | Q(**{f"{prefix}specialist_id__in": users})
            | Q(**{f"{prefix}event__staff_id__in": users})
        )

    return ModelAccess(
        view=C.CRM_VIEW_FOLLOWUP, change=C.CRM_CHANGE_FOLLOWUP, own=own, department=department
    )


def _complaint_rules(prefix: str) -> ModelAccess:
    def own(access: UserAccess) -> Q:
        uid = access.user_id
        return (
            Q(**{f"{prefix}registered_by_id": uid})
            | Q(**{f"{prefix}owner_id": uid})
            | Q(**{f"{prefix}followup__specialist_id": uid})
        )

    def department(access: UserAccess) -> Q:
        return own(access) | Q(**{f"{prefix}department_id__in": list(access.department_ids)})

    return ModelAccess(
        view=C.CRM_VIEW_COMPLAINT, change=C.CRM_CHANGE_COMPLAINT, own=own, department=department
    )


class ActionOwnerPolicy(PositionPolicy):
    """The position policy of SSI/CSI action items, widened for their owners: a staff member
    of the dealership reads the items they own (and records their progress, see
    :func:`crm.services.targets.satisfaction_action_progress`) even without
    ``crm.view_followup``. Adding, editing and deleting stay with ``crm.change_csi_plan``."""

    def _owner_reads(self, user, action) -> bool:
        access = user_access(user)
        return (
            action in READ_ACTIONS
            and access.user_id is not None
            and not access.is_system
            and bool(access.position_ids)
        )

    def allows(self, user, action, model):
        return super().allows(user, action, model) or self._owner_reads(user, action)

    def restrict(self, user, action, queryset):
        if not self._owner_reads(user, action):
            return super().restrict(user, action, queryset)
        if super().allows(user, action, queryset.model):
            if super().covers_scope(user, action, queryset.model):
                return queryset
            ids = super().restrict(user, action, queryset).values("pk")
            return queryset.filter(Q(pk__in=ids) | Q(owner_id=user.pk))
        return queryset.filter(owner_id=user.pk)


def _by_user(field: str, view: C, change: C) -> ModelAccess:
    def own(access: UserAccess) -> Q:
        return Q(**{f"{field}_id": access.user_id})

    def department(access: UserAccess) -> Q:
        return own(access) | Q(**{f"{field}_id__in": _department_users(access)})

    return ModelAccess(view=view, change=change, own=own, department=department)


def register() -> None:
    from crm import models as m
    from crm.models import Customer, CustomerEvent, Ownership, Vehicle
    from dealership.audit import register_masked_fields

    register_model_access(Customer, _rules(""))
    register_model_access(Vehicle, _rules("owner__"))
    register_model_access(Ownership, _rules("vehicle__owner__"))
    own, department = _owned("customer__")
    register_model_access(
        CustomerEvent,
        ModelAccess(
            view=C.CRM_VIEW_FOLLOWUP, change=C.CRM_CHANGE_FOLLOWUP, own=own, department=department
        ),
    )
    register_model_access(m.FollowUp, _followup_rules(""))
    register_model_access(m.CallAttempt, _followup_rules("followup__"))
    register_model_access(m.SurveyResponse, _followup_rules("followup__"))
    register_model_access(m.SurveyAnswer, _followup_rules("response__followup__"))
    shared_rules = ModelAccess(
        view=C.CRM_VIEW_FOLLOWUP,
        change=C.CRM_CHANGE_SURVEY,
        own=_everything,
        department=_everything,
    )
    register_model_access(m.FollowUpSettings, shared_rules)
    register_model_access(m.Questionnaire, shared_rules)
    register_model_access(m.Question, shared_rules)
    register_model_access(m.RetentionList, shared_rules)
    register_model_access(m.RetentionEntry, shared_rules)
    register_model_access(
        m.ServiceReminder,
        ModelAccess(
            view=C.CRM_VIEW_FOLLOWUP,
            change=C.CRM_CHANGE_MEMBER,
            own=_everything,
            department=_everything,
        ),
    )
    register_model_access(
        m.ContactCheck, _by_user("consultant", C.CRM_VIEW_CUSTOMER, C.CRM_CHANGE_CUSTOMER)
    )
    register_model_access(m.Complaint, _complaint_rules(""))
    register_model_access(m.ComplaintEntry, _complaint_rules("complaint__"))
    own, department = _owned("customer__")
    register_model_access(
        m.Membership,
        ModelAccess(
            view=C.CRM_VIEW_CUSTOMER, change=C.CRM_CHANGE_MEMBER, own=own, department=department
        ),
    )
    register_model_access(
        m.SmsCampaign, _by_user("created_by", C.CRM_CHANGE_CAMPAIGN, C.CRM_CHANGE_CAMPAIGN)
    )
    register_model_access(
        m.SmsDelivery,
        _by_user("campaign__created_by", C.CRM_CHANGE_CAMPAIGN, C.CRM_CHANGE_CAMPAIGN),
    )
    for model in (m.CompetitorObservation, m.AdvertisingSpend):
        register_model_access(
            model, _by_user("recorded_by", C.CRM_CHANGE_CAMPAIGN, C.CRM_CHANGE_CAMPAIGN)
        )
    _register_marketing(m)
    register_model_access(
        m.PhoneReveal, _by_user("user", C.CRM_VIEW_PHONE_LOG, C.CRM_VIEW_PHONE_LOG)
    )
    # the day-N+1 data checks follow their follow-up; SSI / CSI targets are read by whoever reads
    # follow-ups and set by the CSI/SSI admin (crm.change_csi_plan); an action item's owner
    # reads it ("own") and records its progress (crm.services.targets)
    register_model_access(m.DataCheck, _followup_rules("followup__"))
    register_model_access(
        m.SatisfactionTarget,
        ModelAccess(
            view=C.CRM_VIEW_FOLLOWUP,
            change=C.CRM_CHANGE_CSI_PLAN,
            own=_everything,
            department=_everything,
        ),
    )
    register_model_access(
        m.SatisfactionAction, _by_user("owner", C.CRM_VIEW_FOLLOWUP, C.CRM_CHANGE_CSI_PLAN)
    )
    from dealership.policies import register_policy

    register_policy(m.SatisfactionAction, ActionOwnerPolicy())
    check = holds(C.CRM_VIEW_CUSTOMER_PHONE)
    register_masked_fields(Customer, dict.fromkeys(PHONE_FIELDS, check))


def _register_marketing(m) -> None:
    """Marketing (crm.models.marketing): read by whoever holds ``crm.view_marketing`` (the
    marketing staff, the CRM and sales leads, the management), planned by the holders of
    ``crm.change_campaign`` (a specialist: their own plans, events and log rows)."""
    view, change = C.CRM_VIEW_MARKETING, C.CRM_CHANGE_CAMPAIGN
    register_model_access(m.AdvertisingPlan, _by_user("created_by", view, change))
    register_model_access(m.AdvertisingPlanLine, _by_user("plan__created_by", view, change))
    register_model_access(m.MarketingEvent, _by_user("created_by", view, change))
    register_model_access(m.EventEvidence, _by_user("event__created_by", view, change))
    register_model_access(m.CompetitorAd, _by_user("recorded_by", view, change))

    def own(access: UserAccess) -> Q:
        return Q(invited_by_id=access.user_id) | Q(event__created_by_id=access.user_id)

    def department(access: UserAccess) -> Q:
        people = _department_users(access)
        return own(access) | Q(invited_by_id__in=people) | Q(event__created_by_id__in=people)

    register_model_access(
        m.EventInvitation, ModelAccess(view=view, change=change, own=own, department=department)
    )
