"""Forms of showroom traffic, leads, test drives and key accounts (Bootstrap classes, browser
date pickers). Choices of customers, leads, key accounts and consultants list only what the
user may pick; the services check again."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.forms.widgets import CustomerSearchSelect
from crm.models import Customer, CustomerKind, Source
from dealership.access import restricted_queryset
from dealership.forms import BootstrapMixin, DateInput
from org.access import user_access
from org.capabilities import Capability as C
from org.capabilities import DataScope
from sales.models import Intent, KeyAccount, Lead, LostReason, Stage, TestDrive, Visit, VisitKind

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeInput(forms.DateTimeInput):
    """A browser date-and-time picker (``<input type="datetime-local">``, ISO value)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


def _name(user) -> str:
    return user.name or user.username


def people_to_choose(user):
    """Whom ``user`` may make a row's consultant: people of their departments (a supervisor or
    manager), anyone working here (the GM); ``None`` for a consultant (always themselves)."""
    from org.models import StaffMember
    from sales.access_rules import department_users

    access = user_access(user)
    scope = access.scope_for(C.SALES_CHANGE_PROSPECT)
    people = get_user_model().objects.filter(
        pk__in=StaffMember.objects.filter(is_active=True).values("user_id")
    )
    if scope == DataScope.DEPARTMENT:
        people = people.filter(pk__in=department_users(access))
    elif scope != DataScope.DEALERSHIP:
        return None
    return people.order_by("name", "username")


def people_to_filter(user):
    """Consultants shown in a list's filter: none for a consultant (they see their own)."""
    from org.models import StaffMember
    from sales.access_rules import department_users

    access = user_access(user)
    scope = access.scope_for(C.SALES_VIEW_PROSPECT)
    if scope == DataScope.OWN:
        return None
    people = get_user_model().objects.filter(
        pk__in=StaffMember.objects.filter(is_active=True).values("user_id")
    )
    if scope == DataScope.DEPARTMENT:
        people = people.filter(pk__in=department_users(access))
    return people.order_by("name", "username")


def customers_to_choose(user, kind: str | None = None):
    rows = restricted_queryset(user, Customer, "view").order_by("name", "pk")
    return rows.filter(kind=kind) if kind else rows


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _name(obj)


class _ConsultantMixin:
    """Drops the consultant field for a consultant (they record their own)."""

    person_field = "consultant"

    def _people(self, user):
        people = people_to_choose(user)
        if people is None:
            del self.fields[self.person_field]
        else:
            self.fields[self.person_field].queryset = people
            self.fields[self.person_field].required = False


def _kwargs(form) -> dict:
    return {name: form.cleaned_data.get(name) for name in form.fields}


# --- visits -------------------------------------------------------------------------------------


