"""Forms of the claims area: warranty claims (create/edit, the state moves, photos), technical
cases, and the lists' filters. The services validate again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.models import CaseKind, ClaimStatus
from dealership.forms import BootstrapMixin, DateInput

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": 0}


class ClaimFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("Claim number, VIN or repair order")}),
    )
    status = forms.ChoiceField(
        label=_("status"), required=False, choices=[("", _("All states")), *ClaimStatus.choices]
    )
    date_from = forms.DateField(label=_("from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("until"), required=False, widget=DateInput())
    repair_order = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput())
    sort = forms.ChoiceField(
        label=_("sort"),
        required=False,
        choices=[
            ("", _("Newest first")),
            ("created", _("Oldest first")),
            ("-claimed", _("Largest claim first")),
            ("-submitted", _("Last submitted first")),
            ("number", _("Number")),
        ],
    )


class ClaimForm(BootstrapMixin, forms.Form):
    """The claim's warranty lines (checkboxes; lines claimed elsewhere are shown disabled),
    fault description and code."""

    lines = forms.MultipleChoiceField(
        label=_("warranty lines claimed"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    fault_description = forms.CharField(
        label=_("fault description"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    fault_code = forms.CharField(label=_("fault code"), max_length=30, required=False)

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        for line, taken in lines:
            label = f"{line.get_kind_display()} · {line.description} · ¥{line.amount}"
            if taken:
                label = f"{label} ({_('claimed in')} {taken})"
            choices.append((str(line.pk), label))
        self.fields["lines"].choices = choices
        self.fields["lines"].widget.attrs["class"] = "form-check-input"
        self.taken = {str(line.pk) for line, taken in lines if taken}

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "lines": [int(pk) for pk in data["lines"]],
            "fault_description": data["fault_description"],
            "fault_code": data.get("fault_code", ""),
        }


class SubmitForm(BootstrapMixin, forms.Form):
    submitted_on = forms.DateField(label=_("submitted on"), required=False, widget=DateInput())


class ApproveForm(BootstrapMixin, forms.Form):
    approved_amount = forms.DecimalField(label=_("amount approved (CNY)"), **MONEY)
    oem_reference = forms.CharField(label=_("OEM reference"), max_length=40)
    decided_on = forms.DateField(label=_("decided on"), required=False, widget=DateInput())


class RejectForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("reason rejected"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    oem_reference = forms.CharField(label=_("OEM reference"), max_length=40, required=False)
    decided_on = forms.DateField(label=_("decided on"), required=False, widget=DateInput())


class PayForm(BootstrapMixin, forms.Form):
    paid_amount = forms.DecimalField(label=_("amount paid (CNY)"), **MONEY)
    paid_on = forms.DateField(label=_("paid on"), widget=DateInput())


class PhotoForm(BootstrapMixin, forms.Form):
    photo = forms.FileField(
        label=_("photo of the fault"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


ACTION_FORMS = {
    "submit": SubmitForm,
    "approve": ApproveForm,
    "reject": RejectForm,
    "pay": PayForm,
}


# --- technical cases ----------------------------------------------------------------------------


class CaseFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("Title, VIN or repair order")}),
    )
    kind = forms.ChoiceField(
        label=_("kind"), required=False, choices=[("", _("All kinds")), *CaseKind.choices]
    )
    reported = forms.ChoiceField(
        label=_("reported to the OEM"),
        required=False,
        choices=[("", _("All")), ("yes", _("Reported")), ("no", _("Not reported yet"))],
    )
    date_from = forms.DateField(label=_("from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("until"), required=False, widget=DateInput())
    sort = forms.ChoiceField(
        label=_("sort"),
        required=False,
        choices=[
            ("", _("Newest first")),
            ("day", _("Oldest first")),
            ("-reported", _("Last reported first")),
            ("title", _("Title")),
        ],
    )


class CaseForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=CaseKind.choices)
    title = forms.CharField(label=_("title"), max_length=200)
    description = forms.CharField(
        label=_("description"), max_length=10000, widget=forms.Textarea(attrs={"rows": 5})
    )
    occurred_on = forms.DateField(label=_("day"), widget=DateInput())
    repair_order_number = forms.CharField(
        label=_("repair order number"), required=False, max_length=20
    )
    vin = forms.CharField(label=_("VIN"), required=False, max_length=17)
    reported_on = forms.DateField(
        label=_("reported to the OEM on"), required=False, widget=DateInput()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vin"].widget.attrs.update({"autocapitalize": "characters"})
