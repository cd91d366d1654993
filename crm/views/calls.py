"""Pages of crm: the call screen of a follow-up (``crm:followup_call``, what
``FollowUp.get_absolute_url()`` opens). One screen: the owner's details to verify and correct
(the phone shown through :func:`crm.services.privacy.phones_shown`, which logs a full number),
what happened on day N, the dealership's call script, the survey, the outcome with a note and
the customer's complaint, and the previous attempts. It is posted once to
``crm:followup_call_record`` (:func:`crm.services.calls.followup_call_record`, one
transaction). Before the window opens the screen is read-only; a closed follow-up shows its
result; someone who may see but not work the follow-up reads it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from crm.forms.calls import CallForm
from crm.models import (
    AttemptOutcome,
    EventKind,
    FollowUp,
    FollowUpSettings,
    FollowUpStatus,
    SurveyChannel,
)
from crm.selectors import surveys as selectors
from crm.services.calls import followup_call_record, may_correct_customer
from crm.services.followups import REACHED
from crm.services.privacy import phones_shown
from crm.services.surveys import active_questionnaire
from dealership.access import get_object_for_user, permitted_ids
from dealership.views import ScopedDetailView, TenantRequiredMixin, apply_errors

PHONE_CONTEXT = "crm:followup_call"


def today_list_url() -> str:
    """Today's call list (another area's page), else the dashboard."""
    try:
        return reverse("crm:followup_today")
    except NoReverseMatch:
        return reverse("dashboard")


def _mode(followup: FollowUp, may_change: bool) -> str:
    if followup.status == FollowUpStatus.NOT_CALLED:
        return "not_called"
    if not followup.is_open:
        return "closed"
    if timezone.localdate() < followup.window_start:
        return "not_due"
    return "work" if may_change else "read_only"


def _unreachable_after(followup: FollowUp) -> int:
    """The dealership's rule, read only (HQ reads the screen in a read-only scope)."""
    rules = FollowUpSettings.objects.filter(dealership_id=followup.dealership_id).first()
    if rules is None:
        return FollowUpSettings._meta.get_field("unreachable_attempts").default
    return rules.unreachable_attempts


def complaint_links(complaints) -> list[tuple[object, str | None]]:
    """(complaint, its page or None while the complaints pages are not there)."""
    links = []
    for complaint in complaints:
        try:
            links.append((complaint, complaint.get_absolute_url()))
        except NoReverseMatch:
            links.append((complaint, None))
    return links


def call_screen(request, followup: FollowUp, form: CallForm | None = None, status: int = 200):
    """Render the call screen of ``followup`` (with ``form`` as posted, after an error)."""
    user = request.user
    may_change = bool(permitted_ids(user, FollowUp, "change", [followup.pk]))
    mode = _mode(followup, may_change)
    editable = mode == "work"
    customer = followup.customer
    shown = phones_shown(
        user=user, customers=[customer], context=PHONE_CONTEXT, fields=("mobile", "mobile_alt")
    )[customer.pk]
    questionnaire = active_questionnaire(followup.kind, followup.dealership_id)
    if form is None:
        form = CallForm(
            customer=customer,
            questionnaire=questionnaire,
            phones=shown,
            editable=editable,
            may_correct=editable and may_correct_customer(user, followup),
        )
    surveys = selectors.followup_surveys(user, followup)
    may_face_to_face = (
        may_change
        and followup.kind == EventKind.SALES
        and timezone.localdate() >= followup.event_date
        and not any(s.channel == SurveyChannel.FACE_TO_FACE for s in surveys)
    )
    attempts = selectors.followup_attempts(followup)
    context = {
        "followup": followup,
        "customer": customer,
        "event": followup.event,
        "mode": mode,
        "editable": editable,
        "form": form,
        "questionnaire": getattr(form, "questionnaire", questionnaire),
        "phones": shown,
        "attempts": attempts,
        "failed_attempts": followup.failed_attempts,
        "unreachable_after": _unreachable_after(followup),
        "surveys": surveys,
        "survey_ids": {s.pk for s in surveys},
        "complaints": complaint_links(selectors.followup_complaints(user, followup)),
        "may_face_to_face": may_face_to_face,
        "customer_ids": permitted_ids(user, type(customer), "view", [customer.pk]),
        "today_url": today_list_url(),
        "today": timezone.localdate(),
    }
    return render(request, "crm/calls/call.html", context, status=status)


