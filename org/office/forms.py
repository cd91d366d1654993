"""Forms of the admin office's pages (the services validate again)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dealership.forms import BootstrapMixin, DateInput
from org.models import Department, Position, StaffMember
from org.office.models import (
    ActionItem,
    Meeting,
    Notice,
    RotaShift,
    TrainingRecord,
    TrainingSession,
)


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.user.get_full_name()} ({obj.employee_no})"


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.user.get_full_name()} ({obj.employee_no})"


class PositionMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.department.name} · {obj.name}"


def _staff():
    return StaffMember.objects.filter(is_active=True).select_related("user").order_by("employee_no")


class NoticeForm(BootstrapMixin, forms.Form):
    number = forms.CharField(label=_("number"), max_length=50)
    title = forms.CharField(label=_("title"), max_length=200)
    kind = forms.ChoiceField(label=_("kind"), choices=Notice.Kind.choices)
    issuer = forms.CharField(label=_("issued by"), max_length=100, required=False)
    issued_on = forms.DateField(label=_("issued on"), widget=DateInput())
    body = forms.CharField(
        label=_("text"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    attachment = forms.FileField(
        label=_("attachment"), required=False, help_text=_("A PDF or a photo of the notice.")
    )
    positions = PositionMultipleChoiceField(
        label=_("distributed to positions"),
        queryset=Position.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )
    departments = forms.ModelMultipleChoiceField(
        label=_("and to every position of departments"),
        queryset=Department.objects.none(),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["positions"].queryset = Position.objects.select_related("department").order_by(
            "department__order", "order", "code"
        )
        self.fields["departments"].queryset = Department.objects.order_by("order", "code")

    def clean(self):
        data = super().clean()
        if not data.get("positions") and not data.get("departments") and not self.initial:
            raise forms.ValidationError(_("Choose the positions the notice goes to."))
        return data


class MeetingForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=Meeting.Kind.choices)
    title = forms.CharField(label=_("subject"), max_length=200)
    held_on = forms.DateField(label=_("date"), widget=DateInput())
    place = forms.CharField(label=_("place"), max_length=100, required=False)
    department = forms.ModelChoiceField(
        label=_("department"), queryset=Department.objects.none(), required=False
    )
    chair = StaffChoiceField(
        label=_("chaired by"), queryset=StaffMember.objects.none(), required=False
    )
    attendees = StaffMultipleChoiceField(
        label=_("attendees"),
        queryset=StaffMember.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )
    minutes = forms.CharField(
        label=_("minutes"), widget=forms.Textarea(attrs={"rows": 10}), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.order_by("order", "code")
        self.fields["chair"].queryset = _staff()
        self.fields["attendees"].queryset = _staff()


class ActionItemForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("action"), max_length=300)
    owner = StaffChoiceField(label=_("owner"), queryset=StaffMember.objects.none())
    due_on = forms.DateField(label=_("due on"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff()


class ActionItemStateForm(BootstrapMixin, forms.Form):
    state = forms.ChoiceField(label=_("state"), choices=ActionItem.State.choices)
    result = forms.CharField(label=_("result"), max_length=2000, required=False)


class TrainingSessionForm(BootstrapMixin, forms.Form):
    course = forms.CharField(label=_("course"), max_length=200)
    kind = forms.ChoiceField(label=_("kind"), choices=TrainingSession.Kind.choices)
    held_on = forms.DateField(label=_("date"), widget=DateInput())
    hours = forms.DecimalField(label=_("hours"), min_value=0, max_value=999, decimal_places=1)
    trainer = StaffChoiceField(
        label=_("trainer (colleague)"), queryset=StaffMember.objects.none(), required=False
    )
    trainer_name = forms.CharField(label=_("trainer (outside)"), max_length=100, required=False)
    source = forms.ModelChoiceField(
        label=_("passes on the session"),
        queryset=TrainingSession.objects.none(),
        required=False,
        help_text=_("For a re-training (转训): the session its trainer attended."),
    )
    department = forms.ModelChoiceField(
        label=_("department"), queryset=Department.objects.none(), required=False
    )
    trainees = StaffMultipleChoiceField(
        label=_("trainees"),
        queryset=StaffMember.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )
    content = forms.CharField(
        label=_("content"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainer"].queryset = _staff()
        self.fields["trainees"].queryset = _staff()
        self.fields["department"].queryset = Department.objects.order_by("order", "code")
        self.fields["source"].queryset = TrainingSession.objects.order_by("-held_on")


class TrainingResultForm(BootstrapMixin, forms.Form):
    result = forms.ChoiceField(label=_("check"), choices=TrainingRecord.Result.choices)
    score = forms.DecimalField(
        label=_("score"), min_value=0, max_value=100, decimal_places=1, required=False
    )
    recheck_due_on = forms.DateField(label=_("re-check due on"), widget=DateInput(), required=False)
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class AttendanceForm(BootstrapMixin, forms.Form):
    mark = forms.ChoiceField(
        label=_("attendance"), choices=[("", "—"), *RotaShift.Mark.choices], required=False
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)
