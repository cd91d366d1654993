"""Forms of crm (Bootstrap classes, browser date pickers); the services validate again."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from crm.forms.widgets import CustomerSearchSelect
from crm.models import Customer, CustomerKind, Source, Vehicle
from crm.services import CUSTOMER_FIELDS, VEHICLE_FIELDS
from crm.services.imports import MAX_BYTES, MAX_ROWS
from dealership.forms import BootstrapMixin, DateInput
from org.access import user_access
from org.capabilities import Capability as C
from org.capabilities import DataScope


def dealership_people():
    """Users working in the current dealership (active staff), by name."""
    from org.models import StaffMember

    return (
        get_user_model()
        .objects.filter(pk__in=StaffMember.objects.filter(is_active=True).values("user_id"))
        .order_by("name", "username")
    )


class CustomerForm(BootstrapMixin, forms.ModelForm):
    mobile = forms.CharField(label=_("mobile"), max_length=30, required=False)
    mobile_alt = forms.CharField(label=_("second mobile"), max_length=30, required=False)

    class Meta:
        model = Customer
        fields = list(CUSTOMER_FIELDS)
        widgets = {
            "consent_call_on": DateInput(),
            "consent_sms_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mobile"].widget.attrs["inputmode"] = "tel"
        scope = user_access(user).scope_for(C.CRM_CHANGE_CUSTOMER)
        if scope == DataScope.OWN:
            del self.fields["owner"]  # one's own customers only: the service makes them ours
        else:
            self.fields["owner"].queryset = dealership_people()
            self.fields["owner"].label_from_instance = lambda u: u.name or u.username

    def _post_clean(self):
        # the model's unique checks and cleaning run in the service (which normalises first)
        pass

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.fields}


class VehicleForm(BootstrapMixin, forms.ModelForm):
    owner = forms.ModelChoiceField(
        queryset=Customer.objects.none(),
        required=False,
        label=_("owner"),
        widget=CustomerSearchSelect(),
    )

    class Meta:
        model = Vehicle
        fields = list(VEHICLE_FIELDS)
        widgets = {"registration_date": DateInput()}

    def __init__(self, *args, user, creating: bool, customers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vin"].widget.attrs.update(
            {"maxlength": 17, "style": "text-transform:uppercase"}
        )
        if creating:
            self.fields["owner"].queryset = customers
        else:
            del self.fields["owner"]

    def _post_clean(self):
        pass

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.fields}


class TransferForm(BootstrapMixin, forms.Form):
    new_owner = forms.ModelChoiceField(
        queryset=Customer.objects.none(), label=_("new owner"), widget=CustomerSearchSelect()
    )
    on = forms.DateField(label=_("transferred on"), required=False, widget=DateInput())

    def __init__(self, *args, customers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_owner"].queryset = customers


class CustomerFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("name, phone, plate or VIN"), required=False, max_length=50)
    kind = forms.ChoiceField(
        label=_("kind"), required=False, choices=[("", _("All kinds")), *CustomerKind.choices]
    )
    source = forms.ChoiceField(
        label=_("source"), required=False, choices=[("", _("All sources")), *Source.choices]
    )
    tier = forms.ChoiceField(label=_("tier"), required=False, choices=[("", _("All tiers"))])

    def __init__(self, *args, **kwargs):
        from crm.models import CustomerTier

        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [
            ("", _("All tiers")),
            *((str(t.pk), t.name) for t in CustomerTier.objects.order_by("rank", "pk")),
        ]


class ImportForm(BootstrapMixin, forms.Form):
    file = forms.FileField(
        label=_("file (XLSX or CSV)"),
        help_text=_("At most %(mb)s MB and %(rows)s rows; the first row names the columns.")
        % {"mb": MAX_BYTES // (1024 * 1024), "rows": MAX_ROWS},
    )


class MergeForm(forms.Form):
    keep = forms.IntegerField(min_value=1)
    merge = forms.IntegerField(min_value=1)
