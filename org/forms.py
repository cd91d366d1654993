from __future__ import annotations

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dealership.forms import BootstrapMixin, DateInput
from org.capabilities import DataScope
from org.models import Department, Position
from org.services.letterhead import LOGO_MAX_BYTES, LOGO_MAX_SIDE


class DepartmentForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Department
        fields = ["code", "kind", "name_zh", "name_en", "order"]


class ResponsibilitiesField(forms.CharField):
    """One duty per line, Chinese then " | " then English (optional)."""

    widget = forms.Textarea(attrs={"rows": 8})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(f"{i.get('zh', '')} | {i.get('en', '')}".rstrip(" |") for i in value)
        return value

    def to_python(self, value):
        items = []
        for line in (value or "").splitlines():
            if not line.strip():
                continue
            zh, _sep, en = line.partition("|")
            items.append({"zh": zh.strip(), "en": en.strip()})
        return items


class PositionForm(BootstrapMixin, forms.ModelForm):
    # declared here so that building the form class runs no tenant query (the querysets are
    # set per request in __init__)
    department = forms.ModelChoiceField(label=_("department"), queryset=Department.objects.none())
    reports_to = forms.ModelChoiceField(
        label=_("reports to"), queryset=Position.objects.none(), required=False
    )
    responsibilities = ResponsibilitiesField(
        label=_("Responsibilities"),
        required=False,
        help_text=_(
            "One duty per line; write the Chinese text, then optionally “ | ” and the English text."
        ),
    )

    class Meta:
        model = Position
        fields = Position.EDITABLE_FIELDS

    def __init__(self, *args, departments=None, positions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["reports_to"].queryset = positions
        self.fields["reports_to"].required = False


class ColleagueChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        english = (get_language() or "").startswith("en")
        works_at = getattr(user, "works_at_en" if english else "works_at_zh", "")
        return f"{user.get_full_name()} · {works_at}" if works_at else user.get_full_name()


class StaffForm(BootstrapMixin, forms.Form):
    """Hire (a new login, or a colleague already working in the group) or edit a staff member.

    ``positions`` are the positions the actor may assign (plus, when editing, those the person
    holds now); ``locked_positions`` shows them read-only (the actor's own record, or a person
    holding positions beyond the actor's reach)."""

    colleague = ColleagueChoiceField(
        label=_("A colleague already working in our group"),
        queryset=None,
        required=False,
        empty_label=_("— nobody: create a new login —"),
        help_text=_(
            "Pick a person employed in another dealership of the group to give them access here "
            "with their own login; otherwise leave this empty and fill in the new login below."
        ),
    )
    username = forms.RegexField(
        label=_("Username"),
        regex=r"^[\w.@+-]+$",
        max_length=120,
        required=False,
        error_messages={"invalid": _("Use letters, digits and @ . + - _ only.")},
    )
    name = forms.CharField(label=_("Full name"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    employee_no = forms.CharField(label=_("Employee number"), max_length=32)
    phone = forms.RegexField(
        label=_("Phone"),
        regex=r"^[0-9+\- ]{5,32}$",
        required=False,
        error_messages={"invalid": _("Enter a phone number (digits, spaces, + and -).")},
    )
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    positions = forms.ModelMultipleChoiceField(label=_("Positions"), queryset=None)
    primary = forms.ModelChoiceField(label=_("Primary position"), queryset=None, required=False)
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "Leave empty: the person is sent a link to choose their own password (their "
            "e-mail address is needed for that)."
        ),
    )

    NEW_LOGIN_FIELDS = ("username", "name", "email", "password")

    def __init__(
        self,
        *args,
        positions=None,
        colleagues=None,
        login_prefix: str = "",
        editing=False,
        locked_positions: str = "",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["positions"].queryset = positions
        self.fields["primary"].queryset = positions
        if editing:
            for name in ("colleague", *self.NEW_LOGIN_FIELDS, "start_date"):
                del self.fields[name]
        else:
            self.fields["colleague"].queryset = colleagues
            self.fields["username"].help_text = _(
                "The login will be %(example)s: every login of this dealership starts with "
                "“%(prefix)s_”."
            ) % {"example": f"{login_prefix}_zhangwei", "prefix": login_prefix}
        if locked_positions:
            for name in ("positions", "primary"):
                self.fields[name].disabled = True
            self.fields["positions"].help_text = locked_positions

    def clean_password(self):
        password = self.cleaned_data.get("password")
        if password:
            from django.contrib.auth.password_validation import validate_password

            validate_password(password)
        return password

    def clean(self):
        data = super().clean()
        if "colleague" not in self.fields:
            return data
        typed = [name for name in self.NEW_LOGIN_FIELDS if data.get(name)]
        if data.get("colleague") is not None:
            if typed:
                raise forms.ValidationError(
                    _("Either pick a colleague of the group or type a new login, not both.")
                )
        else:
            for name in ("username", "name"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, forms.ValidationError(_("This field is required.")))
        return data


class EndStaffForm(BootstrapMixin, forms.Form):
    end_date = forms.DateField(label=_("Last working day"), widget=DateInput())


class CapabilityCellForm(forms.Form):
    position = forms.IntegerField()
    capability = forms.CharField(max_length=64)
    scope = forms.TypedChoiceField(
        choices=[("", "-")] + [(c.value, c.label) for c in DataScope if c != DataScope.GROUP],
        coerce=int,
        empty_value=None,
        required=False,
    )


class LetterheadForm(BootstrapMixin, forms.Form):
    """The dealership's letterhead: the address, a new logo or none (checked by the service:
    :func:`org.services.dealership_letterhead_update`)."""

    address = forms.CharField(
        label=_("Address"),
        max_length=255,
        required=False,
        help_text=_("Printed under the dealership's name on the customer's documents."),
    )
    logo = forms.FileField(
        label=_("New logo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(
        label=_("Remove the logo (the brand's name is printed in its place)"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["logo"].help_text = _(
            "PNG or JPEG, at most %(mb)d MB and %(side)d × %(side)d pixels; printed at most "
            "30 × 16 mm. A wide logo on a white or transparent background prints best."
        ) % {"mb": LOGO_MAX_BYTES // (1024 * 1024), "side": LOGO_MAX_SIDE}
