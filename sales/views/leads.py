"""HTML views of sales: showroom traffic (来店来电), leads (with contacts, lost-lead requests and
reactivation), test drives and key accounts (大客户), and the dashboard panel "Leads to
contact". Customers' phone numbers are masked for people without ``crm.view_customer_phone``;
pages show only the links and buttons their viewer may use."""

from __future__ import annotations

from django.urls import NoReverseMatch, path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.access_rules import may_see_phone
from crm.models import Customer
from crm.selectors import shown_phone
from crm.services.privacy import phone_shown
from dealership.access import can, permitted_ids
from dealership.registry import Widget, register_widget
from dealership.views import ScopedDetailView, ScopedListView, ServiceFormView
from sales import services
from sales.forms.leads import (
    ConfirmForm,
    ContactForm,
    KeyAccountForm,
    LeadEditForm,
    LeadFilterForm,
    LeadForm,
    LoseForm,
    SearchForm,
    TestDriveForm,
    VisitEditForm,
    VisitFilterForm,
    VisitForm,
)
from sales.models import STAGE_ORDER, KeyAccount, Lead, Quote, Stage, TestDrive, Visit
from sales.selectors import leads as selectors
from sales.tables.leads import KeyAccountTable, LeadTable, TestDriveTable, VisitTable


def _url(name: str, query: str = "") -> str | None:
    """The URL named ``name`` (another area's page may not exist yet), else None."""
    try:
        return reverse(name) + query
    except NoReverseMatch:
        return None


def _may_change(user, obj) -> bool:
    return bool(permitted_ids(user, type(obj), "change", [obj.pk]))


