"""Satisfaction surveys: SSI after a delivery, CSI after a service visit.

A :class:`Questionnaire` is versioned per dealership and kind: once a version has answers its
questions are frozen (services refuse to change them), and editing makes the next version, so
past answers always keep the questions they answered. Each :class:`SurveyResponse` belongs to
a follow-up and was taken on the call or face to face (at the delivery ceremony); its
:class:`SurveyAnswer` rows also keep the question's text as it was asked."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models.customers import EventKind
from crm.models.followups import FollowUp
from dealership.models import TenantModel
from dealership.tenancy.constraints import tenant_keys


class Questionnaire(TenantModel):
    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=EventKind,
        help_text=_("Sales (SSI, after a delivery) or service (CSI, after a service visit)."),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    title = models.CharField(pgettext_lazy("questionnaire", "title"), max_length=200)
    script = models.TextField(
        _("call script"),
        blank=True,
        help_text=_("What the specialist says: greeting, identity check, closing."),
    )
    complaint_below = models.PositiveSmallIntegerField(
        _("open a complaint below score"),
        default=7,
        validators=[MaxValueValidator(10)],
        help_text=_("A score question answered below this opens a complaint."),
    )
    is_active = models.BooleanField(_("in use"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "-version"]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        constraints = [
            *tenant_keys(),
            models.UniqueConstraint(
                fields=["dealership", "kind", "version"], name="crm_questionnaire_version"
            ),
            models.UniqueConstraint(
                fields=["dealership", "kind"],
                condition=Q(is_active=True),
                name="crm_questionnaire_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("crm:questionnaire_detail", kwargs={"pk": self.pk})


class QuestionKind(models.TextChoices):
    SCORE = "score", _("Score 0–10")
    YES_NO = "yes_no", _("Yes / no")
    CHOICE = "choice", _("Choice")
    TEXT = "text", _("Text")


class Question(TenantModel):
    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("questionnaire"),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=1)
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            *tenant_keys("questionnaire"),
            models.UniqueConstraint(
                fields=["dealership", "questionnaire", "position"], name="crm_question_position"
            ),
        ]

    def __str__(self) -> str:
        return self.text

    def get_absolute_url(self) -> str:
        return reverse("crm:questionnaire_detail", kwargs={"pk": self.questionnaire_id})


class SurveyChannel(models.TextChoices):
    CALL = "call", _("Follow-up call")
    FACE_TO_FACE = "face_to_face", _("Face to face (delivery ceremony)")


class SurveyResponse(TenantModel):
    followup = models.ForeignKey(
        FollowUp, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("follow-up")
    )
    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.PROTECT,
        related_name="responses",
        verbose_name=_("questionnaire"),
    )
    channel = models.CharField(
        _("taken"), max_length=15, choices=SurveyChannel, default=SurveyChannel.CALL
    )
    taken_at = models.DateTimeField(_("taken at"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("taken by"),
    )
    # the mean of the score questions answered, 0–10 (None: no score question answered)
    score = models.DecimalField(
        _("score"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(10))],
    )
    comment = models.TextField(_("customer's comment"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-taken_at", "-pk"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [
            *tenant_keys("followup", "questionnaire"),
            models.UniqueConstraint(
                fields=["dealership", "followup", "channel"], name="crm_survey_once_per_channel"
            ),
        ]
        indexes = [models.Index(fields=["dealership", "taken_at"], name="crm_survey_taken_idx")]

    def __str__(self) -> str:
        return f"{self.questionnaire} · {self.taken_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("crm:survey_detail", kwargs={"pk": self.pk})


class SurveyAnswer(TenantModel):
    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="answers", verbose_name=_("survey")
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="answers", verbose_name=_("question")
    )
    question_text = models.CharField(_("question as asked"), max_length=300)
    score = models.PositiveSmallIntegerField(
        _("score"), null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    yes = models.BooleanField(_("yes"), null=True, blank=True)
    text = models.TextField(_("answer"), blank=True)

    class Meta:
        ordering = ["question__position", "pk"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            *tenant_keys("response", "question"),
            models.UniqueConstraint(
                fields=["dealership", "response", "question"], name="crm_answer_once"
            ),
        ]

    def __str__(self) -> str:
        return self.question_text

    def get_absolute_url(self) -> str:
        return reverse("crm:survey_detail", kwargs={"pk": self.response_id})
