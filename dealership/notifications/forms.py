from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from dealership.forms import BootstrapMixin, DateInput
from dealership.notifications import recipients
from dealership.notifications.kinds import Email, all_kinds
from dealership.notifications.models import WeComRobot


class NotificationFilterForm(BootstrapMixin, forms.Form):
    show = forms.ChoiceField(
        label=_("Show"),
        choices=[("", _("All notifications")), ("unread", _("Unread"))],
        required=False,
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds"))] + [
            (kind.code, kind.name) for kind in all_kinds()
        ]

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "unread_only": data.get("show") == "unread",
            "kind": data.get("kind") or "",
            "since": data.get("since"),
            "until": data.get("until"),
        }


class PreferencesForm(forms.Form):
    """One e-mail choice and one WeCom box per kind; kinds nobody may turn off are shown but
    not editable."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for kind, channels, _chosen in rows:
            email = forms.ChoiceField(
                label=kind.name,
                choices=Email.choices,
                initial=channels.email,
                disabled=not kind.optional,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            wecom = forms.BooleanField(
                label=_("WeCom group"),
                required=False,
                initial=channels.wecom,
                disabled=not kind.optional,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )
            self.fields[f"{kind.code}__email"] = email
            self.fields[f"{kind.code}__wecom"] = wecom
            self.rows.append((kind, self[f"{kind.code}__email"], self[f"{kind.code}__wecom"]))

    def choices(self) -> dict[str, tuple[str, bool]]:
        return {
            kind.code: (
                self.cleaned_data[f"{kind.code}__email"],
                self.cleaned_data[f"{kind.code}__wecom"],
            )
            for kind, _email, _wecom in self.rows
            if kind.optional
        }


class RobotForm(BootstrapMixin, forms.ModelForm):
    webhook_url = forms.URLField(
        label=capfirst(_("webhook address")),
        max_length=500,
        assume_scheme="https",
        help_text=_("The robot's webhook address from the WeCom group settings."),
    )

    class Meta:
        model = WeComRobot
        fields = ("name", "audience", "webhook_url", "is_active")
        widgets = {"audience": forms.Select()}

    def __init__(self, *args, dealership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience"].widget.choices = [
            ("", _("The whole dealership")),
            *recipients.audience_choices(dealership),
        ]
        self.fields["webhook_url"].widget.attrs["placeholder"] = (
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"
        )

    def _post_clean(self):
        """Uniqueness and the address's host are checked by the service, in its transaction."""
