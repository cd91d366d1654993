"""Forms of the stock area: receiving and changing cars, arrival, deliveries, allocation
requests, and the lists' filters. The services validate again."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from dealership.forms import BootstrapMixin, DateInput
from sales.models import AllocationStatus, StockStatus
from sales.selectors.stock import AGE_BUCKETS
from sales.services.deliveries import DeliveryChecklist, DeliveryDocument

DATA_FIELDS = (
    "vin",
    "brand",
    "model",
    "trim",
    "colour",
    "model_year",
    "cost",
    "list_price",
    "location",
    "notes",
)


class _CarFields(BootstrapMixin, forms.Form):
    vin = forms.CharField(label=_("VIN"), max_length=30)
    brand = forms.CharField(label=_("brand"), max_length=50, required=False)
    model = forms.CharField(label=_("model"), max_length=80)
    trim = forms.CharField(label=_("trim"), max_length=80, required=False)
    colour = forms.CharField(label=_("colour"), max_length=30, required=False)
    model_year = forms.IntegerField(label=_("model year"), required=False)
    cost = forms.DecimalField(label=_("cost (CNY)"), max_digits=12, decimal_places=2, min_value=0)
    list_price = forms.DecimalField(
        label=_("list price (CNY)"), max_digits=12, decimal_places=2, min_value=0
    )
    location = forms.CharField(label=_("location"), max_length=50, required=False)
    notes = forms.CharField(
        label=_("notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vin"].widget.attrs.update({"maxlength": 17, "autocapitalize": "characters"})


class StockCreateForm(_CarFields):
    in_transit = forms.TypedChoiceField(
        label=_("where is the car?"),
        choices=[("1", _("In transit from the OEM")), ("0", _("Arrived in stock"))],
        coerce=lambda value: value == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    ordered_on = forms.DateField(
        label=_("ordered from the OEM on"), required=False, widget=DateInput()
    )
    arrived_on = forms.DateField(label=_("arrived on"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["in_transit"].widget.attrs["class"] = "form-check-input"

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class StockEditForm(_CarFields):
    ordered_on = forms.DateField(
        label=_("ordered from the OEM on"), required=False, widget=DateInput()
    )

    def __init__(self, *args, car=None, **kwargs):
        super().__init__(*args, **kwargs)
        if car is not None and car.arrived_on is not None:
            self.fields["arrived_on"] = forms.DateField(
                label=_("arrived on"), widget=DateInput(attrs={"class": "form-control"})
            )

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class ArriveForm(BootstrapMixin, forms.Form):
    arrived_on = forms.DateField(label=_("arrived on"), widget=DateInput())


class StockFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("VIN or model"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("VIN or model"), "type": "search"}),
    )
    status = forms.ChoiceField(
        label=_("status"), required=False, choices=[("", _("All statuses")), *StockStatus.choices]
    )
    model = forms.CharField(label=_("model"), required=False, max_length=80)
    colour = forms.CharField(label=_("colour"), required=False, max_length=30)
    age = forms.ChoiceField(
        label=_("days in stock"),
        required=False,
        choices=[
            ("", _("Any age")),
            *[(code, _("%(code)s days") % {"code": code}) for code in AGE_BUCKETS],
        ],
    )
    sort = forms.ChoiceField(
        label=_("sort"),
        required=False,
        choices=[
            ("", _("Newest received")),
            ("age", _("Oldest in stock first")),
            ("-age", _("Youngest in stock first")),
            ("-arrival", _("Latest arrival")),
            ("model", _("Model")),
            ("vin", _("VIN")),
        ],
    )

    def __init__(self, *args, models=(), colours=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].widget = forms.Select(
            choices=[("", _("All models")), *[(m, m) for m in models]],
            attrs={"class": "form-select"},
        )
        self.fields["colour"].widget = forms.Select(
            choices=[("", _("All colours")), *[(c, c) for c in colours]],
            attrs={"class": "form-select"},
        )


# --- deliveries ---------------------------------------------------------------------------------


class DeliveryForm(BootstrapMixin, forms.Form):
    delivered_on = forms.DateField(label=_("delivered on"), widget=DateInput())
    mileage = forms.IntegerField(label=_("odometer (km)"), required=False, initial=0)
    documents = forms.MultipleChoiceField(
        label=_("documents handed over"),
        required=False,
        choices=DeliveryDocument.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    checklist = forms.MultipleChoiceField(
        label=_("checklist"),
        required=False,
        choices=DeliveryChecklist.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    photo = forms.FileField(
        label=_("photo of the hand-over"),
        required=False,
        help_text=_("JPEG, PNG or WebP."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    notes = forms.CharField(
        label=_("notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["photo"] = data.get("photo") or None
        return data


class DeliveryFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("customer, VIN, plate or order"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"placeholder": _("customer, VIN, plate or order"), "type": "search"}
        ),
    )
    date_from = forms.DateField(label=_("from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("until"), required=False, widget=DateInput())
    consultant = forms.TypedChoiceField(
        label=_("consultant"), required=False, coerce=int, empty_value=None
    )
    sort = forms.ChoiceField(
        label=_("sort"),
        required=False,
        choices=[("", _("Latest first")), ("day", _("Earliest first"))],
    )

    def __init__(self, *args, consultants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultant"].choices = [
            ("", _("All consultants")),
            *[(u.pk, u.name or u.username) for u in consultants],
        ]


# --- allocation requests ------------------------------------------------------------------------


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m")


class AllocationForm(BootstrapMixin, forms.Form):
    month = forms.DateField(
        label=_("month"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=MonthInput(),
        help_text=_("The month the vehicles are asked for."),
    )
    notes = forms.CharField(
        label=_("notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = dt.date.today()
        nxt = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        self.fields["month"].initial = nxt


class AllocationLineForm(forms.Form):
    quantity = forms.IntegerField(min_value=0, max_value=10000)


class AllocationFilterForm(BootstrapMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[("", _("All")), *AllocationStatus.choices],
    )
