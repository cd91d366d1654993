"""Forms of the service front desk: appointments, check-in, repair-order lines and moves,
rescues, and the lists' filters. The vehicle is typed (plate or VIN) and looked up among the
vehicles the user may see; the services check everything again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.models import (
    AppointmentStatus,
    LineKind,
    RepairStatus,
    RescueResult,
    ServiceType,
)
from aftersales.selectors import repairs as selectors
from aftersales.services.repairs import WalkAround, advisor_choices
from dealership.access import restricted_queryset
from dealership.forms import BootstrapMixin, DateInput
from dealership.selectors import people_in

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": 0, "required": False}


class DateTimeInput(forms.DateTimeInput):
    """A browser date-and-time picker (ISO value whatever the language)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _when(label, required=True):
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=DateTimeInput(),
    )


def _person_label(user) -> str:
    return user.name or user.username


class VehicleField(forms.CharField):
    """A plate or VIN typed by the user, resolved to one of the vehicles they may see."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("vehicle (plate or VIN)"))
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)


def resolve_vehicle(form, user, name: str = "vehicle"):
    text = form.cleaned_data.get(name)
    if not text:
        return None
    if str(text).isdigit() and len(str(text)) < 12:  # an id (from an appointment or a link)
        found = list(restricted_queryset(user, _vehicle_model(), "view").filter(pk=int(text)))
    else:
        found = list(selectors.find_vehicles(user, text, limit=3))
    if not found:
        raise forms.ValidationError(_("No vehicle with this plate or VIN in the customer file."))
    if len(found) > 1:
        raise forms.ValidationError(_("Several vehicles match; type the whole VIN."))
    return found[0].pk


def _vehicle_model():
    from crm.models import Vehicle

    return Vehicle


def vehicle_text(vehicle) -> str:
    return vehicle.plate or vehicle.vin if vehicle is not None else ""


# --- appointments -------------------------------------------------------------------------------


class AppointmentFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("plate, VIN or customer"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"placeholder": _("plate, VIN or customer"), "type": "search"}
        ),
    )
    day = forms.DateField(label=_("day"), required=False, widget=DateInput())
    advisor = forms.ModelChoiceField(
        label=_("service advisor"), required=False, queryset=None, empty_label=_("All advisors")
    )
    service_type = forms.ChoiceField(
        label=_("service type"),
        required=False,
        choices=[("", _("All types")), *ServiceType.choices],
    )
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[("", _("All statuses")), *AppointmentStatus.choices],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from aftersales.models import Appointment

        self.fields["advisor"].queryset = selectors.advisors_seen(user, Appointment)
        self.fields["advisor"].label_from_instance = _person_label


class AppointmentForm(BootstrapMixin, forms.Form):
    vehicle = VehicleField()
    starts_at = _when(_("time slot from"))
    ends_at = _when(_("time slot until"))
    service_type = forms.ChoiceField(label=_("service type"), choices=ServiceType.choices)
    advisor = forms.ModelChoiceField(
        label=_("service advisor"),
        required=False,
        queryset=None,
        empty_label=_("Me"),
    )
    concerns = forms.CharField(
        label=_("customer's concerns"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["advisor"].queryset = advisor_choices(user)
        self.fields["advisor"].label_from_instance = _person_label

    def clean_vehicle(self):
        return resolve_vehicle(self, self.user)

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["advisor"] = data["advisor"].pk if data.get("advisor") else None
        return data


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 2})
    )


class ConfirmForm(BootstrapMixin, forms.Form):
    """No field: the page asks, the button confirms."""


# --- repair orders ------------------------------------------------------------------------------


class RepairOrderFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("number, plate, VIN or customer"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"placeholder": _("number, plate, VIN or customer"), "type": "search"}
        ),
    )
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[
            (selectors.LIVE, _("Not closed")),
            ("all", _("All statuses")),
            *RepairStatus.choices,
        ],
    )
    service_type = forms.ChoiceField(
        label=_("type"), required=False, choices=[("", _("All types")), *ServiceType.choices]
    )
    advisor = forms.ModelChoiceField(
        label=_("service advisor"), required=False, queryset=None, empty_label=_("All advisors")
    )
    date_from = forms.DateField(label=_("checked in from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("until"), required=False, widget=DateInput())
    sort = forms.ChoiceField(
        label=_("sort"),
        required=False,
        choices=[
            ("", _("Latest check-in first")),
            ("in", _("Earliest check-in first")),
            ("promised", _("Promised time")),
            ("number", _("Number")),
            ("-total", _("Largest total")),
        ],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from aftersales.models import RepairOrder

        self.fields["advisor"].queryset = selectors.advisors_seen(user, RepairOrder)
        self.fields["advisor"].label_from_instance = _person_label


class _OrderFields(BootstrapMixin, forms.Form):
    service_type = forms.ChoiceField(label=_("type"), choices=ServiceType.choices)
    mileage = forms.IntegerField(label=_("mileage (km)"), min_value=0, max_value=2_000_000)
    concerns = forms.CharField(
        label=_("customer's concerns"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    walk_around = forms.MultipleChoiceField(
        label=_("walk-around check"),
        required=False,
        choices=WalkAround.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    fuel_level = forms.IntegerField(
        label=_("fuel level (%)"), required=False, min_value=0, max_value=100
    )
    promised_at = _when(_("promised for"), required=False)


class CheckInForm(_OrderFields):
    vehicle = VehicleField()
    advisor = forms.ModelChoiceField(
        label=_("service advisor"), required=False, queryset=None, empty_label=_("Me")
    )
    appointment = forms.IntegerField(required=False, widget=forms.HiddenInput())
    field_order = ["vehicle", "mileage", "service_type", "concerns"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["advisor"].queryset = advisor_choices(user)
        self.fields["advisor"].label_from_instance = _person_label

    def clean_vehicle(self):
        return resolve_vehicle(self, self.user)

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["advisor"] = data["advisor"].pk if data.get("advisor") else None
        data["walk_around"] = data.get("walk_around") or []
        return data


class RepairOrderEditForm(_OrderFields):
    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class LineForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=LineKind.choices)
    description = forms.CharField(
        label=_("description"),
        max_length=200,
        required=False,
        help_text=_("For a part, empty takes the part's name."),
    )
    warranty = forms.BooleanField(label=_("under warranty (the OEM pays)"), required=False)
    operation_code = forms.CharField(label=_("operation code"), max_length=20, required=False)
    hours = forms.DecimalField(
        label=_("flat-rate hours"), max_digits=6, decimal_places=2, min_value=0, required=False
    )
    rate = forms.DecimalField(label=_("hourly rate"), **MONEY)
    part = forms.CharField(label=_("part number"), max_length=40, required=False)
    quantity = forms.DecimalField(
        label=_("quantity"), max_digits=10, decimal_places=2, min_value=0, required=False
    )
    unit_price = forms.DecimalField(
        label=_("unit price"), help_text=_("Empty: the part's price."), **MONEY
    )
    supplier = forms.CharField(label=_("supplier"), max_length=100, required=False)
    cost = forms.DecimalField(label=_("cost"), **MONEY)
    price = forms.DecimalField(label=_("price"), **MONEY)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_part(self):
        from aftersales.models import Part

        number = (self.cleaned_data.get("part") or "").strip()
        if not number:
            return None
        part = restricted_queryset(self.user, Part, "view").filter(number__iexact=number).first()
        if part is None:
            raise forms.ValidationError(_("No part with this number in the stock."))
        return part.pk

    def service_kwargs(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        data["warranty"] = bool(self.cleaned_data.get("warranty"))
        data.setdefault("description", "")
        return data


class ApproveForm(BootstrapMixin, forms.Form):
    note = forms.CharField(
        label=_("how the customer approved"),
        max_length=200,
        help_text=_("e.g. signed at the desk, by phone at 10:30, WeChat."),
    )


class QualityCheckForm(BootstrapMixin, forms.Form):
    passed = forms.TypedChoiceField(
        label=_("result"),
        choices=[("1", _("Passed: ready for pick-up")), ("0", _("Failed: back to the workshop"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("quality check note"),
        required=False,
        max_length=200,
        help_text=_("Required when the check failed: what to redo."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["passed"].widget.attrs["class"] = "form-check-input"


# --- rescues ------------------------------------------------------------------------------------


class RescueFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("caller, location, plate or VIN"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"placeholder": _("caller, location, plate or VIN"), "type": "search"}
        ),
    )
    result = forms.ChoiceField(
        label=_("result"),
        required=False,
        choices=[("", _("All")), ("open", _("Not finished")), *RescueResult.choices],
    )
    date_from = forms.DateField(label=_("called from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("until"), required=False, widget=DateInput())


def _staff_users():
    from org.models import StaffMember

    return people_in(StaffMember.objects.filter(is_active=True), "user_id")


class RescueForm(BootstrapMixin, forms.Form):
    called_at = _when(_("call received at"))
    caller_name = forms.CharField(label=_("caller"), max_length=100)
    caller_phone = forms.CharField(label=_("caller's phone"), max_length=20)
    vehicle = VehicleField(required=False, help_text=_("If the car is in the customer file."))
    location = forms.CharField(label=_("location"), max_length=200)
    problem = forms.CharField(label=_("problem"), widget=forms.Textarea(attrs={"rows": 3}))
    dispatched = forms.ModelChoiceField(
        label=_("dispatched"), required=False, queryset=None, empty_label="—"
    )
    crew = forms.CharField(label=_("others in the crew"), max_length=200, required=False)
    departed_at = _when(_("left at"), required=False)
    arrived_at = _when(_("arrived at"), required=False)
    finished_at = _when(_("finished at"), required=False)
    result = forms.ChoiceField(
        label=_("result"), required=False, choices=[("", "—"), *RescueResult.choices]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["dispatched"].queryset = _staff_users()
        self.fields["dispatched"].label_from_instance = _person_label

    def clean_vehicle(self):
        return resolve_vehicle(self, self.user)

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["dispatched"] = data["dispatched"].pk if data.get("dispatched") else None
        return data


class RescueRepairOrderForm(BootstrapMixin, forms.Form):
    mileage = forms.IntegerField(label=_("mileage (km)"), min_value=0, max_value=2_000_000)
    concerns = forms.CharField(
        label=_("customer's concerns"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Empty: the rescue's problem."),
    )
