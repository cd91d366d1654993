"""Pages of crm: surveys (SSI / CSI) — the list and one survey as it was asked, the
face-to-face survey at the delivery ceremony, and the versioned questionnaires (list, one
version, new, change — a version with answers is kept and the change saved as the next
version —, put in use)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from crm.forms.surveys import (
    FaceToFaceForm,
    QuestionFormSet,
    QuestionnaireForm,
    SurveyFilterForm,
    question_initial,
)
from crm.models import (
    EventKind,
    FollowUp,
    Questionnaire,
    SurveyChannel,
    SurveyResponse,
)
from crm.selectors import surveys as selectors
from crm.services import surveys as services
from crm.tables.surveys import QuestionnaireTable, SurveyTable
from dealership import registry
from dealership.access import (
    can,
    check_model_permission,
    get_object_for_user,
    permitted_ids,
)
from dealership.views import (
    ScopedDetailView,
    ScopedListView,
    TenantRequiredMixin,
    apply_errors,
)


def complaint_links(complaints):
    from crm.views.calls import complaint_links as links

    return links(complaints)


def _may_change(user, obj) -> bool:
    return bool(permitted_ids(user, type(obj), "change", [obj.pk]))


# --- surveys -------------------------------------------------------------------------------------


class SurveyListView(ScopedListView):
    model = SurveyResponse
    table_class = SurveyTable
    template_name = "crm/surveys/survey_list.html"

    def get_queryset(self):
        self.filter_form = SurveyFilterForm(self.request.GET or None)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.surveys_for_user(
            self.request.user,
            kind=data.get("kind", ""),
            channel=data.get("channel", ""),
            month=data.get("month"),
            score_below=data.get("score_below"),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["may_view_questionnaires"] = can(self.request.user, Questionnaire, "view")
        return context


class SurveyDetailView(ScopedDetailView):
    model = SurveyResponse
    template_name = "crm/surveys/survey_detail.html"

    def base_queryset(self):
        return selectors.survey_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, survey = self.request.user, self.object
        context["answers"] = list(survey.answers.all())
        context["complaints"] = complaint_links(
            selectors.followup_complaints(user, survey.followup)
        )
        context["followup_ids"] = permitted_ids(user, FollowUp, "view", [survey.followup_id])
        context["questionnaire_ids"] = permitted_ids(
            user, Questionnaire, "view", [survey.questionnaire_id]
        )
        return context


class FaceToFaceView(TenantRequiredMixin, View):
    """The survey taken at the delivery ceremony (sales follow-ups), any day from the delivery,
    by whoever may work the follow-up."""

    model = FollowUp
    template_name = "crm/surveys/face_to_face.html"

    def get_object(self):
        return get_object_for_user(
            self.request.user,
            FollowUp,
            "change",
            selectors.followup_call_queryset(),
            pk=self.kwargs["pk"],
        )

    def _blocked(self, followup) -> str:
        """Why no survey can be taken here (empty: it can)."""
        if followup.kind != EventKind.SALES:
            return _("Face-to-face surveys are taken at the delivery ceremony (sales only).")
        if timezone.localdate() < followup.event_date:
            return _("A face-to-face survey is taken from the delivery day (%(day)s).") % {
                "day": f"{followup.event_date:%Y-%m-%d}"
            }
        if SurveyResponse.objects.filter(
            followup=followup, channel=SurveyChannel.FACE_TO_FACE
        ).exists():
            return _("This delivery already has its face-to-face survey.")
        return ""

    def render_page(self, followup, form, status=200):
        user = self.request.user
        existing = (
            selectors.surveys_for_user(user, followup=followup).filter(
                channel=SurveyChannel.FACE_TO_FACE
            )
            if can(user, SurveyResponse, "view")
            else SurveyResponse.objects.none()
        )
        return render(
            self.request,
            self.template_name,
            {
                "followup": followup,
                "form": form,
                "blocked": self._blocked(followup),
                "questionnaire": getattr(form, "questionnaire", None),
                "existing": existing.first(),
                "followup_ids": permitted_ids(user, FollowUp, "view", [followup.pk]),
            },
            status=status,
        )

    def get(self, request, pk):
        followup = self.get_object()
        questionnaire = services.active_questionnaire(followup.kind, followup.dealership_id)
        return self.render_page(followup, FaceToFaceForm(questionnaire=questionnaire))

    def post(self, request, pk):
        followup = self.get_object()
        questionnaire = services.active_questionnaire(followup.kind, followup.dealership_id)
        form = FaceToFaceForm(request.POST, questionnaire=questionnaire)
        if form.is_valid():
            try:
                survey = services.survey_record(
                    actor=request.user,
                    followup_id=followup.pk,
                    answers=form.answers(),
                    channel=SurveyChannel.FACE_TO_FACE,
                    comment=form.cleaned_data.get("comment", ""),
                    complaint=form.cleaned_data.get("complaint", ""),
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Face-to-face survey saved."))
                if permitted_ids(request.user, SurveyResponse, "view", [survey.pk]):
                    return redirect(survey.get_absolute_url())
                return redirect(followup.get_absolute_url())
        return self.render_page(followup, form, status=400)


# --- questionnaires ------------------------------------------------------------------------------


class QuestionnaireListView(ScopedListView):
    model = Questionnaire
    table_class = QuestionnaireTable
    template_name = "crm/surveys/questionnaire_list.html"

    def get_queryset(self):
        kind = self.request.GET.get("kind", "")
        return selectors.questionnaires_for_user(
            self.request.user, kind=kind if kind in EventKind.values else ""
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_add"] = can(self.request.user, Questionnaire, "add")
        context["kinds"] = EventKind.choices
        context["kind"] = self.request.GET.get("kind", "")
        return context


class QuestionnaireDetailView(ScopedDetailView):
    model = Questionnaire
    template_name = "crm/surveys/questionnaire_detail.html"

    def base_queryset(self):
        return selectors.questionnaire_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, questionnaire = self.request.user, self.object
        may_change = _may_change(user, questionnaire)
        context["questions"] = list(questionnaire.questions.all())
        context["response_count"] = questionnaire.responses.count()
        context["may_change"] = may_change
        context["may_activate"] = may_change and not questionnaire.is_active
        return context


class QuestionnaireFormView(TenantRequiredMixin, View):
    """A new questionnaire, or a change of one (questions in an inline formset: add a line,
    tick "delete" to remove one, change the order numbers to reorder)."""

    model = Questionnaire
    template_name = "crm/surveys/questionnaire_form.html"

    def get_object(self):
        if "pk" not in self.kwargs:
            check_model_permission(self.request.user, Questionnaire, "add")
            return None
        return get_object_for_user(
            self.request.user,
            Questionnaire,
            "change",
            selectors.questionnaire_detail_queryset(),
            pk=self.kwargs["pk"],
        )

    def forms(self, obj, data=None):
        if obj is None:
            kind = self.request.GET.get("kind", "")
            form = QuestionnaireForm(
                data, initial={"kind": kind if kind in EventKind.values else EventKind.SALES}
            )
            formset = QuestionFormSet(data, prefix="questions")
        else:
            form = QuestionnaireForm(
                data,
                creating=False,
                initial={
                    "title": obj.title,
                    "script": obj.script,
                    "complaint_below": obj.complaint_below,
                },
            )
            formset = QuestionFormSet(data, prefix="questions", initial=question_initial(obj))
        return form, formset

    def render_page(self, obj, form, formset, status=200):
        if obj is None:
            title = _("New questionnaire")
            cancel = reverse("crm:questionnaire_list")
        else:
            title = _("Change questionnaire: %(q)s") % {"q": obj}
            cancel = obj.get_absolute_url()
        return render(
            self.request,
            self.template_name,
            {
                "object": obj,
                "form": form,
                "formset": formset,
                "title": title,
                "cancel_url": cancel,
                "has_answers": obj is not None and obj.responses.exists(),
            },
            status=status,
        )

    def get(self, request, pk=None):
        obj = self.get_object()
        return self.render_page(obj, *self.forms(obj))

    def post(self, request, pk=None):
        obj = self.get_object()
        form, formset = self.forms(obj, request.POST)
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                if obj is None:
                    result = services.questionnaire_create(
                        actor=request.user,
                        kind=data["kind"],
                        title=data["title"],
                        script=data.get("script", ""),
                        complaint_below=data["complaint_below"],
                        questions=formset.rows(),
                    )
                else:
                    result = services.questionnaire_update(
                        actor=request.user,
                        questionnaire_id=obj.pk,
                        title=data["title"],
                        script=data.get("script", ""),
                        complaint_below=data["complaint_below"],
                        questions=formset.rows(),
                    )
            except ValidationError as error:
                if hasattr(error, "error_dict") and "questions" in error.error_dict:
                    for message in error.error_dict.pop("questions"):
                        form.add_error(None, message)
                apply_errors(form, error)
            else:
                if obj is not None and result.pk != obj.pk:
                    messages.success(
                        request,
                        _(
                            "Saved as version %(version)s: version %(old)s already has answers "
                            "and stays as it was."
                        )
                        % {"version": result.version, "old": obj.version},
                    )
                else:
                    messages.success(request, _("Saved."))
                return redirect(result.get_absolute_url())
        return self.render_page(obj, form, formset, status=400)


class QuestionnaireActivateView(TenantRequiredMixin, View):
    """POST: put the questionnaire in use for its kind."""

    model = Questionnaire

    def post(self, request, pk):
        questionnaire = get_object_for_user(request.user, Questionnaire, "change", pk=pk)
        try:
            services.questionnaire_activate(actor=request.user, questionnaire_id=questionnaire.pk)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(q)s is now in use; surveys already taken keep their version.")
                % {"q": questionnaire},
            )
        return redirect(questionnaire.get_absolute_url())


# --- navigation ----------------------------------------------------------------------------------


def register_nav() -> None:
    """Navigation entries of the area, each shown only to who may open it."""

    def may_view_surveys(request) -> bool:
        if getattr(request, "tenant_scope", None) is None:
            return False
        return can(request.user, SurveyResponse, "view")

    registry.register_nav(
        registry.NavItem(
            "crm_surveys",
            gettext_lazy("Satisfaction surveys"),
            "crm:survey_list",
            order=64,
            visible=may_view_surveys,
        )
    )


def register_widgets() -> None:
    """Dashboard panels of the area."""


urlpatterns: list = [
    path("surveys/", SurveyListView.as_view(), name="survey_list"),
    path("surveys/<int:pk>/", SurveyDetailView.as_view(), name="survey_detail"),
    path(
        "follow-ups/<int:pk>/face-to-face/",
        FaceToFaceView.as_view(),
        name="survey_face_to_face",
    ),
    path("questionnaires/", QuestionnaireListView.as_view(), name="questionnaire_list"),
    path("questionnaires/new/", QuestionnaireFormView.as_view(), name="questionnaire_create"),
    path(
        "questionnaires/<int:pk>/", QuestionnaireDetailView.as_view(), name="questionnaire_detail"
    ),
    path(
        "questionnaires/<int:pk>/edit/",
        QuestionnaireFormView.as_view(),
        name="questionnaire_edit",
    ),
    path(
        "questionnaires/<int:pk>/activate/",
        QuestionnaireActivateView.as_view(),
        name="questionnaire_activate",
    ),
]