class VisitForm(_ConsultantMixin, BootstrapMixin, forms.Form):
    visited_at = forms.DateTimeField(label=_("time"), widget=DateTimeInput())
    kind = forms.ChoiceField(label=_("kind"), choices=VisitKind.choices)
    consultant = PersonChoiceField(
        label=_("consultant"), queryset=get_user_model().objects.none(), required=False
    )
    customer = forms.ModelChoiceField(
        label=_("existing customer"),
        queryset=Customer._base_manager.none(),
        required=False,
        widget=CustomerSearchSelect(),
        help_text=_("Or type the name and mobile of the customer below."),
    )
    name = forms.CharField(label=_("customer's name"), max_length=100, required=False)
    mobile = forms.CharField(label=_("mobile"), max_length=30, required=False)
    party_size = forms.IntegerField(label=_("party size"), min_value=1, max_value=50, initial=1)
    source = forms.ChoiceField(label=_("source"), choices=Source.choices, initial=Source.WALK_IN)
    models_of_interest = forms.CharField(
        label=_("models of interest"), max_length=200, required=False
    )
    intent = forms.ChoiceField(label=_("intent level"), choices=Intent.choices, initial=Intent.C)
    next_contact_on = forms.DateField(
        label=_("next contact on"), required=False, widget=DateInput()
    )
    open_lead = forms.BooleanField(label=_("open a lead"), required=False, initial=True)
    notes = forms.CharField(
        label=_("notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("visited_at", timezone.localtime().replace(second=0))
        super().__init__(*args, **kwargs)
        self._people(user)
        self.fields["customer"].queryset = customers_to_choose(user)
        self.fields["mobile"].widget.attrs["inputmode"] = "tel"

    def service_kwargs(self) -> dict:
        return _kwargs(self)


class VisitEditForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Visit
        fields = [
            "kind",
            "visited_at",
            "left_at",
            "party_size",
            "source",
            "models_of_interest",
            "intent",
            "next_contact_on",
            "notes",
        ]
        widgets = {
            "visited_at": DateTimeInput(),
            "left_at": DateTimeInput(),
            "next_contact_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def _post_clean(self):
        pass  # the service validates

    def service_kwargs(self) -> dict:
        return _kwargs(self)


class VisitFilterForm(BootstrapMixin, forms.Form):
    day_from = forms.DateField(label=_("from"), required=False, widget=DateInput())
    day_to = forms.DateField(label=_("to"), required=False, widget=DateInput())
    consultant = PersonChoiceField(
        label=_("consultant"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("All consultants"),
    )
    kind = forms.ChoiceField(
        label=_("kind"), required=False, choices=[("", _("All kinds")), *VisitKind.choices]
    )
    intent = forms.ChoiceField(
        label=_("intent level"), required=False, choices=[("", _("All levels")), *Intent.choices]
    )
    q = forms.CharField(
        label=_("name or phone"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("name or phone"), "type": "search"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        people = people_to_filter(user)
        if people is None:
            del self.fields["consultant"]
        else:
            self.fields["consultant"].queryset = people


# --- leads --------------------------------------------------------------------------------------


class LeadForm(_ConsultantMixin, BootstrapMixin, forms.Form):
    customer = forms.ModelChoiceField(
        label=_("existing customer"),
        queryset=Customer._base_manager.none(),
        required=False,
        widget=CustomerSearchSelect(),
        help_text=_("Or type the name and mobile of the customer below."),
    )
    name = forms.CharField(label=_("customer's name"), max_length=100, required=False)
    mobile = forms.CharField(label=_("mobile"), max_length=30, required=False)
    consultant = PersonChoiceField(
        label=_("consultant"), queryset=get_user_model().objects.none(), required=False
    )
    source = forms.ChoiceField(label=_("source"), choices=Source.choices, initial=Source.WALK_IN)
    model_of_interest = forms.CharField(label=_("model of interest"), max_length=80, required=False)
    intent = forms.ChoiceField(label=_("intent level"), choices=Intent.choices, initial=Intent.B)
    next_contact_on = forms.DateField(
        label=_("next contact on"), required=False, widget=DateInput()
    )
    key_account = forms.ModelChoiceField(
        label=_("key account"), queryset=KeyAccount._base_manager.none(), required=False
    )
    notes = forms.CharField(
        label=_("notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._people(user)
        self.fields["customer"].queryset = customers_to_choose(user)
        self.fields["key_account"].queryset = restricted_queryset(
            user, KeyAccount, "view", KeyAccount.objects.select_related("customer")
        ).order_by("customer__name")
        self.fields["mobile"].widget.attrs["inputmode"] = "tel"

    def service_kwargs(self) -> dict:
        return _kwargs(self)


class LeadEditForm(_ConsultantMixin, BootstrapMixin, forms.ModelForm):
    consultant = PersonChoiceField(
        label=_("consultant"), queryset=get_user_model().objects.none(), required=False
    )
    key_account = forms.ModelChoiceField(
        label=_("key account"), queryset=KeyAccount._base_manager.none(), required=False
    )

    class Meta:
        model = Lead
        fields = [
            "consultant",
            "source",
            "model_of_interest",
            "intent",
            "next_contact_on",
            "key_account",
            "notes",
        ]
        widgets = {"next_contact_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._people(user)
        self.fields["key_account"].queryset = restricted_queryset(
            user, KeyAccount, "view", KeyAccount.objects.select_related("customer")
        ).order_by("customer__name")

    def _post_clean(self):
        pass

    def service_kwargs(self) -> dict:
        return _kwargs(self)


class ContactForm(BootstrapMixin, forms.Form):
    note = forms.CharField(
        label=_("what was talked about"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_contact_on = forms.DateField(
        label=_("next contact on"), required=False, widget=DateInput()
    )
    intent = forms.ChoiceField(
        label=_("intent level"),
        required=False,
        choices=[("", _("Unchanged")), *Intent.choices],
    )


class LoseForm(BootstrapMixin, forms.Form):
    reason = forms.ChoiceField(label=_("reason"), choices=LostReason.choices)
    note = forms.CharField(
        label=_("what happened"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ConfirmForm(forms.Form):
    """Nothing to fill in: the POST is the confirmation."""


class LeadFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("name or phone"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("name or phone"), "type": "search"}),
    )
    stage = forms.ChoiceField(
        label=_("stage"), required=False, choices=[("", _("All stages")), *Stage.choices]
    )
    intent = forms.ChoiceField(
        label=_("intent level"), required=False, choices=[("", _("All levels")), *Intent.choices]
    )
    consultant = PersonChoiceField(
        label=_("consultant"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("All consultants"),
    )
    source = forms.ChoiceField(
        label=_("source"), required=False, choices=[("", _("All sources")), *Source.choices]
    )
    overdue = forms.BooleanField(label=_("contact overdue"), required=False)
    sort = forms.ChoiceField(
        label=_("sort"),
        required=False,
        choices=[
            ("", _("Newest first")),
            ("next_contact", _("Next contact, earliest first")),
            ("-next_contact", _("Next contact, latest first")),
            ("oldest", _("Oldest first")),
        ],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        people = people_to_filter(user)
        if people is None:
            del self.fields["consultant"]
        else:
            self.fields["consultant"].queryset = people


# --- test drives --------------------------------------------------------------------------------

TESTDRIVE_WIDGETS = {
    "licence_expires_on": DateInput(),
    "starts_at": DateTimeInput(),
    "ends_at": DateTimeInput(),
    "feedback": forms.Textarea(attrs={"rows": 3}),
}


class TestDriveForm(BootstrapMixin, forms.ModelForm):
    __test__ = False

    lead = forms.ModelChoiceField(label=_("lead"), queryset=Lead._base_manager.none())

    class Meta:
        model = TestDrive
        fields = [
            "lead",
            "vehicle_model",
            "vehicle_plate",
            "licence_number",
            "licence_expires_on",
            "route",
            "starts_at",
            "ends_at",
            "feedback",
        ]
        widgets = TESTDRIVE_WIDGETS

    def __init__(self, *args, user, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if creating:
            self.fields["lead"].queryset = (
                restricted_queryset(user, Lead, "change", Lead.objects.select_related("customer"))
                .exclude(stage__in=[Stage.LOST, Stage.DELIVERED])
                .order_by("-pk")
            )
        else:
            del self.fields["lead"]
        self.fields["licence_number"].widget.attrs["maxlength"] = 18
        if creating:
            self.initial.setdefault("starts_at", timezone.localtime().replace(second=0))

    def _post_clean(self):
        pass

    def service_kwargs(self) -> dict:
        return _kwargs(self)


# --- key accounts -------------------------------------------------------------------------------


class KeyAccountForm(_ConsultantMixin, BootstrapMixin, forms.ModelForm):
    person_field = "manager"

    customer = forms.ModelChoiceField(
        label=_("company"),
        queryset=Customer._base_manager.none(),
        required=False,
        widget=CustomerSearchSelect(kind=CustomerKind.COMPANY),
        help_text=_("A company customer; or type the company's name below."),
    )
    name = forms.CharField(label=_("new company's name"), max_length=100, required=False)
    manager = PersonChoiceField(
        label=_("key-account manager"), queryset=get_user_model().objects.none(), required=False
    )
    contact_phone = forms.CharField(label=_("contact phone"), max_length=30, required=False)

    class Meta:
        model = KeyAccount
        fields = [
            "customer",
            "name",
            "contact_name",
            "contact_phone",
            "contact_title",
            "industry",
            "fleet_size",
            "manager",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self._people(user)
        if creating:
            self.fields["customer"].queryset = customers_to_choose(user, CustomerKind.COMPANY)
        else:
            del self.fields["customer"]
            del self.fields["name"]
        self.fields["contact_phone"].widget.attrs["inputmode"] = "tel"

    def _post_clean(self):
        pass

    def service_kwargs(self) -> dict:
        return _kwargs(self)


class SearchForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("search"), "type": "search"}),
    )