class FollowUpCallDetailView(ScopedDetailView):
    """GET: the call screen (read through the chokepoint for "view"; the form only for who
    may work the follow-up)."""

    model = FollowUp

    def base_queryset(self):
        return selectors.followup_call_queryset()

    def get(self, request, *args, **kwargs):
        return call_screen(request, self.get_object())


class FollowUpCallRecordView(TenantRequiredMixin, View):
    """POST: the call as filled in on the screen (404 outside the user's follow-ups, 403 for
    one they may only read). Errors show the screen again (400), nothing saved."""

    model = FollowUp

    def post(self, request, pk):
        followup = get_object_for_user(
            request.user, FollowUp, "change", selectors.followup_call_queryset(), pk=pk
        )
        if _mode(followup, may_change=True) != "work":
            messages.error(request, _("This follow-up cannot be called now."))
            return call_screen(request, followup, status=400)
        questionnaire = active_questionnaire(followup.kind, followup.dealership_id)
        shown = {
            "mobile": followup.customer.mobile or "",
            "mobile_alt": followup.customer.mobile_alt or "",
        }
        form = CallForm(
            request.POST,
            customer=followup.customer,
            questionnaire=questionnaire,
            phones=_posted_phones(request.user, followup, shown),
            editable=True,
            may_correct=may_correct_customer(request.user, followup),
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = followup_call_record(
                    actor=request.user,
                    followup_id=followup.pk,
                    outcome=data["outcome"],
                    note=data.get("note", ""),
                    customer_changes=form.customer_changes(),
                    answers=form.answers(),
                    comment=data.get("comment", ""),
                    complaint=data.get("complaint", ""),
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return self.done(result)
        fresh = get_object_for_user(
            request.user, FollowUp, "view", selectors.followup_call_queryset(), pk=pk
        )
        return call_screen(request, fresh, form=form, status=400)

    def done(self, result):
        request, followup = self.request, result.followup
        outcome = AttemptOutcome(result.attempt.outcome)
        if outcome in REACHED:
            text = _("Call with %(customer)s recorded: %(outcome)s.") % {
                "customer": followup.customer.name,
                "outcome": outcome.label,
            }
            if result.survey is not None and result.survey.score is not None:
                text += " " + _("Score %(score)s.") % {"score": result.survey.score}
            messages.success(request, text)
            return redirect(today_list_url())
        text = _("Attempt %(n)s recorded: %(outcome)s.") % {
            "n": followup.attempts.count(),
            "outcome": outcome.label,
        }
        if followup.status == FollowUpStatus.UNREACHABLE:
            text += " " + _("The customer is now unreachable.")
            messages.warning(request, text)
        else:
            messages.success(request, text)
        return redirect(followup.get_absolute_url())


def _posted_phones(user, followup, full: dict) -> dict:
    """The numbers as the user saw them on the screen (masked ones are not editable), decided
    without logging a display (the POST shows nothing; an error page logs when it shows)."""
    from crm.services.privacy import allowed_ids
    from dealership.audit import mask

    if followup.customer_id in allowed_ids(user, [followup.customer]):
        return full
    return {name: mask(value) if value else "" for name, value in full.items()}


urlpatterns: list = [
    path("follow-ups/<int:pk>/", FollowUpCallDetailView.as_view(), name="followup_call"),
    path(
        "follow-ups/<int:pk>/record/",
        FollowUpCallRecordView.as_view(),
        name="followup_call_record",
    ),
]


def register_nav() -> None:
    """Navigation entries of the area, each shown only to who may open it."""


def register_widgets() -> None:
    """Dashboard panels of the area."""
