"""Form pieces every module uses."""

from __future__ import annotations

from django import forms


class DateInput(forms.DateInput):
    """A browser date picker. ``<input type="date">`` accepts only ISO dates (2026-11-24), so the
    value is rendered in ISO format whatever the language (zh-Hans would give 2026/11/24)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class BootstrapMixin:
    """Bootstrap 5 classes on every widget of a form (``form-control``, ``form-select``,
    ``form-check-input``), so the platform's form template renders any module's form."""

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
