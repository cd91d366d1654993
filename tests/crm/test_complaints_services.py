"""Complaint services: routing by category, deadlines by severity, the state machine (every
transition and the refused ones), reopen, the log, a major complaint's notifications and OEM
flag, who may assign and confirm, numbering, and complaints opened from a survey."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from crm.models import (
    Complaint,
    ComplaintEntry,
    FollowUp,
    Question,
    Questionnaire,
    SurveyAnswer,
    SurveyResponse,
    Vehicle,
)
from crm.services import complaints as svc
from crm.services.followups import followup_settings
from dealership.models import AuditEntry
from dealership.notifications.models import Notification
from dealership.tenancy import dealership_context
from tests.crm.conftest import make_event, make_owner, valid_vin

pytestmark = pytest.mark.django_db


def _vehicle(cast, customer):
    with dealership_context(cast.a):
        return Vehicle.objects.create(
            dealership=cast.a, vin=valid_vin(), brand="Kia", model="K5", owner=customer
        )


def make_complaint(cast, actor, *, category="sales_process", severity="normal", **kwargs):
    customer = kwargs.pop("customer", None) or make_owner(cast.a)
    with dealership_context(cast.a):
        return svc.complaint_create(
            actor=actor,
            customer=customer,
            channel=kwargs.pop("channel", "phone"),
            category=category,
            severity=severity,
            description=kwargs.pop("description", "The salesman promised floor mats."),
            **kwargs,
        )


def call(cast, function, **kwargs):
    with dealership_context(cast.a):
        return function(**kwargs)


def _reload(cast, complaint) -> Complaint:
    with dealership_context(cast.a):
        return Complaint.objects.get(pk=complaint.pk)


def _log(cast, complaint) -> list[tuple[str, str, str]]:
    with dealership_context(cast.a):
        return list(
            ComplaintEntry.objects.filter(complaint=complaint)
            .order_by("pk")
            .values_list("action", "from_state", "to_state")
        )


def _told(cast, kind) -> set[int]:
    with dealership_context(cast.a):
        return set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


# --- registering: routing, owner, deadline, number ----------------------------------------------


@pytest.mark.parametrize(
    ("category", "department", "head"),
    [
        ("sales_process", "sales", "sales_manager"),
        ("price", "sales", "sales_manager"),
        ("service_time", "aftersales", "service_manager"),
        ("vehicle", "aftersales", "service_manager"),
        ("staff", "crm", "customer_relations_manager"),
    ],
)
def test_a_complaint_is_routed_by_category_to_the_head_of_the_department(
    cast, team, category, department, head
):
    complaint = make_complaint(cast, team.cr_specialist, category=category)
    complaint = _reload(cast, complaint)
    with dealership_context(cast.a):
        assert complaint.department.code == department
    assert complaint.owner_id == getattr(team, head).pk
    assert complaint.state == "assigned"
    assert complaint.registered_by_id == team.cr_specialist.pk
    assert _log(cast, complaint) == [
        ("registered", "", "registered"),
        ("assigned", "registered", "assigned"),
    ]
    assert _told(cast, "crm.complaint_assigned") == {getattr(team, head).pk}


def test_without_a_head_the_complaint_stays_registered(cast, staff):
    # the staff fixture has nobody in after-sales
    complaint = make_complaint(cast, staff.crm_director, category="service_quality")
    assert (complaint.state, complaint.owner_id) == ("registered", None)
    with dealership_context(cast.a):
        assert complaint.department.code == "aftersales"
    assert _log(cast, complaint) == [("registered", "", "registered")]


def test_deadline_by_severity_from_the_dealerships_rules(cast, team):
    received = timezone.now() - dt.timedelta(hours=3)
    normal = make_complaint(cast, team.cr_specialist, received_at=received)
    major = make_complaint(cast, team.cr_specialist, severity="major", received_at=received)
    assert normal.deadline == received + dt.timedelta(days=7)
    assert major.deadline == received + dt.timedelta(days=2)
    with dealership_context(cast.a):
        rules = followup_settings()
        rules.complaint_days_normal = 10
        rules.save()
    later = make_complaint(cast, team.cr_specialist, received_at=received)
    assert later.deadline == received + dt.timedelta(days=10)


def test_a_major_complaint_tells_the_crm_director_and_the_gm_and_flags_the_oem(cast, team):
    major = make_complaint(cast, team.cr_specialist, severity="major")
    normal = make_complaint(cast, team.cr_specialist)
    assert major.oem_coordination is True
    assert normal.oem_coordination is False
    assert _told(cast, "crm.complaint_major") == {team.crm_director.pk, team.gm.pk}
    with dealership_context(cast.a):
        assert Notification.objects.filter(kind="crm.complaint_major").count() == 2
        assert {n.object_id for n in Notification.objects.filter(kind="crm.complaint_major")} == {
            str(major.pk)
        }


def test_numbers_count_up_per_month(cast, team):
    first = make_complaint(cast, team.cr_specialist)
    second = make_complaint(cast, team.cr_specialist)
    month = f"{timezone.localtime(first.received_at):%Y%m}"
    assert first.number == f"TS{month}-0001"
    assert second.number == f"TS{month}-0002"
    earlier = make_complaint(
        cast, team.cr_specialist, received_at=timezone.now() - dt.timedelta(days=40)
    )
    assert earlier.number.endswith("-0001")
    assert earlier.number != first.number


def test_creating_is_audited(cast, team):
    complaint = make_complaint(cast, team.cr_specialist)
    with dealership_context(cast.a):
        entry = AuditEntry.objects.get(
            object_type="crm.Complaint", object_id=str(complaint.pk), action="create"
        )
    assert entry.actor_id == team.cr_specialist.pk
    assert entry.after["number"] == complaint.number


def test_bad_input_is_refused_with_the_field(cast, team):
    customer = make_owner(cast.a)
    other = make_owner(cast.a)
    foreign_vehicle = _vehicle(cast, other)
    cases = [
        ({"channel": "followup"}, "channel"),
        ({"channel": "pigeon"}, "channel"),
        ({"category": "weather"}, "category"),
        ({"severity": "huge"}, "severity"),
        ({"description": "  "}, "description"),
        ({"vehicle": foreign_vehicle.pk}, "vehicle"),
        ({"received_at": timezone.now() + dt.timedelta(days=1)}, "received_at"),
        ({"customer": None}, "customer"),
    ]
    for change, field in cases:
        kwargs = {
            "customer": customer,
            "channel": "phone",
            "category": "price",
            "severity": "normal",
            "description": "Too expensive.",
            **change,
        }
        with pytest.raises(ValidationError) as error:
            call(cast, svc.complaint_create, actor=team.cr_specialist, **kwargs)
        assert field in error.value.message_dict, change
    with dealership_context(cast.a):
        assert not Complaint.objects.exists()


def test_the_customer_must_be_one_the_actor_sees(cast, team):
    # the sales manager sees the customers of the sales department only
    stranger = make_owner(cast.a, owner=team.service_advisor)
    with pytest.raises(ValidationError) as error:
        make_complaint(cast, team.sales_manager, customer=stranger)
    assert "customer" in error.value.message_dict
    mine = make_owner(cast.a, owner=team.sales_consultant)
    vehicle = _vehicle(cast, mine)
    complaint = make_complaint(cast, team.sales_manager, customer=mine, vehicle=vehicle.pk)
    assert complaint.vehicle_id == vehicle.pk


def test_a_sales_consultant_registers_no_complaint(cast, team):
    with pytest.raises(PermissionDenied):
        make_complaint(cast, team.sales_consultant)


# --- the state machine ----------------------------------------------------------------------------


def test_the_whole_way_to_closed_is_logged(cast, team):
    complaint = make_complaint(cast, team.cr_specialist)
    manager = team.sales_manager
    call(cast, svc.complaint_start, actor=manager, complaint_id=complaint.pk)
    call(
        cast,
        svc.complaint_resolve,
        actor=manager,
        complaint_id=complaint.pk,
        resolution="Floor mats fitted.",
    )
    resolved = _reload(cast, complaint)
    assert resolved.state == "resolved" and resolved.resolved_at is not None
    call(
        cast,
        svc.complaint_confirm,
        actor=team.cr_specialist,
        complaint_id=complaint.pk,
        feedback="Customer is satisfied.",
    )
    call(
        cast, svc.complaint_close, actor=team.customer_relations_manager, complaint_id=complaint.pk
    )
    closed = _reload(cast, complaint)
    assert closed.state == "closed" and closed.closed_at is not None
    assert closed.resolution == "Floor mats fitted."
    assert closed.customer_feedback == "Customer is satisfied."
    assert _log(cast, complaint) == [
        ("registered", "", "registered"),
        ("assigned", "registered", "assigned"),
        ("started", "assigned", "in_progress"),
        ("resolved", "in_progress", "resolved"),
        ("confirmed", "resolved", "confirmed"),
        ("closed", "confirmed", "closed"),
    ]
    with dealership_context(cast.a):
        entries = ComplaintEntry.objects.filter(complaint=complaint).order_by("pk")
        assert [e.actor_id for e in entries][2:] == [
            manager.pk,
            manager.pk,
            team.cr_specialist.pk,
            team.customer_relations_manager.pk,
        ]
        assert entries[3].note == "Floor mats fitted."
        updates = AuditEntry.objects.filter(
            object_type="crm.Complaint", object_id=str(complaint.pk), action="update"
        ).count()
    assert updates == 4


@pytest.mark.parametrize(
    ("steps", "refused"),
    [
        ([], "close"),
        ([], "confirm"),
        (["start"], "start"),
        (["start"], "confirm"),
        (["start", "resolve"], "resolve"),
        (["start", "resolve"], "start"),
        (["start", "resolve", "confirm"], "resolve"),
        (["start", "resolve", "confirm", "close"], "close"),
        (["start", "resolve", "confirm", "close"], "start"),
        ([], "reopen"),
        (["start"], "reopen"),
    ],
)
def test_transitions_outside_the_state_machine_are_refused_clearly(cast, team, steps, refused):
    complaint = make_complaint(cast, team.cr_specialist)
    actions = _actions(team)
    for step in steps:
        actions[step](cast, complaint.pk)
    state = _reload(cast, complaint).state
    with pytest.raises(ValidationError) as error:
        actions[refused](cast, complaint.pk)
    assert "cannot be" in error.value.messages[0]
    assert _reload(cast, complaint).state == state


def _actions(team):
    crm = team.customer_relations_manager
    return {
        "start": lambda cast, pk: call(cast, svc.complaint_start, actor=crm, complaint_id=pk),
        "resolve": lambda cast, pk: call(
            cast, svc.complaint_resolve, actor=crm, complaint_id=pk, resolution="Done."
        ),
        "confirm": lambda cast, pk: call(
            cast, svc.complaint_confirm, actor=crm, complaint_id=pk, feedback="Fine."
        ),
        "close": lambda cast, pk: call(cast, svc.complaint_close, actor=crm, complaint_id=pk),
        "reopen": lambda cast, pk: call(
            cast, svc.complaint_reopen, actor=crm, complaint_id=pk, reason="Not fixed."
        ),
    }


def test_resolve_confirm_and_reopen_need_their_text(cast, team):
    complaint = make_complaint(cast, team.cr_specialist)
    crm = team.customer_relations_manager
    with pytest.raises(ValidationError) as error:
        call(cast, svc.complaint_resolve, actor=crm, complaint_id=complaint.pk, resolution=" ")
    assert "resolution" in error.value.message_dict
    call(cast, svc.complaint_resolve, actor=crm, complaint_id=complaint.pk, resolution="Done.")
    with pytest.raises(ValidationError) as error:
        call(cast, svc.complaint_confirm, actor=crm, complaint_id=complaint.pk, feedback="")
    assert "feedback" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        call(cast, svc.complaint_reopen, actor=crm, complaint_id=complaint.pk, reason="")
    assert "reason" in error.value.message_dict


@pytest.mark.parametrize(
    "steps", [["resolve"], ["resolve", "confirm"], ["resolve", "confirm", "close"]]
)
def test_reopen_goes_back_to_in_progress_with_the_same_owner(cast, team, steps):
    complaint = make_complaint(cast, team.cr_specialist)
    actions = _actions(team)
    for step in steps:
        actions[step](cast, complaint.pk)
    actions["reopen"](cast, complaint.pk)
    reopened = _reload(cast, complaint)
    assert reopened.state == "in_progress"
    assert reopened.owner_id == team.sales_manager.pk
    assert reopened.reopened == 1
    assert reopened.closed_at is None and reopened.resolved_at is None
    assert reopened.deadline > timezone.now() + dt.timedelta(days=6)
    assert _log(cast, complaint)[-1] == ("reopened", _reload_state(steps), "in_progress")
    actions["resolve"](cast, complaint.pk)
    actions["reopen"](cast, complaint.pk)
    assert _reload(cast, complaint).reopened == 2


def _reload_state(steps):
    return {"resolve": "resolved", "confirm": "confirmed", "close": "closed"}[steps[-1]]


def test_the_crm_team_confirms_and_closes_not_the_department(cast, team):
    complaint = make_complaint(cast, team.cr_specialist)
    call(
        cast,
        svc.complaint_resolve,
        actor=team.sales_manager,
        complaint_id=complaint.pk,
        resolution="Done.",
    )
    with pytest.raises(PermissionDenied):
        call(
            cast,
            svc.complaint_confirm,
            actor=team.sales_manager,
            complaint_id=complaint.pk,
            feedback="He says fine.",
        )
    # the specialist who registered it calls the customer back
    call(
        cast,
        svc.complaint_confirm,
        actor=team.cr_specialist,
        complaint_id=complaint.pk,
        feedback="Fine.",
    )
    with pytest.raises(PermissionDenied):
        call(cast, svc.complaint_close, actor=team.sales_manager, complaint_id=complaint.pk)


# --- assigning ------------------------------------------------------------------------------------


def test_the_departments_manager_assigns_within_the_department_or_the_crm_team(cast, team):
    complaint = make_complaint(cast, team.cr_specialist)
    manager = team.sales_manager
    call(
        cast,
        svc.complaint_assign,
        actor=manager,
        complaint_id=complaint.pk,
        owner_id=team.sales_consultant.pk,
        note="Your customer.",
    )
    assigned = _reload(cast, complaint)
    assert (assigned.owner_id, assigned.state) == (team.sales_consultant.pk, "assigned")
    assert team.sales_consultant.pk in _told(cast, "crm.complaint_assigned")
    for outsider in (team.service_advisor, cast.user_b):
        with pytest.raises(ValidationError) as error:
            call(
                cast,
                svc.complaint_assign,
                actor=manager,
                complaint_id=complaint.pk,
                owner_id=outsider.pk,
            )
        assert "owner" in error.value.message_dict
    call(
        cast,
        svc.complaint_assign,
        actor=manager,
        complaint_id=complaint.pk,
        owner_id=team.sales_followup_specialist.pk,
    )
    assert _reload(cast, complaint).owner_id == team.sales_followup_specialist.pk


def test_only_managers_assign(cast, team):
    complaint = make_complaint(cast, team.cr_specialist)
    # the specialist registered it (own) but assigns nothing
    with pytest.raises(PermissionDenied):
        call(
            cast,
            svc.complaint_assign,
            actor=team.cr_specialist,
            complaint_id=complaint.pk,
            owner_id=team.sales_consultant.pk,
        )
    # the service manager does not even see a sales complaint
    with pytest.raises(Http404):
        call(
            cast,
            svc.complaint_assign,
            actor=team.service_manager,
            complaint_id=complaint.pk,
            owner_id=team.service_advisor.pk,
        )
    # the CRM manager assigns anything
    call(
        cast,
        svc.complaint_assign,
        actor=team.customer_relations_manager,
        complaint_id=complaint.pk,
        owner_id=team.cr_specialist.pk,
    )
    assert _reload(cast, complaint).owner_id == team.cr_specialist.pk


def test_assigning_while_in_progress_keeps_it_in_progress(cast, team):
    complaint = make_complaint(cast, team.cr_specialist)
    call(cast, svc.complaint_start, actor=team.sales_manager, complaint_id=complaint.pk)
    call(
        cast,
        svc.complaint_assign,
        actor=team.sales_manager,
        complaint_id=complaint.pk,
        owner_id=team.sales_consultant.pk,
    )
    assert _reload(cast, complaint).state == "in_progress"


# --- updating -------------------------------------------------------------------------------------


def test_a_new_category_routes_again_and_a_new_severity_sets_the_deadline(cast, team):
    complaint = make_complaint(cast, team.cr_specialist)
    crm = team.customer_relations_manager
    call(
        cast,
        svc.complaint_update,
        actor=crm,
        complaint_id=complaint.pk,
        category="service_time",
    )
    moved = _reload(cast, complaint)
    with dealership_context(cast.a):
        assert moved.department.code == "aftersales"
    assert moved.owner_id == team.service_manager.pk
    assert moved.state == "assigned"
    call(cast, svc.complaint_update, actor=crm, complaint_id=complaint.pk, severity="major")
    major = _reload(cast, complaint)
    assert major.deadline == major.received_at + dt.timedelta(days=2)
    assert major.oem_coordination
    assert _told(cast, "crm.complaint_major") == {team.crm_director.pk, team.gm.pk}
    call(
        cast,
        svc.complaint_update,
        actor=crm,
        complaint_id=complaint.pk,
        description="Waited five hours.",
    )
    assert _reload(cast, complaint).description == "Waited five hours."
    assert [a for a, _f, _t in _log(cast, complaint)][-3:] == ["updated"] * 3
    with pytest.raises(ValidationError):
        call(cast, svc.complaint_update, actor=crm, complaint_id=complaint.pk, state="closed")


def test_a_closed_complaint_is_not_changed(cast, team):
    complaint = make_complaint(cast, team.cr_specialist)
    actions = _actions(team)
    for step in ("resolve", "confirm", "close"):
        actions[step](cast, complaint.pk)
    with pytest.raises(ValidationError):
        call(
            cast,
            svc.complaint_update,
            actor=team.customer_relations_manager,
            complaint_id=complaint.pk,
            severity="major",
        )


# --- from a follow-up survey ----------------------------------------------------------------------


def _survey(cast, followup, specialist, scores, comment=""):
    with dealership_context(cast.a):
        questionnaire = Questionnaire.objects.create(
            dealership=cast.a,
            kind=followup.kind,
            version=90,
            title="SSI",
            complaint_below=7,
        )
        questions = [
            Question.objects.create(
                dealership=cast.a,
                questionnaire=questionnaire,
                position=n + 1,
                text=f"Question {n + 1}",
                kind="score",
            )
            for n in range(len(scores))
        ]
        response = SurveyResponse.objects.create(
            dealership=cast.a,
            followup=followup,
            questionnaire=questionnaire,
            taken_at=timezone.now(),
            taken_by=specialist,
            comment=comment,
        )
        for question, score in zip(questions, scores, strict=True):
            SurveyAnswer.objects.create(
                dealership=cast.a,
                response=response,
                question=question,
                question_text=question.text,
                score=score,
            )
        return response


@pytest.mark.parametrize(
    ("kind", "category", "department"),
    [("sales", "sales_process", "sales"), ("service", "service_quality", "aftersales")],
)
def test_a_low_score_opens_a_complaint_for_the_followup(cast, team, kind, category, department):
    staff = team.sales_consultant if kind == "sales" else team.service_advisor
    event = make_event(cast.a, kind=kind, staff=staff)
    with dealership_context(cast.a):
        followup = FollowUp.objects.get(event=event)
    specialist = followup.specialist
    response = _survey(cast, followup, specialist, [9, 4, 10], comment="Rude.")
    complaint = call(
        cast,
        svc.complaint_from_survey,
        actor=specialist,
        response=response,
        reason="Score under the threshold.",
    )
    assert complaint.channel == "followup"
    assert complaint.category == category
    assert complaint.severity == "normal"
    assert complaint.followup_id == followup.pk
    assert complaint.customer_id == followup.customer_id
    assert complaint.vehicle_id == followup.vehicle_id
    assert complaint.registered_by_id == specialist.pk
    assert "Score under the threshold." in complaint.description
    assert "Question 2: 4" in complaint.description
    assert "Question 1" not in complaint.description
    assert "Rude." in complaint.description
    with dealership_context(cast.a):
        assert complaint.department.code == department
        # the specialist sees it (registered by them, on their follow-up)
        assert Complaint.objects.for_user(specialist, "view").filter(pk=complaint.pk).exists()
    # the customer's complaint on the same call: the same complaint, its words logged
    again = call(
        cast, svc.complaint_from_survey, actor=specialist, response=response, reason="Angry."
    )
    assert again.pk == complaint.pk
    assert _log(cast, complaint)[-1][0] == "note"


def test_low_scores_named_in_the_reason_are_not_repeated(cast, team):
    event = make_event(cast.a, kind="sales", staff=team.sales_consultant)
    with dealership_context(cast.a):
        followup = FollowUp.objects.get(event=event)
    response = _survey(cast, followup, followup.specialist, [3, 5])
    complaint = call(
        cast,
        svc.complaint_from_survey,
        actor=followup.specialist,
        response=response.pk,
        reason="Score 3: Question 1",
    )
    assert complaint.description.count("Question 1") == 1
    assert "- Question 2: 5" in complaint.description


def test_only_the_followups_specialist_opens_a_complaint_from_it(cast, team):
    event = make_event(cast.a, kind="sales", staff=team.sales_consultant)
    with dealership_context(cast.a):
        followup = FollowUp.objects.get(event=event)
    response = _survey(cast, followup, followup.specialist, [2])
    other = (
        team.sales_followup_specialist2
        if followup.specialist_id == team.sales_followup_specialist.pk
        else team.sales_followup_specialist
    )
    with pytest.raises(Http404):
        call(cast, svc.complaint_from_survey, actor=other, response=response)
    with dealership_context(cast.a):
        assert not Complaint.objects.exists()


def test_it_runs_inside_the_callers_transaction(cast, team):
    from django.db import transaction

    event = make_event(cast.a, kind="sales", staff=team.sales_consultant)
    with dealership_context(cast.a):
        followup = FollowUp.objects.get(event=event)
    response = _survey(cast, followup, followup.specialist, [2])

    class Abort(Exception):
        pass

    with pytest.raises(Abort), dealership_context(cast.a), transaction.atomic():
        svc.complaint_from_survey(actor=followup.specialist, response=response)
        raise Abort
    with dealership_context(cast.a):
        assert not Complaint.objects.exists()
