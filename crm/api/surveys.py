"""REST API of crm: surveys and questionnaires.

* ``surveys/`` — the surveys the user may see, each with its answers as asked (filters
  ``?kind=sales|service``, ``?channel=call|face_to_face``, ``?month=YYYY-MM``,
  ``?score_below=7``, ``?followup=<id>``); ``POST`` records a survey for a follow-up through
  :func:`crm.services.surveys.survey_record` (the same checks as the pages; a low score or a
  complaint opens a complaint). Errors on an answer are reported under ``q_<question id>``.
* ``questionnaires/`` — read by whoever reads follow-ups, with their questions; holders of
  ``crm.change_survey`` create one (``POST``), change one (``PUT``/``PATCH``: a version with
  answers is kept and the change is answered as the next version) and put one in use
  (``POST questionnaires/{id}/activate/``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action

from crm.models import (
    EventKind,
    Question,
    QuestionKind,
    Questionnaire,
    SurveyAnswer,
    SurveyChannel,
    SurveyResponse,
)
from crm.selectors import surveys as selectors
from crm.services import surveys as services
from crm.services.surveys import MAX_CHOICES, MAX_QUESTIONS, TEXT_ANSWER_MAX
from dealership.api.pagination import CountedPagination
from dealership.api.services import as_drf_errors, valid
from dealership.api.viewsets import TenantModelViewSet

# --- reading -------------------------------------------------------------------------------------


class SurveyAnswerSerializer(serializers.ModelSerializer):
    question_kind = serializers.CharField(source="question.kind", read_only=True)

    class Meta:
        model = SurveyAnswer
        fields = ["id", "question", "question_text", "question_kind", "score", "yes", "text"]
        read_only_fields = fields


class SurveyResponseSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="followup.kind", read_only=True)
    customer = serializers.IntegerField(source="followup.customer_id", read_only=True)
    customer_name = serializers.CharField(source="followup.customer.name", read_only=True)
    questionnaire_version = serializers.IntegerField(source="questionnaire.version", read_only=True)
    taken_by_name = serializers.SerializerMethodField()
    answers = SurveyAnswerSerializer(many=True, read_only=True)

    class Meta:
        model = SurveyResponse
        fields = [
            "id",
            "followup",
            "kind",
            "customer",
            "customer_name",
            "questionnaire",
            "questionnaire_version",
            "channel",
            "taken_at",
            "taken_by",
            "taken_by_name",
            "score",
            "comment",
            "answers",
            "created_at",
        ]
        read_only_fields = fields

    def get_taken_by_name(self, obj) -> str:
        return obj.taken_by.name or obj.taken_by.username


class QuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Question
        fields = ["id", "position", "text", "kind", "choices", "required"]
        read_only_fields = fields


class QuestionnaireSerializer(serializers.ModelSerializer):
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Questionnaire
        fields = [
            "id",
            "kind",
            "version",
            "title",
            "script",
            "complaint_below",
            "is_active",
            "created_by",
            "created_at",
            "questions",
        ]
        read_only_fields = fields


# --- writing (plain serializers; the services validate) -----------------------------------------


class SurveyAnswerWriteSerializer(serializers.Serializer):
    question = serializers.IntegerField(min_value=1)
    value = serializers.JSONField(
        help_text="A whole score 0–10, true/false (yes/no), one of the options, or text."
    )


class SurveyWriteSerializer(serializers.Serializer):
    followup = serializers.IntegerField(min_value=1)
    channel = serializers.ChoiceField(choices=SurveyChannel.choices, default=SurveyChannel.CALL)
    answers = SurveyAnswerWriteSerializer(many=True, max_length=MAX_QUESTIONS)
    comment = serializers.CharField(max_length=TEXT_ANSWER_MAX, required=False, allow_blank=True)
    complaint = serializers.CharField(max_length=TEXT_ANSWER_MAX, required=False, allow_blank=True)
    taken_at = serializers.DateTimeField(required=False)


class QuestionWriteSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=0, max_value=999, required=False)
    text = serializers.CharField(max_length=300)
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    choices = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=MAX_CHOICES
    )
    required = serializers.BooleanField(default=True)


class QuestionnaireWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EventKind.choices)
    title = serializers.CharField(max_length=200)
    script = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    complaint_below = serializers.IntegerField(min_value=0, max_value=10, required=False)
    questions = QuestionWriteSerializer(many=True, max_length=MAX_QUESTIONS)


class QuestionnaireUpdateSerializer(QuestionnaireWriteSerializer):
    kind = None
    title = serializers.CharField(max_length=200, required=False)
    questions = QuestionWriteSerializer(many=True, max_length=MAX_QUESTIONS, required=False)


# --- viewsets ------------------------------------------------------------------------------------


def _month(value: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(value[:7], "%Y-%m").date() if value else None
    except ValueError:
        return None


def _decimal(value: str) -> Decimal | None:
    try:
        number = Decimal(value[:10]) if value else None
    except InvalidOperation:
        return None
    return number if number is not None and number.is_finite() else None


def _int(value):
    return int(value) if value and str(value).isdigit() and len(str(value)) < 18 else None


class SurveyViewSet(TenantModelViewSet):
    """Surveys with their answers; ``POST`` records one for a follow-up."""

    model = SurveyResponse
    serializer_class = SurveyResponseSerializer
    http_method_names = ["get", "post", "head", "options"]

    def base_queryset(self):
        return selectors.surveys_api_queryset().order_by("-taken_at", "-pk")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SurveyResponse._base_manager.none()
        if self.action != "list":
            return super().get_queryset()
        params = self.request.query_params
        kind = params.get("kind", "")
        channel = params.get("channel", "")
        return selectors.with_answers(
            selectors.surveys_for_user(
                self.request.user,
                kind=kind if kind in EventKind.values else "",
                channel=channel if channel in SurveyChannel.values else "",
                month=_month(params.get("month", "")),
                score_below=_decimal(params.get("score_below", "")),
                followup=_int(params.get("followup")),
            )
        )

    @extend_schema(request=SurveyWriteSerializer, responses={201: SurveyResponseSerializer})
    def create(self, request, *args, **kwargs):
        data = valid(SurveyWriteSerializer, request)
        answers = {row["question"]: row["value"] for row in data.pop("answers")}
        with as_drf_errors():
            survey = services.survey_record(
                actor=request.user,
                followup_id=data["followup"],
                answers=answers,
                channel=data["channel"],
                comment=data.get("comment", ""),
                complaint=data.get("complaint", ""),
                at=data.get("taken_at"),
            )
        return self.answer(survey, status.HTTP_201_CREATED)


class QuestionnaireViewSet(TenantModelViewSet):
    """Questionnaires (SSI / CSI, versioned) with their questions; ``?kind=`` filters."""

    pagination_class = CountedPagination  # a short list: numbered pages, a count

    model = Questionnaire
    serializer_class = QuestionnaireSerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def base_queryset(self):
        return selectors.questionnaire_detail_queryset().order_by("kind", "-version")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Questionnaire._base_manager.none()
        rows = super().get_queryset()
        kind = self.request.query_params.get("kind", "")
        if self.action == "list" and kind in EventKind.values:
            rows = rows.filter(kind=kind)
        return rows

    def policy_action(self) -> str:
        if self.action == "activate":
            return "change"
        return super().policy_action()

    @extend_schema(request=QuestionnaireWriteSerializer, responses={201: QuestionnaireSerializer})
    def create(self, request, *args, **kwargs):
        data = valid(QuestionnaireWriteSerializer, request)
        with as_drf_errors():
            questionnaire = services.questionnaire_create(actor=request.user, **data)
        return self.answer(questionnaire, status.HTTP_201_CREATED)

    @extend_schema(request=QuestionnaireUpdateSerializer, responses=QuestionnaireSerializer)
    def update(self, request, *args, **kwargs):
        questionnaire = self.get_object()
        data = valid(QuestionnaireUpdateSerializer, request, partial=kwargs.get("partial", False))
        with as_drf_errors():
            questionnaire = services.questionnaire_update(
                actor=request.user, questionnaire_id=questionnaire.pk, **data
            )
        return self.answer(questionnaire, status.HTTP_200_OK)

    @extend_schema(request=QuestionnaireUpdateSerializer, responses=QuestionnaireSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(request=None, responses=QuestionnaireSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        questionnaire = self.get_object()
        with as_drf_errors():
            questionnaire = services.questionnaire_activate(
                actor=request.user, questionnaire_id=questionnaire.pk
            )
        return self.answer(questionnaire, status.HTTP_200_OK)


def register(router) -> None:
    """Register the area's viewsets on the crm router."""
    router.register("surveys", SurveyViewSet, basename="survey")
    router.register("questionnaires", QuestionnaireViewSet, basename="questionnaire")
