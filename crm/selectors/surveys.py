"""Reads of the surveys and questionnaires, through ``restricted_queryset`` (the access
chokepoint), each list in a constant number of queries; and what the call screen shows of a
follow-up (its attempts, surveys and complaints)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from crm.models import (
    CallAttempt,
    Complaint,
    FollowUp,
    Question,
    Questionnaire,
    SurveyAnswer,
    SurveyResponse,
)
from dealership.access import can, restricted_queryset
from dealership.expressions import related_count


def questionnaires_for_user(user, *, kind: str = "") -> QuerySet[Questionnaire]:
    rows = restricted_queryset(
        user,
        Questionnaire,
        "view",
        Questionnaire.objects.select_related("created_by").annotate(
            # each counted on its own, for the page's rows only: both joined into one GROUP BY
            # multiplied questions by surveys (0.25 s for HQ on the bench data)
            question_count=related_count(Question, "questionnaire"),
            response_count=related_count(SurveyResponse, "questionnaire"),
        ),
    ).order_by("kind", "-version")
    if kind:
        rows = rows.filter(kind=kind)
    return rows


def questionnaire_detail_queryset() -> QuerySet[Questionnaire]:
    return Questionnaire.objects.select_related("created_by").prefetch_related(
        Prefetch("questions", queryset=Question.objects.order_by("position", "pk"))
    )


def _month_range(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = month.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end, dt.time.min, tzinfo=tz),
    )


def surveys_for_user(
    user,
    *,
    kind: str = "",
    channel: str = "",
    month: dt.date | None = None,
    score_below: Decimal | None = None,
    followup=None,
) -> QuerySet[SurveyResponse]:
    """The surveys ``user`` may see, newest first; ``month`` (any day of it) by the local day
    they were taken, ``score_below`` those with a score under it."""
    rows = restricted_queryset(
        user,
        SurveyResponse,
        "view",
        SurveyResponse.objects.select_related(
            "followup__customer", "followup__vehicle", "questionnaire", "taken_by"
        ),
    ).order_by("-taken_at", "-pk")
    if kind:
        rows = rows.filter(followup__kind=kind)
    if channel:
        rows = rows.filter(channel=channel)
    if month:
        start, end = _month_range(month)
        rows = rows.filter(taken_at__gte=start, taken_at__lt=end)
    if score_below is not None:
        rows = rows.filter(score__lt=score_below)
    if followup is not None:
        rows = rows.filter(followup_id=getattr(followup, "pk", followup))
    return rows


def survey_detail_queryset() -> QuerySet[SurveyResponse]:
    return SurveyResponse.objects.select_related(
        "followup__customer",
        "followup__vehicle",
        "followup__event",
        "questionnaire",
        "taken_by",
    ).prefetch_related(
        Prefetch(
            "answers",
            queryset=SurveyAnswer.objects.select_related("question").order_by(
                "question__position", "pk"
            ),
        )
    )


def with_answers(rows: QuerySet[SurveyResponse]) -> QuerySet[SurveyResponse]:
    """``rows`` with their answers (and each answer's question) in one more query."""
    return rows.prefetch_related(
        Prefetch(
            "answers",
            queryset=SurveyAnswer.objects.select_related("question").order_by(
                "question__position", "pk"
            ),
        )
    )


def surveys_api_queryset() -> QuerySet[SurveyResponse]:
    return with_answers(
        SurveyResponse.objects.select_related("followup__customer", "questionnaire", "taken_by")
    )


def followup_call_queryset() -> QuerySet[FollowUp]:
    return FollowUp.objects.select_related(
        "customer", "vehicle", "event", "event__staff", "specialist", "completed_by"
    )


def followup_attempts(followup) -> list[CallAttempt]:
    """The follow-up's attempts, newest first (whoever sees the follow-up sees them)."""
    return list(
        CallAttempt.objects.filter(followup=followup)
        .select_related("specialist")
        .order_by("-at", "-pk")
    )


def followup_surveys(user, followup) -> list[SurveyResponse]:
    if not can(user, SurveyResponse, "view"):
        return []
    return list(
        restricted_queryset(
            user,
            SurveyResponse,
            "view",
            SurveyResponse.objects.filter(followup=followup).select_related(
                "questionnaire", "taken_by"
            ),
        ).order_by("taken_at", "pk")
    )


def followup_complaints(user, followup) -> list[Complaint]:
    """The complaints raised on the follow-up that ``user`` may open."""
    if not can(user, Complaint, "view"):
        return []
    return list(
        restricted_queryset(
            user, Complaint, "view", Complaint.objects.filter(followup=followup)
        ).order_by("received_at", "pk")
    )
