from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from org.capabilities import DataScope
from org.models import Department, Position


class BootstrapMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            css = (
                "form-check-input"
                if isinstance(widget, forms.CheckboxInput)
                else "form-select"
                if isinstance(widget, forms.Select | forms.SelectMultiple)
                else "form-control"
            )
            widget.attrs.setdefault("class", css)


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


class StaffForm(BootstrapMixin, forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        regex=r"^[\w.@+-]+$",
        max_length=150,
        error_messages={"invalid": _("Use letters, digits and @ . + - _ only.")},
    )
    name = forms.CharField(label=_("Full name"), max_length=100)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    employee_no = forms.CharField(label=_("Employee number"), max_length=32)
    phone = forms.RegexField(
        label=_("Phone"),
        regex=r"^[0-9+\- ]{5,32}$",
        required=False,
        error_messages={"invalid": _("Enter a phone number (digits, spaces, + and -).")},
    )
    start_date = forms.DateField(
        label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    positions = forms.ModelMultipleChoiceField(
        label=_("Positions"), queryset=Position.objects.none()
    )
    primary = forms.ModelChoiceField(
        label=_("Primary position"), queryset=Position.objects.none(), required=False
    )
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to let the person set one with “Forgot your password?”."),
    )

    def __init__(self, *args, positions=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["positions"].queryset = positions
        self.fields["primary"].queryset = positions
        if editing:
            for name in ("username", "name", "email", "password", "start_date"):
                del self.fields[name]

    def clean_password(self):
        password = self.cleaned_data.get("password")
        if password:
            from django.contrib.auth.password_validation import validate_password

            validate_password(password)
        return password


class EndStaffForm(BootstrapMixin, forms.Form):
    end_date = forms.DateField(
        label=_("Last working day"), widget=forms.DateInput(attrs={"type": "date"})
    )


class CapabilityCellForm(forms.Form):
    position = forms.IntegerField()
    capability = forms.CharField(max_length=64)
    scope = forms.TypedChoiceField(
        choices=[("", "-")] + [(c.value, c.label) for c in DataScope if c != DataScope.GROUP],
        coerce=int,
        empty_value=None,
        required=False,
    )
