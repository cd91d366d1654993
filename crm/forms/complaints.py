"""Forms of complaints: the list's filters, a complaint taken by hand (the customer picked from
those the viewer may see, found by a search or given by the customer page), the changes of an
open complaint, and the small form of each action. Choices list only what the viewer may
pick; the services check again."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models import Complaint, Customer, Vehicle
from crm.models.complaints import (
    ROUTES,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintSeverity,
    ComplaintState,
)
from crm.selectors.customers import customers_for_user
from crm.services.complaints import MANUAL_CHANNELS, assignable_users
from dealership.forms import BootstrapMixin

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
PICK_LIMIT = 50


class DateTimeInput(forms.DateTimeInput):
    """A browser date-and-time picker (``<input type="datetime-local">``, ISO value)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


class MonthInput(forms.TextInput):
    input_type = "month"


def _name(user) -> str:
    return user.name or user.username


def _choices(choices, empty):
    return [("", empty), *choices]


def routed_departments():
    """The departments complaints are routed to (sales, after-sales, CRM), in chart order."""
    from org.models import Department

    return Department.objects.filter(code__in=set(ROUTES.values())).order_by("order", "code")


class ComplaintFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("Number or customer")}),
    )
    state = forms.ChoiceField(label=_("state"), required=False)
    severity = forms.ChoiceField(label=_("severity"), required=False)
    category = forms.ChoiceField(label=_("category"), required=False)
    department = forms.ModelChoiceField(
        label=_("department"), required=False, queryset=None, empty_label=_("All departments")
    )
    month = forms.CharField(
        label=_("received in"), required=False, max_length=7, widget=MonthInput()
    )
    overdue = forms.BooleanField(label=_("overdue only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = _choices(
            [("open", pgettext_lazy("complaints", "Open")), *ComplaintState.choices],
            _("All states"),
        )
        self.fields["severity"].choices = _choices(ComplaintSeverity.choices, _("All severities"))
        self.fields["category"].choices = _choices(ComplaintCategory.choices, _("All categories"))
        self.fields["department"].queryset = routed_departments()

    def clean_month(self):
        value = self.cleaned_data.get("month") or ""
        if not value:
            return None
        if not re.fullmatch(r"\d{4}-\d{2}", value):
            raise forms.ValidationError(_("Enter a month as YYYY-MM."))
        try:
            return dt.date(int(value[:4]), int(value[5:]), 1)
        except ValueError:
            raise forms.ValidationError(_("Enter a month as YYYY-MM.")) from None

    def values(self) -> dict:
        return self.cleaned_data if self.is_valid() else {}


class CustomerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class VehicleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        car = " ".join(p for p in (obj.brand, obj.model) if p)
        return f"{obj.plate or obj.vin} {car} · {obj.owner.name}"


def customers_to_pick(user, *, q: str = "", selected=None):
    """The customers offered: those ``user`` may see matching ``q`` (at most
    ``PICK_LIMIT``), and the one already chosen (from the customer page or the form)."""
    visible = customers_for_user(user, q=q)
    ids = list(visible.values_list("pk", flat=True)[:PICK_LIMIT])
    if selected and str(selected).isdigit() and len(str(selected)) < 18:
        ids.append(int(selected))
    return (
        Customer.objects.for_user(user, "view")
        .filter(pk__in=ids)
        .select_related("owner")
        .order_by("name", "pk")
    )


class ComplaintForm(BootstrapMixin, forms.Form):
    customer = CustomerChoiceField(label=_("customer"), queryset=Customer.objects.none())
    vehicle = VehicleChoiceField(
        label=_("vehicle"),
        queryset=Vehicle.objects.none(),
        required=False,
        empty_label=_("No particular vehicle"),
    )
    channel = forms.ChoiceField(label=_("received through"))
    category = forms.ChoiceField(label=_("category"), choices=ComplaintCategory.choices)
    severity = forms.ChoiceField(
        label=_("severity"),
        choices=ComplaintSeverity.choices,
        initial=ComplaintSeverity.NORMAL,
        help_text=_(
            "A major complaint is shared with the CRM director and the GM at once and handled "
            "together with the OEM."
        ),
    )
    description = forms.CharField(
        label=_("what the customer says"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    received_at = forms.DateTimeField(
        label=_("received at"),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=DateTimeInput(),
    )

    def __init__(self, data=None, *, user, q: str = "", selected=None, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault(
            "received_at", timezone.localtime().replace(second=0, microsecond=0)
        )
        if selected:
            kwargs["initial"].setdefault("customer", selected)
        super().__init__(data, **kwargs)
        chosen = (data or {}).get("customer") or selected
        customers = customers_to_pick(user, q=q, selected=chosen)
        self.fields["customer"].queryset = customers
        self.fields["vehicle"].queryset = (
            Vehicle.objects.filter(owner__in=customers)
            .select_related("owner")
            .order_by("owner__name", "plate", "pk")
        )
        self.fields["channel"].choices = [
            (value, label) for value, label in ComplaintChannel.choices if value in MANUAL_CHANNELS
        ]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "customer": data["customer"].pk,
            "vehicle": data["vehicle"].pk if data.get("vehicle") else None,
            "channel": data["channel"],
            "category": data["category"],
            "severity": data["severity"],
            "description": data["description"],
            "received_at": data["received_at"],
        }


class CustomerSearchForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("find the customer"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("Name, plate, VIN or mobile")}),
    )


class ComplaintEditForm(BootstrapMixin, forms.Form):
    category = forms.ChoiceField(
        label=_("category"),
        choices=ComplaintCategory.choices,
        help_text=_("Another department's category routes the complaint to that department."),
    )
    severity = forms.ChoiceField(
        label=_("severity"),
        choices=ComplaintSeverity.choices,
        help_text=_("The deadline is set again from the day it was received."),
    )
    description = forms.CharField(
        label=_("what the customer says"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    note = forms.CharField(
        label=_("note for the log"), required=False, max_length=2000, widget=forms.TextInput()
    )

    def __init__(self, data=None, *, instance: Complaint, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "category": instance.category,
                "severity": instance.severity,
                "description": instance.description,
            },
        )
        super().__init__(data, **kwargs)


# --- the actions ----------------------------------------------------------------------------------


def _text(label, *, required=True, rows=3):
    return forms.CharField(
        label=label,
        required=required,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _name(obj)


class AssignForm(BootstrapMixin, forms.Form):
    owner = PersonChoiceField(label=_("handled by"), queryset=None)
    note = forms.CharField(label=_("note"), required=False, max_length=2000)

    def __init__(self, data=None, *, complaint: Complaint, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["owner"].queryset = (
            get_user_model()
            .objects.filter(pk__in=assignable_users(complaint))
            .order_by("name", "username")
        )
        if complaint.owner_id:
            self.fields["owner"].queryset = self.fields["owner"].queryset.filter(
                ~Q(pk=complaint.owner_id)
            )

    def service_kwargs(self) -> dict:
        return {"owner_id": self.cleaned_data["owner"].pk, "note": self.cleaned_data["note"]}


class NoteForm(BootstrapMixin, forms.Form):
    note = forms.CharField(label=_("note"), required=False, max_length=2000)

    def service_kwargs(self) -> dict:
        return {"note": self.cleaned_data["note"]}


class ResolveForm(BootstrapMixin, forms.Form):
    resolution = _text(_("how it was resolved"))

    def service_kwargs(self) -> dict:
        return {"resolution": self.cleaned_data["resolution"]}


class ConfirmForm(BootstrapMixin, forms.Form):
    feedback = _text(_("what the customer said when called back"))

    def service_kwargs(self) -> dict:
        return {"feedback": self.cleaned_data["feedback"]}


class ReopenForm(BootstrapMixin, forms.Form):
    reason = _text(_("why it is reopened"), rows=2)

    def service_kwargs(self) -> dict:
        return {"reason": self.cleaned_data["reason"]}
