"""Forms of crm: outreach — the filters of the retention lists, reminders, members and SMS
campaigns, the reminder actions, joining / leaving the owner club, and the SMS campaign (its
audience filter as fields). Choices list only what the user may pick; the services check
again."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.forms.widgets import CustomerSearchSelect
from crm.models import Customer, ReminderKind, ReminderState, SmsCampaignState
from dealership.access import can, restricted_queryset
from dealership.forms import BootstrapMixin, DateInput


class MonthInput(forms.TextInput):
    """A browser month picker (``<input type="month">``, value ``YYYY-MM``)."""

    input_type = "month"


def _month(value: str) -> dt.date | None:
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        return None


class ConfirmForm(BootstrapMixin, forms.Form):
    """A confirmation (the POST itself is the decision)."""


class RetentionFilterForm(BootstrapMixin, forms.Form):
    month = forms.CharField(label=_("month"), required=False, widget=MonthInput())
    acknowledged = forms.ChoiceField(
        label=_("acknowledged"),
        required=False,
        choices=[
            ("", _("Acknowledged or not")),
            ("no", _("Not acknowledged yet")),
            ("yes", pgettext_lazy("retention list", "Acknowledged")),
        ],
    )

    def clean_month(self):
        value = self.cleaned_data.get("month", "")
        if value and _month(value) is None:
            raise forms.ValidationError(_("Give a month as YYYY-MM, e.g. 2026-03."))
        return _month(value) if value else None

    def selection(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        acknowledged = {"yes": True, "no": False}.get(data.get("acknowledged", ""))
        return {"month": data.get("month"), "acknowledged": acknowledged}


class ReminderFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("Name, mobile or plate")}),
    )
    kind = forms.ChoiceField(
        label=_("kind"), required=False, choices=[("", _("All kinds")), *ReminderKind.choices]
    )
    state = forms.ChoiceField(
        label=_("state"),
        required=False,
        choices=[("", _("All states")), *ReminderState.choices],
    )
    due_from = forms.DateField(label=_("due from"), required=False, widget=DateInput())
    due_to = forms.DateField(label=_("due until"), required=False, widget=DateInput())


class ReminderSmsForm(BootstrapMixin, forms.Form):
    text = forms.CharField(
        label=_("message"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Placeholders: {name}, {plate}, {model}, {dealership}, {due}."),
    )


class ReminderNoteForm(BootstrapMixin, forms.Form):
    note = forms.CharField(
        label=_("note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, note_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = note_required


class MemberFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("Name or member number")}),
    )
    status = forms.ChoiceField(
        label=_("members"),
        required=False,
        choices=[
            ("active", _("Current members")),
            ("left", _("Left the club")),
            ("all", _("All")),
        ],
    )


class CustomerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} (#{obj.pk})"


class MemberJoinForm(BootstrapMixin, forms.Form):
    customer = CustomerChoiceField(
        label=_("customer"),
        queryset=Customer._base_manager.none(),
        widget=CustomerSearchSelect(),
    )
    member_no = forms.CharField(
        label=_("member number"),
        max_length=30,
        required=False,
        help_text=_("Leave empty for the next number."),
    )
    joined_on = forms.DateField(label=_("joined on"), widget=DateInput())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and can(user, Customer, "view"):
            self.fields["customer"].queryset = restricted_queryset(user, Customer, "view").order_by(
                "name", "pk"
            )


class MemberLeaveForm(BootstrapMixin, forms.Form):
    left_on = forms.DateField(label=_("left on"), widget=DateInput())


class MemberLoginForm(BootstrapMixin, forms.Form):
    day = forms.DateField(label=_("logged in on"), widget=DateInput())


class SmsFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("search"), required=False, max_length=50)
    state = forms.ChoiceField(
        label=_("state"), required=False, choices=[("", _("All states")), *SmsCampaignState.choices]
    )


class SmsCampaignForm(BootstrapMixin, forms.Form):
    """A campaign: its name, message and audience (the saved filter, as fields)."""

    name = forms.CharField(label=pgettext_lazy("campaign", "name"), max_length=100)
    text = forms.CharField(
        label=_("message"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Placeholders: {name}, {plate}, {model}, {dealership}."),
    )
    model = forms.CharField(label=_("vehicle model contains"), max_length=80, required=False)
    delivered_from = forms.CharField(
        label=_("delivered from (month)"), required=False, widget=MonthInput()
    )
    delivered_to = forms.CharField(
        label=_("delivered until (month)"), required=False, widget=MonthInput()
    )
    maintenance_due = forms.BooleanField(label=_("maintenance due"), required=False)
    members_only = forms.BooleanField(label=_("owner-club members only"), required=False)

    AUDIENCE = ("model", "delivered_from", "delivered_to", "maintenance_due", "members_only")

    def __init__(self, *args, campaign=None, **kwargs):
        if campaign is not None and "initial" not in kwargs:
            kwargs["initial"] = {"name": campaign.name, "text": campaign.text, **campaign.audience}
        super().__init__(*args, **kwargs)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "text": data["text"],
            "audience": {key: data.get(key) for key in self.AUDIENCE if data.get(key)},
        }