class _FilteredList(ScopedListView):
    filter_class = None

    def filter_data(self) -> dict:
        self.filter_form = self.filter_class(self.request.GET or None, user=self.request.user)
        return self.filter_form.cleaned_data if self.filter_form.is_valid() else {}

    def get_table_kwargs(self):
        return {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["may_add"] = can(self.request.user, self.model, "add")
        context["may_view_quotes"] = can(self.request.user, Quote, "view")
        return context


# --- showroom traffic ---------------------------------------------------------------------------


class VisitListView(_FilteredList):
    model = Visit
    table_class = VisitTable
    filter_class = VisitFilterForm
    template_name = "sales/leads/visit_list.html"

    def get_queryset(self):
        # the day range defaults to today; a submitted empty range shows every day
        query = self.request.GET.copy()
        if "day_from" not in query and "day_to" not in query:
            today = timezone.localdate().isoformat()
            query.update({"day_from": today, "day_to": today})
        self.filter_form = VisitFilterForm(query, user=self.request.user)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.visits_for_user(
            self.request.user,
            day_from=data.get("day_from"),
            day_to=data.get("day_to"),
            consultant=data.get("consultant"),
            kind=data.get("kind", ""),
            intent=data.get("intent", ""),
            q=data.get("q", ""),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["today_count"] = selectors.visits_today_count(self.request.user)
        return context


class VisitDetailView(ScopedDetailView):
    model = Visit
    template_name = "sales/leads/visit_detail.html"

    def base_queryset(self):
        return Visit.objects.select_related("customer", "consultant", "lead")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, visit = self.request.user, self.object
        context["mobile"] = phone_shown(
            user=user, customer=visit.customer, context=self.request.path
        )
        context["may_change"] = _may_change(user, visit)
        context["lead_ids"] = permitted_ids(user, Lead, "view", [visit.lead_id])
        context["customer_ids"] = permitted_ids(user, Customer, "view", [visit.customer_id])
        return context


class VisitFormView(ServiceFormView):
    model = Visit
    success_url = reverse_lazy("sales:visit_list")

    def get_title(self, obj):
        return _("New showroom visit") if obj is None else _("Change visit: %(v)s") % {"v": obj}

    def cancel_url(self, obj):
        return obj.get_absolute_url() if obj is not None else str(self.success_url)

    def get_form(self, obj, data=None):
        if obj is None:
            return VisitForm(data, user=self.request.user)
        return VisitEditForm(data, instance=obj)

    def save(self, form, obj):
        kwargs = form.service_kwargs()
        if obj is None:
            return services.visit_create(actor=self.request.user, **kwargs)
        return services.visit_update(actor=self.request.user, visit_id=obj.pk, **kwargs)


# --- leads --------------------------------------------------------------------------------------


class LeadListView(_FilteredList):
    model = Lead
    table_class = LeadTable
    filter_class = LeadFilterForm
    template_name = "sales/leads/lead_list.html"

    def get_queryset(self):
        data = self.filter_data()
        return selectors.leads_for_user(
            self.request.user,
            stage=data.get("stage", ""),
            intent=data.get("intent", ""),
            consultant=data.get("consultant"),
            source=data.get("source", ""),
            overdue=bool(data.get("overdue")),
            q=data.get("q", ""),
            sort=data.get("sort", ""),
        )

    def get_table_kwargs(self):
        return {**super().get_table_kwargs(), "today": timezone.localdate()}


def stage_bar(lead: Lead) -> list[tuple[str, str, str]]:
    """The stages as (value, label, state) with state done / current / todo."""
    reached = lead.stage_before_lost if lead.stage == Stage.LOST else lead.stage
    rank = STAGE_ORDER.index(reached) if reached in STAGE_ORDER else 0
    bar = []
    for n, stage in enumerate(STAGE_ORDER):
        state = "done" if n < rank else "current" if n == rank else "todo"
        bar.append((stage.value, stage.label, state))
    return bar


class LeadDetailView(ScopedDetailView):
    model = Lead
    template_name = "sales/leads/lead_detail.html"

    def base_queryset(self):
        return selectors.lead_detail_queryset()

    def get_context_data(self, **kwargs):
        from sales.models import Order

        context = super().get_context_data(**kwargs)
        user, lead = self.request.user, self.object
        context["mobile"] = phone_shown(
            user=user, customer=lead.customer, context=self.request.path
        )
        context["stages"] = stage_bar(lead)
        may_change = _may_change(user, lead)
        context["may_change"] = may_change
        context["pending"] = services.lost_request_pending(lead)
        context["may_work"] = may_change and lead.is_open
        context["may_lose"] = context["may_work"] and not context["pending"]
        context["may_reactivate"] = may_change and lead.stage == Stage.LOST
        context["customer_ids"] = permitted_ids(user, Customer, "view", [lead.customer_id])
        context["visits"] = list(
            restricted_queryset_or_none(user, Visit, lead.visits.select_related("consultant"))
        )
        context["test_drives"] = list(
            restricted_queryset_or_none(user, TestDrive, lead.test_drives.order_by("-starts_at"))
        )
        context["may_add_testdrive"] = context["may_work"] and can(user, TestDrive, "add")
        context["quotes"] = list(restricted_queryset_or_none(user, Quote, lead.quotes.all()))
        context["orders"] = list(restricted_queryset_or_none(user, Order, lead.orders.all()))
        context["may_view_quotes"] = can(user, Quote, "view")
        context["may_view_orders"] = can(user, Order, "view")
        query = f"?lead={lead.pk}"
        context["quote_create_url"] = (
            _url("sales:quote_create", query)
            if context["may_work"] and can(user, Quote, "add")
            else None
        )
        context["order_create_url"] = (
            _url("sales:order_create", query)
            if context["may_work"] and can(user, Order, "add")
            else None
        )
        context["key_account_ids"] = permitted_ids(user, KeyAccount, "view", [lead.key_account_id])
        context["request_url"] = (
            lead.lost_request.get_absolute_url() if lead.lost_request_id else None
        )
        return context


def restricted_queryset_or_none(user, model, queryset):
    """The rows of ``queryset`` the user may see; none when they may not see the model."""
    from dealership.access import restricted_queryset

    if not can(user, model, "view"):
        return model._default_manager.none()
    return restricted_queryset(user, model, "view", queryset)


class LeadFormView(ServiceFormView):
    model = Lead
    success_url = reverse_lazy("sales:lead_list")

    def get_title(self, obj):
        return _("New lead") if obj is None else _("Change lead: %(lead)s") % {"lead": obj}

    def cancel_url(self, obj):
        return obj.get_absolute_url() if obj is not None else str(self.success_url)

    def get_form(self, obj, data=None):
        if obj is None:
            initial = {}
            customer = self.request.GET.get("customer", "")
            if customer.isdigit():
                initial["customer"] = int(customer)
            return LeadForm(data, initial=initial, user=self.request.user)
        return LeadEditForm(data, instance=obj, user=self.request.user)

    def save(self, form, obj):
        kwargs = form.service_kwargs()
        if obj is None:
            return services.lead_create(actor=self.request.user, **kwargs)
        return services.lead_update(actor=self.request.user, lead_id=obj.pk, **kwargs)


class _LeadActionView(ServiceFormView):
    model = Lead

    def cancel_url(self, obj):
        return obj.get_absolute_url()


class LeadContactView(_LeadActionView):
    def get_title(self, obj):
        return _("Log a contact: %(lead)s") % {"lead": obj}

    def get_form(self, obj, data=None):
        return ContactForm(data, initial={"intent": ""})

    def save(self, form, obj):
        data = form.cleaned_data
        return services.lead_contact(
            actor=self.request.user,
            lead_id=obj.pk,
            note=data["note"],
            next_contact_on=data.get("next_contact_on"),
            intent=data.get("intent") or None,
        )


class LeadLoseView(_LeadActionView):
    def get_title(self, obj):
        return _("Lost lead (needs the sales manager's approval): %(lead)s") % {"lead": obj}

    def get_form(self, obj, data=None):
        return LoseForm(data)

    def save(self, form, obj):
        return services.lead_lose(
            actor=self.request.user,
            lead_id=obj.pk,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data.get("note", ""),
        )


class LeadReactivateView(_LeadActionView):
    template_name = "sales/leads/confirm.html"

    def get_title(self, obj):
        return _("Reactivate lead: %(lead)s") % {"lead": obj}

    def get_form(self, obj, data=None):
        return ConfirmForm(data)

    def save(self, form, obj):
        return services.lead_reactivate(actor=self.request.user, lead_id=obj.pk)


# --- test drives --------------------------------------------------------------------------------


class TestDriveListView(_FilteredList):
    __test__ = False
    model = TestDrive
    table_class = TestDriveTable
    template_name = "sales/leads/testdrive_list.html"

    def get_queryset(self):
        self.filter_form = SearchForm(self.request.GET or None)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.testdrives_for_user(self.request.user, q=data.get("q", ""))


class TestDriveDetailView(ScopedDetailView):
    __test__ = False
    model = TestDrive
    template_name = "sales/leads/testdrive_detail.html"

    def base_queryset(self):
        return TestDrive.objects.select_related("customer", "consultant", "lead")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, drive = self.request.user, self.object
        context["mobile"] = phone_shown(
            user=user, customer=drive.customer, context=self.request.path
        )
        context["may_change"] = _may_change(user, drive)
        context["lead_ids"] = permitted_ids(user, Lead, "view", [drive.lead_id])
        return context


class TestDriveFormView(ServiceFormView):
    __test__ = False
    model = TestDrive
    success_url = reverse_lazy("sales:testdrive_list")

    def get_title(self, obj):
        return _("New test drive") if obj is None else _("Change test drive: %(d)s") % {"d": obj}

    def cancel_url(self, obj):
        if obj is not None:
            return obj.get_absolute_url()
        lead = self.request.GET.get("lead", "")
        if lead.isdigit() and permitted_ids(self.request.user, Lead, "view", [int(lead)]):
            return reverse("sales:lead_detail", kwargs={"pk": int(lead)})
        return str(self.success_url)

    def get_form(self, obj, data=None):
        initial = {}
        if obj is None:
            lead = self.request.GET.get("lead", "")
            if lead.isdigit():
                initial["lead"] = int(lead)
                initial["vehicle_model"] = (
                    Lead.objects.filter(pk=int(lead))
                    .values_list("model_of_interest", flat=True)
                    .first()
                )
        return TestDriveForm(
            data, instance=obj, initial=initial, user=self.request.user, creating=obj is None
        )

    def save(self, form, obj):
        kwargs = form.service_kwargs()
        if obj is None:
            return services.testdrive_create(actor=self.request.user, **kwargs)
        return services.testdrive_update(actor=self.request.user, testdrive_id=obj.pk, **kwargs)


# --- key accounts -------------------------------------------------------------------------------


class KeyAccountListView(_FilteredList):
    model = KeyAccount
    table_class = KeyAccountTable
    template_name = "sales/leads/keyaccount_list.html"

    def get_queryset(self):
        self.filter_form = SearchForm(self.request.GET or None)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.keyaccounts_for_user(self.request.user, q=data.get("q", ""))

    def get_table_kwargs(self):  # the contact's phone: not a customer's, masked by capability
        return {"show_phone": may_see_phone(self.request.user)}


class KeyAccountDetailView(ScopedDetailView):
    model = KeyAccount
    template_name = "sales/leads/keyaccount_detail.html"

    def base_queryset(self):
        return KeyAccount.objects.select_related("customer", "manager")

    def get_context_data(self, **kwargs):
        from sales.models import Order

        context = super().get_context_data(**kwargs)
        user, account = self.request.user, self.object
        context["contact_phone"] = shown_phone(may_see_phone(user), account.contact_phone)
        context["may_change"] = _may_change(user, account)
        context["leads"] = list(
            restricted_queryset_or_none(
                user, Lead, account.leads.select_related("customer", "consultant")
            )
        )
        context["orders"] = list(restricted_queryset_or_none(user, Order, account.orders.all()))
        context["may_view_orders"] = can(user, Order, "view")
        context["customer_ids"] = permitted_ids(user, Customer, "view", [account.customer_id])
        context["may_add_lead"] = context["may_change"] and can(user, Lead, "add")
        return context


class KeyAccountFormView(ServiceFormView):
    model = KeyAccount
    success_url = reverse_lazy("sales:keyaccount_list")

    def get_title(self, obj):
        return _("New key account") if obj is None else _("Change key account: %(a)s") % {"a": obj}

    def cancel_url(self, obj):
        return obj.get_absolute_url() if obj is not None else str(self.success_url)

    def get_form(self, obj, data=None):
        initial = {}
        if obj is not None and not may_see_phone(self.request.user):
            initial["contact_phone"] = ""
        return KeyAccountForm(
            data, instance=obj, initial=initial, user=self.request.user, creating=obj is None
        )

    def save(self, form, obj):
        kwargs = form.service_kwargs()
        if obj is None:
            return services.keyaccount_create(actor=self.request.user, **kwargs)
        if not may_see_phone(self.request.user) and not kwargs.get("contact_phone"):
            kwargs.pop("contact_phone", None)  # masked: keep the number
        return services.keyaccount_update(actor=self.request.user, keyaccount_id=obj.pk, **kwargs)


# --- the dashboard panel ------------------------------------------------------------------------


def _leads_to_contact(request) -> dict | None:
    if getattr(request, "tenant_scope", None) is None or not can(request.user, Lead, "view"):
        return None
    leads, due_today, overdue = selectors.leads_to_contact(request.user)
    return {
        "leads": leads,
        "today": timezone.localdate(),
        "due_today": due_today,
        "overdue": overdue,
        "list_url": reverse("sales:lead_list") + "?overdue=on&sort=next_contact",
    }


def register_widgets() -> None:
    register_widget(
        Widget(
            "sales_leads_to_contact",
            gettext_lazy("Leads to contact"),
            "sales/leads/widget_to_contact.html",
            _leads_to_contact,
            order=15,
        )
    )


urlpatterns: list = [
    path("traffic/", VisitListView.as_view(), name="visit_list"),
    path("traffic/new/", VisitFormView.as_view(), name="visit_create"),
    path("traffic/<int:pk>/", VisitDetailView.as_view(), name="visit_detail"),
    path("traffic/<int:pk>/edit/", VisitFormView.as_view(), name="visit_edit"),
    path("leads/", LeadListView.as_view(), name="lead_list"),
    path("leads/new/", LeadFormView.as_view(), name="lead_create"),
    path("leads/<int:pk>/", LeadDetailView.as_view(), name="lead_detail"),
    path("leads/<int:pk>/edit/", LeadFormView.as_view(), name="lead_edit"),
    path("leads/<int:pk>/contact/", LeadContactView.as_view(), name="lead_contact"),
    path("leads/<int:pk>/lose/", LeadLoseView.as_view(), name="lead_lose"),
    path("leads/<int:pk>/reactivate/", LeadReactivateView.as_view(), name="lead_reactivate"),
    path("test-drives/", TestDriveListView.as_view(), name="testdrive_list"),
    path("test-drives/new/", TestDriveFormView.as_view(), name="testdrive_create"),
    path("test-drives/<int:pk>/", TestDriveDetailView.as_view(), name="testdrive_detail"),
    path("test-drives/<int:pk>/edit/", TestDriveFormView.as_view(), name="testdrive_edit"),
    path("key-accounts/", KeyAccountListView.as_view(), name="keyaccount_list"),
    path("key-accounts/new/", KeyAccountFormView.as_view(), name="keyaccount_create"),
    path("key-accounts/<int:pk>/", KeyAccountDetailView.as_view(), name="keyaccount_detail"),
    path("key-accounts/<int:pk>/edit/", KeyAccountFormView.as_view(), name="keyaccount_edit"),
]
