"""Forms of crm: market intelligence — a competitor observation, an advertising spend, and the
filters of their lists (a month, a search or a channel). The services check everything again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import AdChannel
from dealership.forms import BootstrapMixin, DateInput


class MonthInput(forms.TextInput):
    """A browser month picker (``<input type="month">``, value ``YYYY-MM``)."""

    input_type = "month"


class MonthField(forms.CharField):
    """A month as ``YYYY-MM``, cleaned to its first day."""

    widget = MonthInput

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            year, month = (int(part) for part in value.split("-"))
            return dt.date(year, month, 1)
        except ValueError:
            raise forms.ValidationError(_("Give a month as YYYY-MM, e.g. 2026-03.")) from None


def _yuan_field(label):
    return forms.DecimalField(
        label=label, min_value=Decimal("0"), max_digits=12, decimal_places=2, localize=False
    )


class ObservationFilterForm(BootstrapMixin, forms.Form):
    month = MonthField(label=_("month"), required=False)
    q = forms.CharField(label=_("search"), required=False, max_length=50)

    def selection(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {"month": data.get("month"), "q": data.get("q", "")}


class SpendFilterForm(BootstrapMixin, forms.Form):
    month = MonthField(
        label=_("month"), required=False, help_text=_("Spends that start in this month.")
    )
    channel = forms.ChoiceField(
        label=_("channel"), required=False, choices=[("", _("All channels")), *AdChannel.choices]
    )

    def selection(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {"month": data.get("month"), "channel": data.get("channel", "")}


class CompetitorObservationForm(BootstrapMixin, forms.Form):
    brand = forms.CharField(label=_("competitor brand"), max_length=50)
    model = forms.CharField(label=_("model"), max_length=80)
    price = _yuan_field(_("price (yuan)"))
    promotion = forms.CharField(
        label=_("promotion"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    observed_on = forms.DateField(label=_("observed on"), widget=DateInput())
    source = forms.CharField(
        label=_("where observed"),
        max_length=120,
        required=False,
        help_text=_("A competitor's showroom, a website, a customer's quote …"),
    )

    FIELDS = ("brand", "model", "price", "promotion", "observed_on", "source")

    def __init__(self, *args, observation=None, **kwargs):
        if observation is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(observation, name) for name in self.FIELDS}
        super().__init__(*args, **kwargs)

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class AdvertisingSpendForm(BootstrapMixin, forms.Form):
    channel = forms.ChoiceField(label=_("channel"), choices=AdChannel.choices)
    description = forms.CharField(label=_("description"), max_length=200)
    period_start = forms.DateField(label=_("from"), widget=DateInput())
    period_end = forms.DateField(label=_("until"), widget=DateInput())
    cost = _yuan_field(_("cost (yuan)"))
    leads_attributed = forms.IntegerField(
        label=_("leads attributed"),
        min_value=0,
        initial=0,
        help_text=_("The leads this advertising brought (counted in the month it starts)."),
    )

    FIELDS = ("channel", "description", "period_start", "period_end", "cost", "leads_attributed")

    def __init__(self, *args, spend=None, **kwargs):
        if spend is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(spend, name) for name in self.FIELDS}
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period cannot end before it starts."))
        return data

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}
