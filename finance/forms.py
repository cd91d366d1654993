"""Forms of finance: one per kind of request (the request's subject, amount and description, the
kind's own fields, a file input per attachment), built from the kind's specification."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from dealership.forms import BootstrapMixin, DateInput
from finance import kinds as K
from finance import selectors

FILE_HELP = _("A PDF or a photo (JPEG, PNG, WebP, HEIC).")


class RequestFormBase(BootstrapMixin, forms.Form):
    spec: K.FinanceKind

    def __init__(self, *args, user, record=None, **kwargs):
        if record is not None and "initial" not in kwargs:
            request = record.request
            initial = {
                "subject": request.subject,
                "amount": request.amount,
                "description": request.description,
            }
            for name in self.spec.fields:
                value = getattr(record, name)
                initial[name] = getattr(value, "pk", value)
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.user, self.record = user, record
        attached = (
            set(record.request.attachments.values_list("purpose", flat=True)) if record else set()
        )
        for purpose in self.spec.attachments:
            self.fields[purpose].required = (
                purpose in self.spec.required and purpose not in attached
            )
            if purpose in attached:
                self.fields[purpose].help_text = _("Already attached; add another if needed.")
        if "advance" in self.fields:
            self.fields["advance"].queryset = selectors.advances_to_write_off(user)
            self.fields["advance"].label_from_instance = lambda a: (
                f"{a.request.subject} (¥{a.request.amount})"
            )
        if "promo_order" in self.fields:
            self.fields["promo_order"].queryset = selectors.approved_promo_orders(user)
        if "department" in self.fields:
            self.fields["department"].queryset = _budget_departments(user)

    def clean(self):
        data = super().clean()
        if data.get("type") == "write_off" and not data.get("advance"):
            self.add_error("advance", _("Choose the cash advance this writes off."))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {name: data.get(name) for name in self.spec.fields}
        kwargs["amount"] = data.get("amount")
        kwargs["description"] = data.get("description") or ""
        if "subject" in self.fields:
            kwargs["subject"] = data.get("subject", "")
        if "number" in kwargs and kwargs["number"] is None:
            kwargs["number"] = 0
        kwargs["files"] = {p: data.get(p) for p in self.spec.attachments if data.get(p)}
        return kwargs


def _budget_departments(user):
    from org.access import user_access
    from org.capabilities import Capability, DataScope
    from org.models import Department

    departments = Department.objects.order_by("order", "code")
    scope = user_access(user).scope_for(Capability.FINANCE_CHANGE_BUDGET)
    if scope is not None and scope < DataScope.DEALERSHIP:
        departments = departments.filter(pk__in=user_access(user).department_ids)
    return departments


def _model_fields(spec: K.FinanceKind) -> dict:
    widgets = {
        f.name: DateInput()
        for f in spec.model._meta.fields
        if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField)
    }
    widgets.update({"items": forms.Textarea(attrs={"rows": 3})})
    links = [f for f in spec.fields if spec.model._meta.get_field(f).is_relation]
    own = [f for f in spec.fields if f not in links]
    fields = forms.fields_for_model(spec.model, fields=own, widgets=widgets)
    for name in links:  # querysets are set per user when the form is made (a tenant scope)
        field = spec.model._meta.get_field(name)
        fields[name] = forms.ModelChoiceField(
            queryset=field.related_model._base_manager.none(),
            label=field.verbose_name,
            required=not field.null,
        )
    fields = {name: fields[name] for name in spec.fields}
    if "number" in fields:
        fields["number"].required = False
    return fields


def form_class(spec: K.FinanceKind) -> type[RequestFormBase]:
    attrs: dict = {"spec": spec}
    if spec.code != K.BUDGET:
        attrs["subject"] = forms.CharField(label=_("subject"), max_length=200)
    attrs["amount"] = forms.DecimalField(
        label=_("amount (CNY)"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=spec.request_kind.amount_required,
    )
    attrs.update(_model_fields(spec))
    attrs["description"] = forms.CharField(
        label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    for purpose in spec.attachments:
        attrs[purpose] = forms.FileField(
            label=spec.attachment_label(purpose),
            required=purpose in spec.required,
            help_text=FILE_HELP,
        )
    return type(f"{spec.model_name}Form", (RequestFormBase,), attrs)


FORMS = {code: form_class(spec) for code, spec in K.FINANCE_KINDS.items()}


class OemStateForm(BootstrapMixin, forms.Form):
    """Finance records what happened with the OEM (the steps the claim may take next)."""

    status = forms.ChoiceField(label=_("what happened with the OEM"))
    on = forms.DateField(label=_("on"), widget=DateInput())
    claim_no = forms.CharField(
        label=_("OEM claim number"),
        max_length=64,
        required=False,
        help_text=_("The number the OEM gave the claim, when submitted."),
    )
    amount = forms.DecimalField(
        label=_("amount (CNY)"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text=_(
            "Approved: the amount the OEM accepts. Paid: what it paid (the approved "
            "amount when empty)."
        ),
    )
    reason = forms.CharField(
        label=_("OEM's reason"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("When the OEM rejected the claim."),
    )

    def __init__(self, *args, steps=(), **kwargs):
        from finance.models import AdClaim

        super().__init__(*args, **kwargs)
        labels = dict(AdClaim.OemStatus.choices)
        self.fields["status"].choices = [(s, labels[s]) for s in steps]

    def clean(self):
        data = super().clean()
        status = data.get("status")
        if status == "approved" and data.get("amount") is None:
            self.add_error("amount", _("Enter the amount the OEM approved."))
        if status == "rejected" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the OEM rejected the claim."))
        return data


class InstallForm(BootstrapMixin, forms.Form):
    """The handler records the installation; at height, with the safety agreement."""

    agreement = forms.FileField(
        label=_("Safety agreement with the installer"), required=False, help_text=FILE_HELP
    )

    def __init__(self, *args, needs_agreement=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreement"].required = needs_agreement
        if needs_agreement:
            self.fields["agreement"].help_text = _(
                "Work at height: the agreement signed with the installer is required. %(help)s"
            ) % {"help": FILE_HELP}
