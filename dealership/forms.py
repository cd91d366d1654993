"""Form pieces every module uses."""

from __future__ import annotations

from django import forms


class DateInput(forms.DateInput):
    """A browser date picker. ``<input type="date">`` accepts only ISO dates (2026-11-24), so the
    value is rendered in ISO format whatever the language (zh-Hans would give 2026/11/24)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
