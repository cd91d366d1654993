"""Forms of crm: the survey questions (on the call screen and face to face), questionnaires
with their questions (an inline formset: add, remove, reorder), and the surveys list's
filters. The services validate again; these forms give the same messages early."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models import EventKind, QuestionKind, SurveyChannel
from crm.services.surveys import MAX_CHOICES, MAX_QUESTIONS, TEXT_ANSWER_MAX, answer_field
from dealership.forms import BootstrapMixin

SCORES = [(str(n), str(n)) for n in range(11)]
YES_NO = [("yes", pgettext_lazy("answer", "Yes")), ("no", pgettext_lazy("answer", "No"))]


def _radios():
    return forms.RadioSelect(attrs={"class": "btn-check", "autocomplete": "off"})


def answer_fields(questions, *, disabled: bool = False) -> dict[str, forms.Field]:
    """One field per question, named ``q_<question id>``. None is required here: whether an
    answer is needed depends on how the call ended, which the service decides."""
    fields = {}
    for question in questions:
        kind = question.kind
        if kind == QuestionKind.SCORE:
            field = forms.ChoiceField(choices=SCORES, widget=_radios())
        elif kind == QuestionKind.YES_NO:
            field = forms.ChoiceField(choices=YES_NO, widget=_radios())
        elif kind == QuestionKind.CHOICE:
            field = forms.ChoiceField(
                choices=[(c, c) for c in question.choices],
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )
        else:
            field = forms.CharField(
                max_length=TEXT_ANSWER_MAX,
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            )
        field.label = question.text
        field.required = False
        field.disabled = disabled
        field.question = question
        fields[answer_field(question)] = field
    return fields


class AnswersMixin:
    """A form with the questionnaire's questions (``questionnaire`` may be ``None``)."""

    def add_questions(self, questionnaire, *, disabled: bool = False) -> None:
        self.questionnaire = questionnaire
        questions = list(questionnaire.questions.all()) if questionnaire is not None else []
        self.fields.update(answer_fields(questions, disabled=disabled))
        self.fields["questionnaire"] = forms.IntegerField(
            widget=forms.HiddenInput, required=False, disabled=disabled
        )
        self.initial.setdefault("questionnaire", getattr(questionnaire, "pk", None))

    def question_fields(self):
        """The bound fields of the questions, in order, with their question."""
        return [self[name] for name, field in self.fields.items() if hasattr(field, "question")]

    def clean_questionnaire(self):
        sent = self.cleaned_data.get("questionnaire")
        current = getattr(self.questionnaire, "pk", None)
        if sent and current and sent != current:
            raise forms.ValidationError(
                _(
                    "The questionnaire was changed while you were working; the questions "
                    "below are the new ones, answer them again."
                )
            )
        return sent

    def answers(self) -> dict[int, object]:
        """The answers given (``{question id: value}``); empty ones left out."""
        answers = {}
        for name, field in self.fields.items():
            question = getattr(field, "question", None)
            if question is None:
                continue
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            if question.kind == QuestionKind.SCORE:
                value = int(value)
            elif question.kind == QuestionKind.YES_NO:
                value = value == "yes"
            answers[question.pk] = value
        return answers


class FaceToFaceForm(AnswersMixin, BootstrapMixin, forms.Form):
    """The survey at the delivery ceremony."""

    comment = forms.CharField(
        label=_("Customer's comment"),
        required=False,
        max_length=TEXT_ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    complaint = forms.CharField(
        label=_("The customer complains"),
        required=False,
        max_length=TEXT_ANSWER_MAX,
        help_text=_("What the customer complains about: a complaint is opened."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, questionnaire=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_questions(questionnaire)
        first = next(iter(self.question_fields()), None)
        if first is not None:
            first.field.widget.attrs["autofocus"] = True


# --- questionnaires ------------------------------------------------------------------------------


class QuestionnaireForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=EventKind.choices)
    title = forms.CharField(label=pgettext_lazy("questionnaire", "title"), max_length=200)
    script = forms.CharField(
        label=_("call script"),
        required=False,
        max_length=10_000,
        help_text=_("What the specialist says: greeting, identity check, closing."),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    complaint_below = forms.IntegerField(
        label=_("open a complaint below score"),
        min_value=0,
        max_value=10,
        initial=7,
        help_text=_("A score question answered below this opens a complaint (0: never)."),
    )

    def __init__(self, *args, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not creating:
            del self.fields["kind"]


class QuestionForm(BootstrapMixin, forms.Form):
    position = forms.IntegerField(
        label=_("order"), required=False, min_value=0, max_value=999, widget=forms.NumberInput
    )
    text = forms.CharField(label=_("question"), max_length=300, required=False)
    kind = forms.ChoiceField(label=_("kind"), choices=QuestionKind.choices, initial="score")
    choices = forms.CharField(
        label=_("options (one per line)"),
        required=False,
        max_length=MAX_CHOICES * 101,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    required = forms.BooleanField(label=_("required"), required=False, initial=True)

    def clean(self):
        data = super().clean()
        if data.get("DELETE"):
            return data
        options = [o.strip() for o in (data.get("choices") or "").splitlines() if o.strip()]
        if self.has_changed() and not (data.get("text") or "").strip():
            self.add_error("text", _("Enter the question."))
        if data.get("kind") == QuestionKind.CHOICE and len(set(options)) < 2:
            self.add_error("choices", _("Give at least two options, one per line."))
        return data

    def row(self) -> dict:
        data = self.cleaned_data
        return {
            "position": data.get("position"),
            "text": data.get("text", ""),
            "kind": data.get("kind"),
            "choices": (data.get("choices") or "").splitlines(),
            "required": bool(data.get("required")),
        }


class BaseQuestionFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("delete")
            form.fields["DELETE"].widget.attrs.setdefault("class", "form-check-input")

    def rows(self) -> list[dict]:
        """The questions kept (filled and not marked for removal), as the service takes them."""
        return [
            form.row()
            for form in self.forms
            if not form.cleaned_data.get("DELETE") and (form.cleaned_data.get("text") or "").strip()
        ]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not self.rows():
            raise forms.ValidationError(_("Add at least one question."))


QuestionFormSet = forms.formset_factory(
    QuestionForm,
    formset=BaseQuestionFormSet,
    extra=3,
    can_delete=True,
    max_num=MAX_QUESTIONS,
    validate_max=True,
)


def question_initial(questionnaire) -> list[dict]:
    return [
        {
            "position": q.position,
            "text": q.text,
            "kind": q.kind,
            "choices": "\n".join(q.choices),
            "required": q.required,
        }
        for q in questionnaire.questions.all()
    ]


# --- the surveys list ------------------------------------------------------------------------------


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m")


class MonthField(forms.DateField):
    """``2026-05`` (an ``<input type="month">``) → the first day of the month."""

    widget = MonthInput
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if isinstance(day, dt.date) else day


class SurveyFilterForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("kind"), required=False, choices=[("", _("SSI and CSI")), *EventKind.choices]
    )
    channel = forms.ChoiceField(
        label=_("taken"),
        required=False,
        choices=[("", _("On the call and face to face")), *SurveyChannel.choices],
    )
    month = MonthField(label=_("month"), required=False)
    score_below = forms.DecimalField(
        label=_("score below"), required=False, min_value=0, max_value=10, decimal_places=2
    )
