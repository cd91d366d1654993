"""Forms of the workshop: bays, assigning a job, and the filters of the bays list, the board and
the efficiency page. The services validate again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dealership.forms import BootstrapMixin, DateInput


class BayForm(BootstrapMixin, forms.Form):
    code = forms.CharField(label=_("code"), max_length=10)
    name = forms.CharField(label=pgettext_lazy("bay", "name"), max_length=50)
    is_active = forms.BooleanField(label=_("in use"), required=False, initial=True)

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class BayFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("search"), required=False, max_length=50)
    active = forms.ChoiceField(
        label=_("in use"),
        required=False,
        choices=[("", _("All bays")), ("1", _("In use")), ("0", _("Not in use"))],
    )
    sort = forms.ChoiceField(
        label=_("sort"),
        required=False,
        choices=[("", _("By code")), ("name", _("By name"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Bay code or name")


def _user_label(user) -> str:
    return user.name or user.username


class AssignForm(BootstrapMixin, forms.Form):
    technician = forms.TypedChoiceField(label=_("technician"), coerce=int)
    bay = forms.TypedChoiceField(label=_("bay"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, technicians=(), bays=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].choices = [("", "—")] + [
            (u.pk, _user_label(u)) for u in technicians
        ]
        self.fields["bay"].choices = [("", _("No bay"))] + [(b.pk, str(b)) for b in bays]


class BoardFilterForm(BootstrapMixin, forms.Form):
    technician = forms.TypedChoiceField(
        label=_("technician"), coerce=int, required=False, empty_value=None
    )
    bay = forms.TypedChoiceField(label=_("bay"), coerce=int, required=False, empty_value=None)
    by = forms.ChoiceField(
        label=_("group by"),
        required=False,
        choices=[("bay", _("By bay")), ("technician", _("By technician"))],
    )

    def __init__(self, *args, technicians=(), bays=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].choices = [("", _("All technicians"))] + [
            (u.pk, _user_label(u)) for u in technicians
        ]
        self.fields["bay"].choices = [("", _("All bays"))] + [(b.pk, str(b)) for b in bays]


class PeriodForm(BootstrapMixin, forms.Form):
    date_from = forms.DateField(label=_("from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("to"), required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period is before its start."))
        if start and end and (end - start).days > 366:
            self.add_error("date_to", _("Choose a period of at most a year."))
        return data


__all__ = ["AssignForm", "BayFilterForm", "BayForm", "BoardFilterForm", "PeriodForm"]
