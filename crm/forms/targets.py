"""Forms of the day-N+1 data checks and of the SSI / CSI targets and action items."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from crm.models import ActionState, DataCheckState, EventKind
from dealership.forms import BootstrapMixin, DateInput

NOTE = forms.CharField(label=_("note"), max_length=500, required=False)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name or obj.username


def active_staff():
    from org.models import StaffMember

    return (
        get_user_model()
        .objects.filter(pk__in=StaffMember.objects.filter(is_active=True).values("user_id"))
        .order_by("name", "username")
    )


# --- data checks --------------------------------------------------------------------------------


class DataCheckFilterForm(BootstrapMixin, forms.Form):
    state = forms.ChoiceField(
        label=_("state"),
        choices=[("", _("Every state")), *list(DataCheckState.choices)],
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("kind"),
        choices=[("", _("Sales and service")), *list(EventKind.choices)],
        required=False,
    )
    day = forms.DateField(label=_("listed on"), required=False, widget=DateInput)

    def values(self) -> dict:
        return self.cleaned_data if self.is_valid() else {}


class DataCheckNoteForm(BootstrapMixin, forms.Form):
    note = NOTE


class DataCheckCorrectForm(BootstrapMixin, forms.Form):
    """The details a specialist corrects (a subset of the call screen's)."""

    FIELDS = ("name", "mobile", "mobile_alt", "province", "city", "district", "street")

    name = forms.CharField(label=_("name"), max_length=100)
    mobile = forms.CharField(label=_("mobile"), max_length=30, required=False)
    mobile_alt = forms.CharField(label=_("second mobile"), max_length=30, required=False)
    province = forms.CharField(label=_("province"), max_length=50, required=False)
    city = forms.CharField(label=_("city"), max_length=50, required=False)
    district = forms.CharField(label=_("district"), max_length=50, required=False)
    street = forms.CharField(label=_("street address"), max_length=200, required=False)
    note = NOTE

    def __init__(self, data=None, *, customer=None):
        initial = {name: getattr(customer, name, "") for name in self.FIELDS} if customer else {}
        super().__init__(data, initial=initial)

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


# --- targets and action items ---------------------------------------------------------------------


class TargetForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("kind"),
        choices=[(EventKind.SALES, _("SSI (sales)")), (EventKind.SERVICE, _("CSI (service)"))],
    )
    month = forms.DateField(
        label=_("month"), widget=DateInput, help_text=_("Any day of the month.")
    )
    target_score = forms.DecimalField(
        label=_("target score (0–10)"), min_value=0, max_value=10, decimal_places=2
    )
    referral_target = forms.IntegerField(
        label=_("would-recommend target (%)"), min_value=0, max_value=100, required=False
    )
    note = NOTE

    def __init__(self, data=None, *, target=None):
        initial = {"month": dt.date.today().replace(day=1)}
        if target is not None:
            initial = {
                "kind": target.kind,
                "month": target.month,
                "target_score": target.target_score,
                "referral_target": target.referral_target,
                "note": target.note,
            }
        super().__init__(data, initial=initial)
        if target is not None:
            self.fields["kind"].disabled = True
            self.fields["month"].disabled = True


class ActionForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("action"), max_length=200)
    detail = forms.CharField(
        label=_("details"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    owner = PersonChoiceField(label=_("owner"), queryset=get_user_model().objects.none())
    due_on = forms.DateField(label=_("due on"), widget=DateInput)

    def __init__(self, data=None, *, action=None):
        initial = {}
        if action is not None:
            initial = {
                "title": action.title,
                "detail": action.detail,
                "owner": action.owner_id,
                "due_on": action.due_on,
            }
        super().__init__(data, initial=initial)
        self.fields["owner"].queryset = active_staff()


class ActionProgressForm(BootstrapMixin, forms.Form):
    state = forms.ChoiceField(label=_("state"), choices=ActionState.choices)
    result = forms.CharField(
        label=_("result"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, data=None, *, action=None, may_cancel=True):
        initial = {"state": action.state, "result": action.result} if action else {}
        super().__init__(data, initial=initial)
        if not may_cancel:
            self.fields["state"].choices = [
                c for c in ActionState.choices if c[0] != ActionState.CANCELLED
            ]


class MonthForm(forms.Form):
    month = forms.CharField(required=False, max_length=7)
