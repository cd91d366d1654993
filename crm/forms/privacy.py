"""Forms of crm: privacy — the filters of the log of phone numbers shown."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.selectors.privacy import phone_log_people
from dealership.forms import BootstrapMixin, DateInput


class PhoneLogFilterForm(BootstrapMixin, forms.Form):
    """Who saw, whose number, from and to (local dates). Invalid values are reported on the
    form and ignored."""

    user = forms.TypedChoiceField(label=_("shown to"), required=False, coerce=int, empty_value=None)
    customer = forms.CharField(
        label=_("customer"),
        required=False,
        max_length=100,
        help_text=_("A name, or #id."),
    )
    since = forms.DateField(label=_("from"), required=False, widget=DateInput())
    until = forms.DateField(label=_("to"), required=False, widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [
            ("", _("Everyone")),
            *((u.pk, u.name or u.username) for u in phone_log_people(user)),
        ]

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data
