"""The call screen's form: the owner's details to verify and correct, the survey questions, the
outcome of the call with a note, the customer's comment and complaint. Everything is posted at
once and saved by :func:`crm.services.calls.followup_call_record`."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.forms.surveys import AnswersMixin
from crm.models import AttemptOutcome
from crm.services.calls import CORRECTABLE_FIELDS, NOTE_MAX
from crm.services.surveys import TEXT_ANSWER_MAX
from crm.services.validators import normalise_mobile
from dealership.forms import BootstrapMixin

# a key per outcome for the keyboard (the browser's accesskey modifier + the key)
OUTCOME_KEYS = {
    AttemptOutcome.CONNECTED: "c",
    AttemptOutcome.PHONE_OFF: "o",
    AttemptOutcome.FORWARDED: "f",
    AttemptOutcome.NO_CONNECTION: "n",
    AttemptOutcome.BUSY: "b",
    AttemptOutcome.NO_ANSWER: "a",
    AttemptOutcome.WRONG_NUMBER: "w",
    AttemptOutcome.REFUSED: "r",
}
PHONE_FIELDS = ("mobile", "mobile_alt")


class CallForm(AnswersMixin, BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    mobile = forms.CharField(label=_("mobile"), max_length=30, required=False)
    mobile_alt = forms.CharField(label=_("second mobile"), max_length=30, required=False)
    province = forms.CharField(label=_("province"), max_length=30, required=False)
    city = forms.CharField(label=_("city"), max_length=30, required=False)
    district = forms.CharField(label=_("district"), max_length=30, required=False)
    street = forms.CharField(label=_("street address"), max_length=200, required=False)
    consent_call = forms.BooleanField(label=_("consents to calls"), required=False)
    consent_sms = forms.BooleanField(label=_("consents to SMS"), required=False)
    outcome = forms.ChoiceField(
        label=_("How did the call end?"),
        choices=AttemptOutcome.choices,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
        error_messages={"required": _("Choose how the call ended.")},
    )
    note = forms.CharField(label=_("note"), max_length=NOTE_MAX, required=False)
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

    def __init__(
        self,
        data=None,
        *,
        customer,
        questionnaire,
        phones: dict[str, str],
        editable: bool,
        may_correct: bool,
    ):
        self.customer = customer
        initial = {name: getattr(customer, name) or "" for name in CORRECTABLE_FIELDS}
        initial.update({name: phones.get(name, "") for name in PHONE_FIELDS})
        super().__init__(data, initial=initial)
        self.add_questions(questionnaire, disabled=not editable)
        for name in CORRECTABLE_FIELDS:
            field = self.fields[name]
            masked = name in PHONE_FIELDS and phones.get(name, "") != (
                getattr(customer, name) or ""
            )
            field.disabled = not (editable and may_correct) or masked
        for name in ("outcome", "note", "comment", "complaint"):
            self.fields[name].disabled = not editable
        if editable:
            self.fields["name"].widget.attrs["autofocus"] = True
        for name in PHONE_FIELDS:
            self.fields[name].widget.input_type = "tel"
            self.fields[name].widget.attrs["inputmode"] = "tel"

    def _mobile(self, name):
        value = self.cleaned_data.get(name, "")
        if self.fields[name].disabled:
            return value
        try:
            return normalise_mobile(value, name) or ""
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict[name]) from None

    def clean_mobile(self):
        return self._mobile("mobile")

    def clean_mobile_alt(self):
        return self._mobile("mobile_alt")

    def outcomes(self):
        """(value, label, key, checked) for the outcome buttons."""
        chosen = self["outcome"].value()
        return [
            (value, label, OUTCOME_KEYS.get(value, ""), value == chosen)
            for value, label in AttemptOutcome.choices
        ]

    def customer_changes(self) -> dict:
        """The owner's details that differ from what is stored (only fields that may be
        corrected here)."""
        changes = {}
        for name in CORRECTABLE_FIELDS:
            if self.fields[name].disabled:
                continue
            value = self.cleaned_data.get(name)
            current = getattr(self.customer, name)
            if isinstance(self.fields[name], forms.BooleanField):
                if bool(value) != bool(current):
                    changes[name] = bool(value)
                continue
            value = (value or "").strip()
            if value != (current or ""):
                changes[name] = (value or None) if name == "mobile" else value
        return changes
