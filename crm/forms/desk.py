"""Forms of the customer-service desk (enquiries, improvement proposals), the thank-you letters
and the customer tiers, and the filters of their lists. The services check everything again."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.forms.complaints import DateTimeInput
from crm.forms.intelligence import MonthField
from crm.forms.outreach import CustomerChoiceField
from crm.forms.widgets import CustomerSearchSelect
from crm.models import (
    Customer,
    EnquiryChannel,
    EnquiryTopic,
    EventKind,
    LetterState,
    ProposalState,
)
from crm.services.validators import normalise_phone
from dealership.access import can, restricted_queryset
from dealership.forms import BootstrapMixin, DateInput


def _choices(choices, empty):
    return [("", empty), *choices]


def departments():
    from org.models import Department

    return Department.objects.order_by("order", "code")


class _CustomerMixin:
    """A customer picker over the customers the user sees (optional)."""

    def set_customers(self, user):
        if user is not None and can(user, Customer, "view"):
            self.fields["customer"].queryset = restricted_queryset(user, Customer, "view").order_by(
                "name", "pk"
            )


# --- enquiries ----------------------------------------------------------------------------------


class EnquiryFilterForm(BootstrapMixin, forms.Form):
    month = MonthField(label=_("month"), required=False)
    channel = forms.ChoiceField(
        label=_("channel"), required=False, choices=_choices(EnquiryChannel.choices, _("All"))
    )
    topic = forms.ChoiceField(
        label=_("topic"), required=False, choices=_choices(EnquiryTopic.choices, _("All"))
    )
    q = forms.CharField(label=_("search"), required=False, max_length=50)

    def selection(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class EnquiryForm(_CustomerMixin, BootstrapMixin, forms.Form):
    FIELDS = (
        "channel",
        "topic",
        "question",
        "answer",
        "customer",
        "caller_name",
        "caller_phone",
        "received_at",
    )

    received_at = forms.DateTimeField(
        label=_("received at"), widget=DateTimeInput(), input_formats=["%Y-%m-%dT%H:%M"]
    )
    channel = forms.ChoiceField(label=_("channel"), choices=EnquiryChannel.choices)
    topic = forms.ChoiceField(label=_("topic"), choices=EnquiryTopic.choices)
    customer = CustomerChoiceField(
        label=_("customer"),
        queryset=Customer._base_manager.none(),
        widget=CustomerSearchSelect(),
        required=False,
    )
    caller_name = forms.CharField(
        label=_("caller's name"),
        max_length=100,
        required=False,
        help_text=_("When the caller is not (yet) a customer."),
    )
    caller_phone = forms.CharField(
        label=_("caller's phone"),
        max_length=30,
        required=False,
        help_text=_("A mobile or landline number to call back, when the caller is not a customer."),
    )
    question = forms.CharField(label=_("question"), widget=forms.Textarea(attrs={"rows": 3}))
    answer = forms.CharField(
        label=_("answer given"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, data=None, *, user=None, enquiry=None, **kwargs):
        initial = kwargs.setdefault("initial", {})
        if enquiry is not None:
            initial.update({name: getattr(enquiry, name) for name in self.FIELDS})
            initial["received_at"] = timezone.localtime(enquiry.received_at)
        initial.setdefault("received_at", timezone.localtime().replace(second=0, microsecond=0))
        super().__init__(data, **kwargs)
        self.set_customers(user)

    def clean_caller_phone(self):
        try:
            return normalise_phone(self.cleaned_data.get("caller_phone"), "caller_phone")
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["caller_phone"]) from None

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["customer"] = data["customer"].pk if data.get("customer") else None
        return {name: data[name] for name in self.FIELDS}


# --- improvement proposals ----------------------------------------------------------------------


class ProposalFilterForm(BootstrapMixin, forms.Form):
    state = forms.ChoiceField(
        label=_("state"), required=False, choices=_choices(ProposalState.choices, _("All states"))
    )
    department = forms.ModelChoiceField(
        label=_("responsible department"),
        queryset=None,
        required=False,
        empty_label=_("All departments"),
    )
    overdue = forms.BooleanField(label=_("overdue only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments()

    def selection(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}


class ProposalForm(_CustomerMixin, BootstrapMixin, forms.Form):
    department = forms.ModelChoiceField(label=_("responsible department"), queryset=None)
    subject = forms.CharField(label=_("subject"), max_length=200)
    feedback = forms.CharField(
        label=_("what the customer suggests"), widget=forms.Textarea(attrs={"rows": 4})
    )
    customer = CustomerChoiceField(
        label=_("customer"),
        queryset=Customer._base_manager.none(),
        widget=CustomerSearchSelect(),
        required=False,
    )
    answer_by = forms.DateField(
        label=_("answer by"),
        widget=DateInput(),
        required=False,
        help_text=_("A week from today when left empty."),
    )
    followup = forms.IntegerField(widget=forms.HiddenInput(), required=False)
    enquiry = forms.IntegerField(widget=forms.HiddenInput(), required=False)

    def __init__(self, data=None, *, user=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["department"].queryset = departments()
        self.set_customers(user)
        if self.initial.get("followup") or self.initial.get("enquiry"):
            del self.fields["customer"]  # the customer of the call or the enquiry

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "department": data["department"].pk,
            "subject": data["subject"],
            "feedback": data["feedback"],
            "answer_by": data.get("answer_by"),
            "followup": data.get("followup"),
            "enquiry": data.get("enquiry"),
        }
        if data.get("customer"):
            kwargs["customer"] = data["customer"].pk
        return kwargs


class ProposalAnswerForm(BootstrapMixin, forms.Form):
    answer = forms.CharField(
        label=_("department's answer"), widget=forms.Textarea(attrs={"rows": 4})
    )

    def service_kwargs(self) -> dict:
        return {"answer": self.cleaned_data["answer"]}


class ProposalOutcomeForm(BootstrapMixin, forms.Form):
    outcome = forms.CharField(
        label=_("outcome"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def service_kwargs(self) -> dict:
        return {"outcome": self.cleaned_data["outcome"]}


# --- letters ------------------------------------------------------------------------------------


class LetterFilterForm(BootstrapMixin, forms.Form):
    state = forms.ChoiceField(
        label=_("state"), required=False, choices=_choices(LetterState.choices, _("All states"))
    )
    kind = forms.ChoiceField(
        label=_("kind"), required=False, choices=_choices(EventKind.choices, _("All"))
    )
    month = MonthField(label=_("month of the event"), required=False)

    def selection(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class LetterForm(BootstrapMixin, forms.Form):
    FIELDS = ("addressee", "address", "body")

    addressee = forms.CharField(label=_("addressee"), max_length=100)
    address = forms.CharField(label=_("postal address"), max_length=300, required=False)
    body = forms.CharField(label=_("letter text"), widget=forms.Textarea(attrs={"rows": 10}))

    def __init__(self, data=None, *, letter=None, **kwargs):
        if letter is not None:
            kwargs.setdefault("initial", {name: getattr(letter, name) for name in self.FIELDS})
        super().__init__(data, **kwargs)

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class LetterMailForm(BootstrapMixin, forms.Form):
    mailed_on = forms.DateField(label=_("mailed on"), widget=DateInput())
    tracking_number = forms.CharField(label=_("tracking number"), max_length=40, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("mailed_on", timezone.localdate())
        super().__init__(*args, **kwargs)

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class LetterCancelForm(BootstrapMixin, forms.Form):
    note = forms.CharField(label=_("why it is not sent"), max_length=200)

    def service_kwargs(self) -> dict:
        return {"note": self.cleaned_data["note"]}


class NoFieldsForm(forms.Form):
    def service_kwargs(self) -> dict:
        return {}


# --- tiers --------------------------------------------------------------------------------------


class TierForm(BootstrapMixin, forms.Form):
    FIELDS = (
        "code",
        "name_zh",
        "name_en",
        "rank",
        "min_spending",
        "min_vehicles",
        "min_visits",
        "benefits",
    )

    code = forms.SlugField(label=_("code"), max_length=30)
    name_zh = forms.CharField(label=_("name (Chinese)"), max_length=50)
    name_en = forms.CharField(label=_("name (English)"), max_length=50, required=False)
    rank = forms.IntegerField(
        label=_("rank"), min_value=1, max_value=99, help_text=_("1 is the highest tier.")
    )
    min_spending = forms.DecimalField(
        label=_("minimum spending (yuan)"),
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        localize=False,
    )
    min_vehicles = forms.IntegerField(
        label=_("minimum vehicles owned"), min_value=0, max_value=999, initial=0
    )
    min_visits = forms.IntegerField(
        label=_("minimum service visits"), min_value=0, max_value=999, initial=0
    )
    benefits = forms.CharField(
        label=_("service offered"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, data=None, *, tier=None, **kwargs):
        if tier is not None:
            kwargs.setdefault("initial", {name: getattr(tier, name) for name in self.FIELDS})
        super().__init__(data, **kwargs)

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}
