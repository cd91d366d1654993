"""SSI / CSI targets with action plans and the contact rate as a target: the CSI/SSI admin sets
a month's target, the actual comes from the month's call surveys (gap, would-recommend share,
per consultant and per advisor); action items with an owner, progress by the owner, overdue
ones reminded once; the contact rate per specialist with every miss and its reason. Pages and
API; a specialist cannot plan, another dealership sees nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from crm.models import FollowUp, SatisfactionAction, SatisfactionTarget
from crm.notifications import SATISFACTION_ACTION_OVERDUE
from crm.selectors import targets as selectors
from crm.services import followups as followup_services
from crm.services import targets as services
from crm.services.calls import followup_call_record
from dealership.notifications.models import Notification
from dealership.tenancy import dealership_context
from tests.crm.conftest import make_event
from tests.crm.test_followups_support import MONDAY, frozen, run_job
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
MONTH = MONDAY.replace(day=1)


@pytest.fixture
def admin(cast):
    user = UserFactory(username="csi_admin", name="csi admin")
    hire(user, cast.a, "csi_ssi_admin")
    return user


def _in_a(cast, function, **kwargs):
    with dealership_context(cast.a):
        return function(**kwargs)


def _surveyed(cast, team, *, kind="sales", scores=(9, 9, 9, 9), staff=None, n_day=None):
    """A delivery (or service visit) on ``n_day`` reached on N+3 with a survey of ``scores``."""
    n_day = n_day or MONDAY - 3 * DAY  # reached on N+3: MONDAY, in its month
    staff = staff or (team.sales_consultant if kind == "sales" else team.service_advisor)
    with frozen(n_day, 11):
        event = make_event(cast.a, kind=kind, occurred_on=n_day, staff=staff)
    from crm.models import Questionnaire

    with dealership_context(cast.a):
        followup = FollowUp.objects.select_related("specialist").get(event=event)
        questionnaire = Questionnaire.objects.get(kind=kind, is_active=True)
        questions = list(questionnaire.questions.order_by("position"))
    answers = {}
    it = iter(scores)
    for q in questions:
        if q.kind == "score":
            answers[q.pk] = next(it, 8)
        elif q.kind == "yes_no":
            answers[q.pk] = True
        elif q.kind == "choice":
            answers[q.pk] = q.choices[0]
        else:
            answers[q.pk] = "好"
    with frozen(n_day + 3 * DAY, 10):
        _in_a(
            cast,
            followup_call_record,
            actor=followup.specialist,
            followup_id=followup.pk,
            outcome="connected",
            answers=answers,
        )
    return followup


def test_target_actual_gap_and_people(cast, team, admin):
    _surveyed(cast, team, scores=(10, 10, 10, 10, 10, 10))
    _surveyed(cast, team, scores=(6, 8, 8, 8, 8, 8))
    with frozen(MONDAY, 10):
        target = _in_a(
            cast,
            services.satisfaction_target_set,
            actor=admin,
            kind="sales",
            month=MONDAY,
            target_score="9.5",
            referral_target=80,
        )
        assert target.month == MONTH
        # setting it again changes the same row
        again = _in_a(
            cast,
            services.satisfaction_target_set,
            actor=admin,
            kind="sales",
            month=MONTH + 3 * DAY,
            target_score=9,
        )
        assert again.pk == target.pk and again.target_score == Decimal("9.00")
        with pytest.raises(ValidationError):
            _in_a(
                cast,
                services.satisfaction_target_set,
                actor=admin,
                kind="sales",
                month=MONTH,
                target_score=11,
            )
        with pytest.raises(PermissionDenied):
            _in_a(
                cast,
                services.satisfaction_target_set,
                actor=team.sales_followup_specialist,
                kind="sales",
                month=MONTH,
                target_score=9,
            )
        results = {
            k.kind: k for k in _in_a(cast, selectors.satisfaction_month, user=admin, month=MONTH)
        }
        ssi = results["sales"]
        assert ssi.surveys == 2 and ssi.actual is not None
        assert ssi.gap == (ssi.actual - Decimal("9.00")).quantize(Decimal("0.01"))
        assert ssi.referral is not None  # the default SSI questionnaire asks it
        people = _in_a(cast, selectors.satisfaction_by_person, user=admin, month=MONTH)
        assert [r["staff_id"] for r in people["sales"]] == [team.sales_consultant.pk]
        assert people["sales"][0]["surveys"] == 2


def test_action_items_progress_and_reminder(cast, team, admin):
    with frozen(MONDAY, 10):
        target = _in_a(
            cast,
            services.satisfaction_target_set,
            actor=admin,
            kind="service",
            month=MONTH,
            target_score=9,
        )
        item = _in_a(
            cast,
            services.satisfaction_action_create,
            actor=admin,
            target_id=target.pk,
            title="交车前检查清单培训",
            owner=team.service_manager,
            due_on=MONDAY + DAY,
        )
        with pytest.raises(ValidationError):
            _in_a(
                cast,
                services.satisfaction_action_create,
                actor=admin,
                target_id=target.pk,
                title=" ",
                owner=team.service_manager,
                due_on=MONDAY,
            )
        # a stranger may not record progress; the owner may, but not cancel
        with pytest.raises((PermissionDenied, Http404)):
            _in_a(
                cast,
                services.satisfaction_action_progress,
                actor=team.sales_consultant,
                action_id=item.pk,
                state="done",
                result="x",
            )
    for day in (MONDAY + 3 * DAY, MONDAY + 3 * DAY, MONDAY + 4 * DAY):
        with frozen(day, 9):
            run = run_job(cast.a, day, "crm.satisfaction_actions_overdue")
            assert run.state == "succeeded", run.error
            _in_a(cast, services.satisfaction_actions_remind, dealership=cast.a, day=day)
    with dealership_context(cast.a):
        told = Notification.objects.filter(kind=SATISFACTION_ACTION_OVERDUE)
        assert set(told.values_list("recipient_id", flat=True)) >= {
            team.service_manager.pk,
            admin.pk,
        }
        assert told.filter(recipient=team.service_manager).count() == 1
    with frozen(MONDAY + 5 * DAY, 10):
        with pytest.raises(ValidationError):
            _in_a(
                cast,
                services.satisfaction_action_progress,
                actor=team.service_manager,
                action_id=item.pk,
                state="done",
            )
        done = _in_a(
            cast,
            services.satisfaction_action_progress,
            actor=team.service_manager,
            action_id=item.pk,
            state="done",
            result="已完成培训 12 人",
        )
        assert done.state == "done" and done.done_at is not None
    with dealership_context(cast.b), pytest.raises((PermissionDenied, Http404)):
        services.satisfaction_action_progress(
            actor=cast.user_b, action_id=item.pk, state="done", result="x"
        )


def test_contact_rate_and_misses(cast, team, client_for):
    n_day = MONDAY - 10 * DAY
    reached = _surveyed(cast, team, n_day=n_day)
    with frozen(n_day, 11):
        missed = make_event(cast.a, kind="sales", occurred_on=n_day, staff=team.sales_consultant)
        busy = make_event(cast.a, kind="sales", occurred_on=n_day, staff=team.sales_consultant)
    with dealership_context(cast.a):
        busy_row = FollowUp.objects.get(event=busy)
    with frozen(n_day + 3 * DAY, 11):
        _in_a(
            cast,
            followup_services.followup_attempt_record,
            actor=busy_row.specialist,
            followup_id=busy_row.pk,
            outcome="busy",
        )
    today = MONDAY + 25 * DAY  # the windows ended last month... or this one
    month = (n_day + 5 * DAY).replace(day=1)
    with frozen(today, 10):
        people = _in_a(
            cast, selectors.contact_by_specialist, user=team.gm, month=month, today=today
        )
        assert sum(p["due"] for p in people) == 3
        assert sum(p["reached"] for p in people) == 1
        rows = list(_in_a(cast, lambda: list(selectors.contact_misses(team.gm, month, today))))
        reasons = {row.event_id: selectors.miss_reason(row) for row in rows}
        assert reasons == {missed.pk: "not_called", busy.pk: "not_reached"}
        assert reached.pk not in {row.pk for row in rows}
        # the page lists them with their reason; another dealership's GM sees none of them
        params = {"month": f"{month:%Y-%m}"}
        page = client_for(team.gm).get(reverse("crm:contact_misses"), params)
        assert page.status_code == 200
        assert 'data-reason="not_called"' in page.text and 'data-reason="not_reached"' in page.text
        theirs = client_for(cast.user_b).get(reverse("crm:contact_misses"), params)
        assert theirs.status_code == 200 and "data-reason=" not in theirs.text
        assert client_for(team.sales_consultant).get(reverse("crm:contact_rate")).status_code == 403


def test_pages_and_api(cast, team, admin, client_for, api_for):
    _surveyed(cast, team)
    with frozen(MONDAY, 10):
        web = client_for(admin)
        page = web.get(reverse("crm:satisfaction"), {"month": f"{MONTH:%Y-%m}"})
        assert page.status_code == 200 and 'data-testid="add-target"' in page.text
        assert web.get(reverse("crm:satisfaction"), {"month": "junk"}).status_code == 200
        bad = web.post(reverse("crm:satisfaction_target_add"), {"kind": "sales"})
        assert bad.status_code == 400
        ok = web.post(
            reverse("crm:satisfaction_target_add"),
            {"kind": "sales", "month": f"{MONTH:%Y-%m-%d}", "target_score": "9.2"},
        )
        assert ok.status_code == 302
        with dealership_context(cast.a):
            target = SatisfactionTarget.objects.get()
        assert web.get(target.get_absolute_url()).status_code == 200
        # a specialist reads but cannot plan; a consultant may not open it; B: 404
        specialist = client_for(team.sales_followup_specialist)
        seen = specialist.get(reverse("crm:satisfaction"))
        assert seen.status_code == 200 and 'data-testid="add-target"' not in seen.text
        assert specialist.get(reverse("crm:satisfaction_target_add")).status_code == 403
        assert client_for(team.sales_consultant).get(reverse("crm:satisfaction")).status_code == 403
        assert client_for(cast.user_b).get(target.get_absolute_url()).status_code == 404
        rate = client_for(team.gm).get(reverse("crm:contact_rate"))
        assert rate.status_code == 200 and 'data-testid="specialists"' in rate.text
        assert client_for(team.gm).get(reverse("crm:contact_misses")).status_code == 200

        api = api_for(admin)
        made = api.post(
            "/api/v1/crm/satisfaction-actions/",
            {
                "target": target.pk,
                "title": "展厅接待礼仪抽查",
                "owner": team.sales_manager.pk,
                "due_on": f"{MONDAY:%Y-%m-%d}",
            },
            format="json",
        )
        assert made.status_code == 201, made.content
        assert api.get(f"/api/v1/crm/satisfaction-targets/{target.pk}/").json()["actual"]
        assert api.post("/api/v1/crm/satisfaction-targets/", {}, format="json").status_code == 400
        board = client_for(team.sales_manager).get(reverse("dashboard"))
        assert 'data-testid="my-actions"' in board.text and "展厅接待礼仪抽查" in board.text
        assert 'data-testid="my-actions"' not in client_for(admin).get(reverse("dashboard")).text
        owner = api_for(team.sales_manager)
        moved = owner.post(
            f"/api/v1/crm/satisfaction-actions/{made.json()['id']}/progress/",
            {"state": "in_progress"},
            format="json",
        )
        assert moved.status_code == 200, moved.content
        assert (
            api_for(cast.user_b)
            .get(f"/api/v1/crm/satisfaction-actions/{made.json()['id']}/")
            .status_code
            == 404
        )
        with dealership_context(cast.a):
            assert SatisfactionAction.objects.get().state == "in_progress"


def test_demo_seed_is_idempotent(cast, team, admin):
    from crm import demo_targets

    with frozen(MONDAY - DAY, 11):
        event = make_event(cast.a, kind="sales", occurred_on=MONDAY - DAY, staff=team.consultant)
    with frozen(MONDAY, 8):
        demo_targets.seed([cast.a])
        demo_targets.seed([cast.a])
    with dealership_context(cast.a):
        assert SatisfactionTarget.objects.count() == 4
        assert SatisfactionAction.objects.count() == 5
        assert set(SatisfactionAction.objects.values_list("state", flat=True)) == {
            "done",
            "in_progress",
            "open",
        }
        from crm.models import DataCheck

        assert DataCheck.objects.filter(followup__event=event).exists()


def test_an_owner_without_the_follow_ups_sees_and_works_their_own_items(
    cast, team, admin, client_for, api_for
):
    """A service advisor reads no follow-up (no crm.view_followup), yet owns an item of the
    CSI plan: they see it (list, dashboard, menu, API) and record its progress — and nothing
    else of the plan."""
    advisor = team.service_advisor
    with frozen(MONDAY, 10):
        target = _in_a(
            cast,
            services.satisfaction_target_set,
            actor=admin,
            kind="service",
            month=MONTH,
            target_score=9,
        )
        theirs = _in_a(
            cast,
            services.satisfaction_action_create,
            actor=admin,
            target_id=target.pk,
            title="交车时讲解保养手册",
            owner=advisor,
            due_on=MONDAY + DAY,
        )
        other = _in_a(
            cast,
            services.satisfaction_action_create,
            actor=admin,
            target_id=target.pk,
            title="维修等待区整改",
            owner=team.service_manager,
            due_on=MONDAY + DAY,
        )
        web = client_for(advisor)
        listing = web.get(reverse("crm:satisfaction_action_list"))
        assert listing.status_code == 200
        assert "交车时讲解保养手册" in listing.text and "维修等待区整改" not in listing.text
        progress = reverse("crm:satisfaction_action_progress", kwargs={"pk": theirs.pk})
        # the item opens its progress form (not the target's page, which they may not open)
        assert progress in listing.text and target.get_absolute_url() not in listing.text
        assert f'href="{reverse("crm:satisfaction")}"' not in listing.text
        assert web.get(target.get_absolute_url()).status_code == 403
        board = web.get(reverse("dashboard"))
        assert 'data-testid="my-actions"' in board.text and progress in board.text
        assert reverse("crm:satisfaction_action_list") in board.text  # the menu entry too
        form = web.get(progress)
        assert form.status_code == 200
        # its "back" link and the page after saving are their own items, not the plan's page
        assert target.get_absolute_url() not in form.text
        moved = web.post(progress, {"state": "in_progress", "result": ""})
        assert moved.status_code == 302, moved.content
        assert moved["Location"] == reverse("crm:satisfaction_action_list")
        # not another's item, not the planner's forms
        other_progress = reverse("crm:satisfaction_action_progress", kwargs={"pk": other.pk})
        assert web.get(other_progress).status_code == 404
        edit = reverse("crm:satisfaction_action_edit", kwargs={"pk": theirs.pk})
        assert web.get(edit).status_code == 403
        api = api_for(advisor)
        rows = api.get("/api/v1/crm/satisfaction-actions/").json()["results"]
        assert [row["id"] for row in rows] == [theirs.pk]
        assert api.get(f"/api/v1/crm/satisfaction-actions/{other.pk}/").status_code == 404
        cancelled = api.post(
            f"/api/v1/crm/satisfaction-actions/{theirs.pk}/progress/",
            {"state": "cancelled"},
            format="json",
        )
        assert cancelled.status_code == 403
        done = api.post(
            f"/api/v1/crm/satisfaction-actions/{theirs.pk}/progress/",
            {"state": "done", "result": "已讲解 20 台"},
            format="json",
        )
        assert done.status_code == 200, done.content
        made = api.post(
            "/api/v1/crm/satisfaction-actions/",
            {"target": target.pk, "title": "x", "owner": advisor.pk, "due_on": "2030-01-01"},
            format="json",
        )
        assert made.status_code == 403
        # a colleague who owns nothing sees an empty list
        colleague = UserFactory(username="advisor2", name="advisor 2")
        hire(colleague, cast.a, "service_advisor")
        theirs_list = client_for(colleague).get(reverse("crm:satisfaction_action_list"))
        assert theirs_list.status_code == 200 and "交车时讲解保养手册" not in theirs_list.text
        colleague_board = client_for(colleague).get(reverse("dashboard"))
        assert "交车时讲解保养手册" not in colleague_board.text
        # dealership B: nothing of A's
        assert (
            api_for(cast.user_b).get(f"/api/v1/crm/satisfaction-actions/{theirs.pk}/").status_code
            == 404
        )
        assert client_for(cast.user_b).get(progress).status_code == 404
    with dealership_context(cast.a):
        assert SatisfactionAction.objects.get(pk=theirs.pk).state == "done"
