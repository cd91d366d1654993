"""Forms of after-sales targets per person: one person's target of a month."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.models import TargetRole
from dealership.forms import BootstrapMixin

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": 0, "required": False}


class ServiceTargetForm(BootstrapMixin, forms.Form):
    month = forms.CharField(
        label=_("month"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text=_("YYYY-MM"),
    )
    person = forms.TypedChoiceField(label=_("person"), coerce=int)
    role = forms.ChoiceField(label=_("role"), choices=TargetRole.choices)
    revenue = forms.DecimalField(label=_("revenue (CNY)"), **MONEY)
    repair_orders = forms.IntegerField(
        label=_("repair orders"), min_value=0, max_value=100000, required=False
    )
    parts_sales = forms.DecimalField(label=_("parts sales (CNY)"), **MONEY)
    checkins = forms.IntegerField(
        label=_("5K/10K check-ins"), min_value=0, max_value=100000, required=False
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = list(people)


class TargetMonthForm(BootstrapMixin, forms.Form):
    month = forms.CharField(
        label=_("month"), max_length=7, widget=forms.TextInput(attrs={"type": "month"})
    )
    role = forms.ChoiceField(
        label=_("role"), required=False, choices=[("", _("All roles")), *TargetRole.choices]
    )
