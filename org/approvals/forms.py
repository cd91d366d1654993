from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from dealership.forms import BootstrapMixin, DateInput
from org.approvals.models import ApprovalChain, ApproverType, Mode, StepApprover
from org.models import Position, PositionAssignment


class DecisionForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (StepApprover.Decision.APPROVE, _("Approve")),
            (StepApprover.Decision.REJECT, _("Reject")),
            (StepApprover.Decision.RETURN, _("Return for changes")),
        ],
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when you reject or return the request."),
    )


def _colleagues(dealership_id, exclude_user=None):
    users = get_user_model().objects.filter(
        pk__in=PositionAssignment.objects.filter(
            dealership_id=dealership_id, staff__is_active=True
        ).values("staff__user_id")
    )
    if exclude_user is not None:
        users = users.exclude(pk=exclude_user.pk)
    return users.order_by("name", "username")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class DelegationForm(BootstrapMixin, forms.Form):
    delegate = UserChoiceField(label=_("Delegate"), queryset=get_user_model().objects.none())
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("Until"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)

    def __init__(self, *args, dealership_id, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = _colleagues(dealership_id, exclude_user=user)


class ChainForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = ApprovalChain
        fields = ("due_working_days", "block_over_budget")


class StepForm(BootstrapMixin, forms.Form):
    label = forms.CharField(label=_("Label"), required=False, max_length=100)
    label_en = forms.CharField(label=_("Label (English)"), required=False, max_length=100)
    approver_type = forms.ChoiceField(label=_("Who decides"), choices=ApproverType.choices)
    position = forms.ModelChoiceField(
        label=_("Position"), queryset=Position.objects.none(), required=False
    )
    alternate = forms.ModelChoiceField(
        label=_("Or position"), queryset=Position.objects.none(), required=False
    )
    person = UserChoiceField(
        label=_("Person"), queryset=get_user_model().objects.none(), required=False
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=Mode.choices, initial=Mode.ANY)
    required_count = forms.IntegerField(label=_("How many"), min_value=1, max_value=50, initial=1)
    min_amount = forms.DecimalField(
        label=_("From amount"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    max_amount = forms.DecimalField(
        label=_("Below amount"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    notify_only = forms.BooleanField(label=_("Only informed"), required=False)

    def __init__(self, *args, dealership_id, **kwargs):
        super().__init__(*args, **kwargs)
        positions = Position.objects.filter(dealership_id=dealership_id).select_related(
            "department"
        )
        self.fields["position"].queryset = positions
        self.fields["alternate"].queryset = positions
        self.fields["person"].queryset = _colleagues(dealership_id)


StepFormSet = forms.formset_factory(StepForm, extra=1, can_delete=True, max_num=30)
