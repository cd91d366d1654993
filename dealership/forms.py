"""Form pieces every module uses."""

from __future__ import annotations

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _


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


class AuditFilterForm(BootstrapMixin, forms.Form):
    """The audit log's filters: who (the actor's name or login), what (object type, action) and
    when (a date range, in the dealership's local dates). Invalid values are reported on the
    form and ignored."""

    who = forms.CharField(label=_("changed by"), required=False, max_length=100)
    object_type = forms.ChoiceField(label=_("object type"), required=False)
    action = forms.ChoiceField(label=_("action"), required=False)
    date_from = forms.DateField(label=_("from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("to"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        from dealership.audit import object_type_choices
        from dealership.models import AuditEntry

        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", _("All object types")), *object_type_choices()]
        self.fields["action"].choices = [("", _("All actions")), *AuditEntry.Action.choices]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filter(self, queryset):
        """``queryset`` narrowed by the fields that are valid."""
        self.is_valid()
        data = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
        if data.get("who"):
            who = data["who"]
            queryset = queryset.filter(
                models.Q(actor__name__icontains=who) | models.Q(actor__username__icontains=who)
            )
        if data.get("object_type"):
            queryset = queryset.filter(object_type=data["object_type"])
        if data.get("action"):
            queryset = queryset.filter(action=data["action"])
        if data.get("date_from"):
            queryset = queryset.filter(created_at__date__gte=data["date_from"])
        if data.get("date_to"):
            queryset = queryset.filter(created_at__date__lte=data["date_to"])
        return queryset
