"""Forms of sales plans (the plan and its lines by model), price lists, sub-dealers and their
assessments, and the filters of their lists."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from dealership.forms import BootstrapMixin, DateInput
from sales.models import PlanPeriod, PlanState, PriceListState, SubDealerState
from sales.services.salesplans import MAX_LINES, MAX_UNITS

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": 0}


class PlanForm(BootstrapMixin, forms.Form):
    period = forms.ChoiceField(label=_("period"), choices=PlanPeriod.choices)
    starts_on = forms.CharField(
        label=_("year, quarter or month"),
        max_length=10,
        help_text=_("2027, 2027-Q1 or 2027-01"),
    )
    notes = forms.CharField(
        label=_("notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class PlanLineForm(BootstrapMixin, forms.Form):
    model = forms.CharField(label=_("model"), max_length=80, required=False)
    units = forms.IntegerField(
        label=_("units"),
        required=False,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_UNITS)],
    )
    revenue = forms.DecimalField(label=_("revenue (CNY)"), required=False, **MONEY)

    def clean(self):
        data = super().clean()
        if data.get("model") and (data.get("units") is None or data.get("revenue") is None):
            raise forms.ValidationError(_("Give the units and the revenue of the model."))
        return data


class BasePlanLineFormSet(forms.BaseFormSet):
    def lines(self) -> list[dict]:
        return [
            {k: form.cleaned_data[k] for k in ("model", "units", "revenue")}
            for form in self.forms
            if form.cleaned_data.get("model")
        ]


PlanLineFormSet = forms.formset_factory(
    PlanLineForm,
    formset=BasePlanLineFormSet,
    extra=3,
    max_num=MAX_LINES,
    validate_max=True,
    absolute_max=MAX_LINES,
)


class PlanFilterForm(BootstrapMixin, forms.Form):
    period = forms.ChoiceField(
        label=_("period"), required=False, choices=[("", _("All periods")), *PlanPeriod.choices]
    )
    state = forms.ChoiceField(
        label=_("state"), required=False, choices=[("", _("All states")), *PlanState.choices]
    )
    year = forms.IntegerField(label=_("year"), required=False, min_value=2000, max_value=2100)


class SendToOemForm(BootstrapMixin, forms.Form):
    submitted_on = forms.DateField(
        label=_("submitted to the OEM on"), required=False, widget=DateInput()
    )


class PriceListForm(BootstrapMixin, forms.Form):
    model = forms.CharField(label=_("model"), max_length=80)
    trim = forms.CharField(
        label=_("trim"),
        max_length=80,
        required=False,
        help_text=_("Left empty: the list covers every trim of the model without its own list."),
    )
    msrp = forms.DecimalField(label=_("MSRP (CNY)"), **MONEY)
    dealer_price = forms.DecimalField(label=_("dealer price (CNY)"), **MONEY)
    floor_price = forms.DecimalField(
        label=_("floor price (CNY)"),
        help_text=_("A quote below this price after discount needs the sales manager's approval."),
        **MONEY,
    )
    valid_from = forms.DateField(label=_("valid from"), widget=DateInput())
    notes = forms.CharField(
        label=_("notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class PriceListFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("model or trim"), required=False, max_length=80)
    state = forms.ChoiceField(
        label=_("state"), required=False, choices=[("", _("All states")), *PriceListState.choices]
    )
    in_effect = forms.BooleanField(label=_("in effect today"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = self.fields["q"].label


class SubDealerForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    contact_name = forms.CharField(label=_("contact person"), max_length=50)
    contact_phone = forms.CharField(label=_("contact phone"), max_length=20, required=False)
    region = forms.CharField(label=_("region"), max_length=50)
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    contract_start = forms.DateField(label=_("contract from"), required=False, widget=DateInput())
    contract_end = forms.DateField(label=_("contract until"), required=False, widget=DateInput())
    state = forms.ChoiceField(label=_("state"), choices=SubDealerState.choices)
    manager = forms.TypedChoiceField(label=_("looked after by"), coerce=int)
    notes = forms.CharField(
        label=_("notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].choices = list(people)


class SubDealerFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("name, contact or region"), required=False, max_length=100)
    state = forms.ChoiceField(
        label=_("state"), required=False, choices=[("", _("All states")), *SubDealerState.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = self.fields["q"].label


class AssessmentForm(BootstrapMixin, forms.Form):
    period_start = forms.DateField(label=_("period from"), widget=DateInput())
    period_end = forms.DateField(label=_("period until"), widget=DateInput())
    units = forms.IntegerField(label=_("units sold"), min_value=0, max_value=100000, initial=0)
    score = forms.IntegerField(label=_("score"), min_value=0, max_value=100)
    findings = forms.CharField(
        label=_("findings"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
