"""Tables of the surveys and questionnaires (no phone numbers shown)."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from crm.models import Questionnaire, SurveyResponse
from dealership.columns import DateTimeColumn

ATTRS = "table table-sm table-hover align-middle"


def _person(user) -> str:
    return (user.name or user.username) if user is not None else "—"


class SurveyTable(tables.Table):
    taken_at = DateTimeColumn(
        verbose_name=_("taken at"),
        format="Y-m-d H:i",
        linkify=lambda record: record.get_absolute_url(),
    )
    customer = tables.Column(verbose_name=_("customer"), accessor="followup__customer__name")
    vehicle = tables.Column(verbose_name=_("vehicle"), accessor="followup__vehicle", default="—")
    kind = tables.Column(verbose_name=_("kind"), accessor="followup__kind")
    channel = tables.Column(verbose_name=_("taken"))
    questionnaire = tables.Column(verbose_name=_("questionnaire"))
    score = tables.Column(
        verbose_name=_("score"), default="—", attrs={"td": {"data-testid": "score"}}
    )
    taken_by = tables.Column(verbose_name=_("taken by"))

    class Meta:
        model = SurveyResponse
        fields = (
            "taken_at",
            "customer",
            "vehicle",
            "kind",
            "channel",
            "questionnaire",
            "score",
            "taken_by",
        )
        attrs = {"class": ATTRS, "data-testid": "survey-table"}
        orderable = False
        empty_text = _("No surveys found.")

    def render_kind(self, record):
        return record.followup.get_kind_display()

    def render_taken_by(self, value):
        return _person(value)


class QuestionnaireTable(tables.Table):
    title = tables.Column(
        verbose_name=_("questionnaire"), linkify=lambda record: record.get_absolute_url()
    )
    kind = tables.Column(verbose_name=_("kind"))
    version = tables.Column(verbose_name=_("version"))
    is_active = tables.BooleanColumn(verbose_name=_("in use"))
    question_count = tables.Column(verbose_name=_("questions"), orderable=False)
    response_count = tables.Column(verbose_name=_("surveys taken"), orderable=False)
    complaint_below = tables.Column(verbose_name=_("complaint below"))
    created_at = DateTimeColumn(verbose_name=_("created at"), format="Y-m-d")

    class Meta:
        model = Questionnaire
        fields = (
            "title",
            "kind",
            "version",
            "is_active",
            "question_count",
            "response_count",
            "complaint_below",
            "created_at",
        )
        attrs = {"class": ATTRS, "data-testid": "questionnaire-table"}
        orderable = False
        empty_text = _("No questionnaires yet.")
