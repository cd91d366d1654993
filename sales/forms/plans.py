"""Forms of sales: plans — the day of the meeting sheet or the day confirmation, and the month's
target grid (one line per target: the department or a consultant, all models or one model)."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealership.forms import BootstrapMixin, DateInput
from sales.services.plans import MAX_UNITS


class DayForm(BootstrapMixin, forms.Form):
    day = forms.DateField(label=_("Day"), widget=DateInput())

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A day in the future has no numbers yet."))
        return day


class TargetRowForm(BootstrapMixin, forms.Form):
    consultant = forms.TypedChoiceField(
        label=_("Consultant"), coerce=int, empty_value=None, required=False
    )
    model = forms.CharField(label=_("Model"), max_length=80, required=False)
    units = forms.IntegerField(
        label=_("Units"),
        required=False,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_UNITS)],
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultant"].choices = [("", _("Department total")), *people]
        self.fields["model"].widget.attrs["placeholder"] = _("all models")


class BaseTargetFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        """The filled lines as ``targets_set`` rows (lines without units are left out)."""
        return [
            {
                "consultant": form.cleaned_data.get("consultant"),
                "model": form.cleaned_data.get("model", ""),
                "units": form.cleaned_data["units"],
            }
            for form in self.forms
            if form.cleaned_data.get("units") is not None
        ]


TargetFormSet = forms.formset_factory(
    TargetRowForm, formset=BaseTargetFormSet, extra=3, max_num=500, validate_max=True
)
