"""Forms of the follow-up calls: the filters of today's list and of all follow-ups, assigning a
specialist, the follow-up rules, and a contact check's answer. Choices list only what the
viewer may pick; the services check again."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from crm.models import ContactCheckState, EventKind, FollowUpSettings, FollowUpStatus
from crm.services.followups import SETTINGS_FIELDS, SPECIALISTS, assignable_positions
from dealership.forms import BootstrapMixin, DateInput
from org.access import user_access
from org.capabilities import Capability as C
from org.capabilities import DataScope

ALL_SPECIALIST_POSITIONS = tuple(
    sorted(
        {code for codes in SPECIALISTS.values() for code in codes} | {"customer_service_specialist"}
    )
)


def _name(user) -> str:
    return user.name or user.username


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _name(obj)


def specialists(*codes: str):
    """The people holding one of the follow-up positions ``codes`` today, by name."""
    from org.selectors import holder_ids

    return (
        get_user_model()
        .objects.filter(pk__in=holder_ids(*(codes or ALL_SPECIALIST_POSITIONS)))
        .order_by("name", "username")
    )


def sees_others(user) -> bool:
    """Does ``user`` see other people's follow-ups (a manager), not only their own?"""
    access = user_access(user)
    return access.is_system or access.scope_for(C.CRM_VIEW_FOLLOWUP) in (
        DataScope.DEPARTMENT,
        DataScope.DEALERSHIP,
    )


def may_assign(user) -> bool:
    """The CRM managers (dealership-wide ``crm.change_followup``) assign follow-ups."""
    access = user_access(user)
    return access.is_system or (
        access.writable and access.scope_for(C.CRM_CHANGE_FOLLOWUP) == DataScope.DEALERSHIP
    )


class _WithSpecialist(BootstrapMixin, forms.Form):
    specialist = PersonChoiceField(
        label=_("specialist"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("All specialists"),
    )
    kind = forms.ChoiceField(
        label=_("kind"), required=False, choices=[("", _("All kinds")), *EventKind.choices]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if sees_others(user):
            self.fields["specialist"].queryset = specialists()
        else:
            del self.fields["specialist"]

    def values(self) -> dict:
        """The valid filters (an invalid one is ignored and shown on the form)."""
        self.is_valid()
        data = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
        if data.get("specialist") is not None:
            data["specialist"] = data["specialist"].pk
        return data


class TodayFilterForm(_WithSpecialist):
    """Today's calls: by specialist (managers) and kind."""


class FollowUpFilterForm(_WithSpecialist):
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[("", _("All statuses (not called excluded)")), *FollowUpStatus.choices],
    )
    event_from = forms.DateField(label=_("day N from"), required=False, widget=DateInput())
    event_to = forms.DateField(label=_("day N to"), required=False, widget=DateInput())
    due_on = forms.DateField(
        label=_("on the call list of"),
        required=False,
        widget=DateInput(),
        help_text=_("The calls on that day's list (past or future)."),
    )

    field_order = ["status", "kind", "specialist", "event_from", "event_to", "due_on"]

    def clean(self):
        data = super().clean()
        start, end = data.get("event_from"), data.get("event_to")
        if start and end and start > end:
            self.add_error("event_to", _("The end date is before the start date."))
        return data


class AssignForm(BootstrapMixin, forms.Form):
    specialist = PersonChoiceField(
        label=_("specialist"), queryset=get_user_model().objects.none(), empty_label=None
    )

    def __init__(self, *args, followup, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialist"].queryset = specialists(*assignable_positions(followup.kind))
        if followup.specialist_id:
            self.fields["specialist"].initial = followup.specialist_id


class FollowUpSettingsForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = FollowUpSettings
        fields = list(SETTINGS_FIELDS)
        widgets = {"list_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def clean(self):
        data = super().clean()
        start, end = data.get("window_start"), data.get("window_end")
        if start is not None and end is not None and start > end:
            self.add_error(
                "window_end",
                _("The window cannot end before it starts (day N+%(n)s).") % {"n": start},
            )
        return data

    def _post_clean(self):
        # the model's checks run in the service
        pass

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in SETTINGS_FIELDS}


class ContactCheckFilterForm(BootstrapMixin, forms.Form):
    state = forms.ChoiceField(
        label=_("state"),
        required=False,
        choices=[("", _("All states")), *ContactCheckState.choices],
    )


class ContactReturnForm(BootstrapMixin, forms.Form):
    mobile = forms.CharField(
        label=_("verified mobile"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    note = forms.CharField(
        label=_("note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ContactCloseForm(BootstrapMixin, forms.Form):
    note = forms.CharField(
        label=_("why there are no new contact details"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
