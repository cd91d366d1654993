"""Forms of crm: marketing — the advertising plan and its lines, the marketing event (proposal,
execution plan, summary), invitations and their replies, evidence files, the
competitor-advertising log, and the filters of their lists. The services check everything
again."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.forms.intelligence import MonthField
from crm.forms.outreach import CustomerChoiceField
from crm.forms.widgets import CustomerSearchSelect
from crm.models import (
    AdChannel,
    Customer,
    EventState,
    EvidenceKind,
    InvitationChannel,
    InvitationReply,
    MarketingEvent,
    MarketingEventKind,
    PlanState,
)
from dealership.access import can, restricted_queryset
from dealership.forms import BootstrapMixin, DateInput


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def _yuan_field(label, required=True):
    return forms.DecimalField(
        label=label,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        localize=False,
        required=required,
    )


def _count_field(label, required=True, **kwargs):
    return forms.IntegerField(
        label=label, min_value=0, max_value=1_000_000, required=required, **kwargs
    )


class _Initial:
    FIELDS: tuple[str, ...] = ()

    def _initial_from(self, obj, kwargs):
        if obj is not None and "initial" not in kwargs:
            initial = {}
            for name in self.FIELDS:
                value = getattr(obj, name, None)
                if hasattr(value, "tzinfo") and value is not None and hasattr(value, "hour"):
                    value = timezone.localtime(value)
                initial[name] = value
            kwargs["initial"] = initial
        return kwargs

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


# --- lists --------------------------------------------------------------------------------------


class PlanFilterForm(BootstrapMixin, forms.Form):
    state = forms.ChoiceField(
        label=_("state"), required=False, choices=[("", _("All states")), *PlanState.choices]
    )

    def selection(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {"state": data.get("state", "")}


class EventFilterForm(BootstrapMixin, forms.Form):
    month = MonthField(label=_("month"), required=False)
    state = forms.ChoiceField(
        label=_("state"), required=False, choices=[("", _("All states")), *EventState.choices]
    )
    kind = forms.ChoiceField(
        label=_("kind"),
        required=False,
        choices=[("", _("All kinds")), *MarketingEventKind.choices],
    )

    def selection(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "month": data.get("month"),
            "state": data.get("state", ""),
            "kind": data.get("kind", ""),
        }


class CompetitorAdFilterForm(BootstrapMixin, forms.Form):
    month = MonthField(label=_("month"), required=False)
    q = forms.CharField(label=_("search"), required=False, max_length=50)

    def selection(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {"month": data.get("month"), "q": data.get("q", "")}


# --- the advertising plan -----------------------------------------------------------------------


class AdvertisingPlanForm(_Initial, BootstrapMixin, forms.Form):
    month = MonthField(label=_("month"), help_text=_("The month planned (usually next month)."))
    title = forms.CharField(label=_("title"), max_length=120)
    notes = forms.CharField(
        label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    event = forms.ModelChoiceField(
        label=_("event proposal attached"),
        required=False,
        queryset=MarketingEvent._base_manager.none(),
        help_text=_("The draft proposal of the promotion or customer event the plan carries."),
    )

    FIELDS = ("month", "title", "notes", "event")

    def __init__(self, *args, plan=None, user=None, **kwargs):
        kwargs = self._initial_from(plan, kwargs)
        if plan is not None and plan.month:
            kwargs["initial"]["month"] = f"{plan.month:%Y-%m}"
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["event"].queryset = (
                restricted_queryset(user, MarketingEvent, "view")
                .exclude(state__in=(EventState.REJECTED, EventState.CANCELLED))
                .order_by("-starts_at")
            )


class PlanLineForm(BootstrapMixin, forms.Form):
    channel = forms.ChoiceField(label=_("channel"), choices=AdChannel.choices)
    description = forms.CharField(label=_("description"), max_length=200)
    starts_on = forms.DateField(label=_("from"), widget=DateInput())
    ends_on = forms.DateField(label=_("until"), widget=DateInput())
    cost = _yuan_field(_("cost (yuan)"))

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class PlanSentForm(BootstrapMixin, forms.Form):
    sent_on = forms.DateField(
        label=_("sent to the OEM on"),
        widget=DateInput(),
        help_text=_("Due by the 15th of the month before the plan's."),
    )


# --- marketing events ---------------------------------------------------------------------------


class MarketingEventForm(_Initial, BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=MarketingEventKind.choices)
    theme = forms.CharField(label=_("theme"), max_length=120)
    purpose = forms.CharField(label=_("purpose"), widget=forms.Textarea(attrs={"rows": 2}))
    starts_at = forms.DateTimeField(label=_("starts at"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("ends at"), widget=DateTimeInput())
    place = forms.CharField(label=_("place"), max_length=200)
    audience = forms.CharField(
        label=_("audience"),
        max_length=200,
        help_text=_("Who the event is for, e.g. owner-club members, prospects of the model."),
    )
    publicity = forms.CharField(
        label=_("publicity"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("How the event is announced: articles, advertisements, SMS …"),
    )
    budget = _yuan_field(_("budget (yuan)"))
    expected_effect = forms.CharField(
        label=_("expected effect"), widget=forms.Textarea(attrs={"rows": 2})
    )
    expected_attendance = _count_field(_("expected attendance"), initial=0)
    expected_leads = _count_field(_("expected leads"), initial=0)

    FIELDS = (
        "kind",
        "theme",
        "purpose",
        "starts_at",
        "ends_at",
        "place",
        "audience",
        "publicity",
        "budget",
        "expected_effect",
        "expected_attendance",
        "expected_leads",
    )

    def __init__(self, *args, event=None, **kwargs):
        super().__init__(*args, **self._initial_from(event, kwargs))

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end < start:
            self.add_error("ends_at", _("The event cannot end before it starts."))
        return data


class ExecutionPlanForm(_Initial, BootstrapMixin, forms.Form):
    execution_plan = forms.CharField(
        label=_("execution plan"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Details, materials, advertising, people, schedule, risks."),
    )

    FIELDS = ("execution_plan",)

    def __init__(self, *args, event=None, **kwargs):
        super().__init__(*args, **self._initial_from(event, kwargs))


class EventSummaryForm(_Initial, BootstrapMixin, forms.Form):
    actual_attendance = _count_field(
        _("actual attendance"),
        required=False,
        help_text=_("Leave empty to count the guests marked attended."),
    )
    leads_reported = _count_field(_("leads reported"))
    orders_reported = _count_field(_("orders reported"))
    actual_cost = _yuan_field(_("actual cost (yuan)"))
    summary = forms.CharField(
        label=_("summary"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Direct effect against the expected one, lessons, what to improve."),
    )

    FIELDS = ("actual_attendance", "leads_reported", "orders_reported", "actual_cost", "summary")

    def __init__(self, *args, event=None, **kwargs):
        super().__init__(*args, **self._initial_from(event, kwargs))


class InvitationForm(BootstrapMixin, forms.Form):
    customer = CustomerChoiceField(
        label=_("customer"),
        queryset=Customer._base_manager.none(),
        widget=CustomerSearchSelect(),
    )
    channel = forms.ChoiceField(label=_("channel"), choices=InvitationChannel.choices)
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and can(user, Customer, "view"):
            self.fields["customer"].queryset = restricted_queryset(user, Customer, "view").order_by(
                "name", "pk"
            )


class InviteMembersForm(BootstrapMixin, forms.Form):
    channel = forms.ChoiceField(
        label=_("channel"), choices=InvitationChannel.choices, initial=InvitationChannel.SMS
    )


class ReplyForm(BootstrapMixin, forms.Form):
    reply = forms.ChoiceField(label=_("reply"), choices=InvitationReply.choices)
    guests = forms.IntegerField(label=_("guests"), min_value=1, max_value=20, required=False)


class AttendanceForm(forms.Form):
    attended = forms.TypedChoiceField(
        choices=[("yes", _("Came")), ("no", _("Did not come"))],
        coerce=lambda value: value == "yes",
    )


class EvidenceForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=EvidenceKind.choices)
    file = forms.FileField(
        label=_("file"), help_text=_("A PDF or a photo (JPEG, PNG, WebP, HEIC).")
    )


# --- the competitor-advertising log -------------------------------------------------------------


class CompetitorAdForm(_Initial, BootstrapMixin, forms.Form):
    brand = forms.CharField(label=_("competitor brand"), max_length=50)
    channel = forms.ChoiceField(label=_("channel"), choices=AdChannel.choices)
    medium = forms.CharField(
        label=_("medium"), max_length=100, help_text=_("The newspaper, station, site or place.")
    )
    size = forms.CharField(label=_("size or slot"), max_length=100, required=False)
    published_on = forms.DateField(label=_("published on"), widget=DateInput())
    cost_estimate = _yuan_field(_("estimated cost (yuan)"), required=False)
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    FIELDS = ("brand", "channel", "medium", "size", "published_on", "cost_estimate", "note")

    def __init__(self, *args, ad=None, **kwargs):
        super().__init__(*args, **self._initial_from(ad, kwargs))
