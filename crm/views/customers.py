"""HTML views of crm: customers and vehicles (lists with search and filters, pages, forms),
the import (upload → preview of every row with its errors → all-or-nothing import) and the
likely duplicates with their merge. Phone numbers go through
:func:`crm.services.privacy.phones_shown` (one call per page): masked for people who may not see
them, every full number shown logged."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from crm import selectors, services
from crm.access_rules import PHONE_FIELDS, may_see_phone
from crm.forms.customers import (
    CustomerFilterForm,
    CustomerForm,
    ImportForm,
    MergeForm,
    TransferForm,
    VehicleForm,
)
from crm.models import Customer, Vehicle
from crm.services.privacy import phones_shown
from crm.tables.customers import CustomerTable, VehicleTable
from dealership.access import can, check_model_permission, get_object_for_user, permitted_ids
from dealership.views import (
    ScopedDetailView,
    ScopedListView,
    ServiceFormView,
    TenantRequiredMixin,
    apply_errors,
)
from org.access import user_access
from org.capabilities import Capability as C
from org.capabilities import DataScope

IMPORT_SESSION_KEY = "crm_import_rows"


def may_merge(user) -> bool:
    access = user_access(user)
    return access.is_system or (
        access.writable and access.scope_for(C.CRM_CHANGE_CUSTOMER) == DataScope.DEALERSHIP
    )


# --- customers ----------------------------------------------------------------------------------


class CustomerListView(ScopedListView):
    model = Customer
    table_class = CustomerTable
    template_name = "crm/customer_list.html"

    def get_queryset(self):
        self.filter_form = CustomerFilterForm(self.request.GET or None)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.customers_for_user(
            self.request.user,
            q=data.get("q", ""),
            kind=data.get("kind", ""),
            source=data.get("source", ""),
            tier=data.get("tier") or None,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["filter_form"] = self.filter_form
        context["may_add"] = can(user, Customer, "add")
        context["may_merge"] = may_merge(user)
        return context


class CustomerDetailView(ScopedDetailView):
    model = Customer
    template_name = "crm/customer_detail.html"

    def base_queryset(self):
        return selectors.customer_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, customer = self.request.user, self.object
        # one call: masked, or in full and logged (PIPL)
        phones = phones_shown(
            user=user, customers=[customer], context=self.request.path, fields=PHONE_FIELDS
        )[customer.pk]
        context.update(phones)
        # changing a customer shows their numbers: only for who may see them
        context["may_change"] = may_see_phone(user) and bool(
            permitted_ids(user, Customer, "change", [customer.pk])
        )
        context["may_add_vehicle"] = context["may_change"] and can(user, Vehicle, "add")
        context["vehicle_ids"] = permitted_ids(
            user,
            Vehicle,
            "view",
            [v.pk for v in customer.vehicles.all()]
            + [o.vehicle_id for o in customer.ownerships.all()],
        )
        return context


class CustomerFormView(ServiceFormView):
    model = Customer
    success_url = reverse_lazy("crm:customer_list")
    template_name = "crm/form.html"

    def get_title(self, obj):
        return (
            _("New customer")
            if obj is None
            else _("Change customer: %(name)s") % {"name": obj.name}
        )

    def cancel_url(self, obj):
        return obj.get_absolute_url() if obj is not None else str(self.success_url)

    def get_form(self, obj, data=None):
        initial = None
        if obj is not None and not may_see_phone(self.request.user):
            raise PermissionDenied(
                _("You may not change customers whose phone numbers you cannot see.")
            )
        if obj is not None and data is None:  # the form shows the numbers: logged (PIPL)
            phones_shown(
                user=self.request.user,
                customers=[obj],
                context=self.request.path,
                fields=PHONE_FIELDS,
            )
        return CustomerForm(data, instance=obj, initial=initial, user=self.request.user)

    def render_form(self, form, obj, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "object": obj,
                "title": self.get_title(obj),
                "cancel_url": self.cancel_url(obj),
                "duplicate": getattr(self, "duplicate", None),
            },
            status=status,
        )

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        form = self.get_form(obj, request.POST)
        if form.is_valid():
            try:
                result = self.save(form, obj)
            except ValidationError as error:
                existing = getattr(error, "existing", None)
                if existing is not None and permitted_ids(
                    request.user, Customer, "view", [existing.pk]
                ):
                    self.duplicate = existing
                apply_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(result.get_absolute_url())
        return self.render_form(form, obj, status=400)

    def save(self, form, obj):
        kwargs = form.service_kwargs()
        if obj is None:
            return services.customer_create(actor=self.request.user, **kwargs)
        return services.customer_update(actor=self.request.user, customer_id=obj.pk, **kwargs)


# --- vehicles -----------------------------------------------------------------------------------


class VehicleListView(ScopedListView):
    model = Vehicle
    table_class = VehicleTable
    template_name = "crm/vehicle_list.html"

    def get_queryset(self):
        return selectors.vehicles_for_user(self.request.user, q=self.request.GET.get("q", ""))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["q"] = self.request.GET.get("q", "")[:50]
        context["may_add"] = can(self.request.user, Vehicle, "add")
        return context


class VehicleDetailView(ScopedDetailView):
    model = Vehicle
    template_name = "crm/vehicle_detail.html"

    def base_queryset(self):
        return selectors.vehicle_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, vehicle = self.request.user, self.object
        context["may_change"] = bool(permitted_ids(user, Vehicle, "change", [vehicle.pk]))
        context["customer_ids"] = permitted_ids(
            user,
            Customer,
            "view",
            [o.customer_id for o in vehicle.ownerships.all()] + [vehicle.owner_id],
        )
        return context


def _customers_to_choose(user):
    return selectors.customers_for_user(user, action="view").order_by("name")


class VehicleFormView(ServiceFormView):
    model = Vehicle
    success_url = reverse_lazy("crm:vehicle_list")

    def get_title(self, obj):
        return (
            _("New vehicle") if obj is None else _("Change vehicle: %(vehicle)s") % {"vehicle": obj}
        )

    def cancel_url(self, obj):
        return obj.get_absolute_url() if obj is not None else str(self.success_url)

    def get_form(self, obj, data=None):
        initial = {}
        if obj is None and self.request.GET.get("owner", "").isdigit():
            initial["owner"] = int(self.request.GET["owner"])
        return VehicleForm(
            data,
            instance=obj,
            initial=initial,
            user=self.request.user,
            creating=obj is None,
            customers=_customers_to_choose(self.request.user) if obj is None else None,
        )

    def save(self, form, obj):
        kwargs = form.service_kwargs()
        if obj is None:
            owner = kwargs.pop("owner", None)
            return services.vehicle_create(actor=self.request.user, owner=owner, **kwargs)
        return services.vehicle_update(actor=self.request.user, vehicle_id=obj.pk, **kwargs)


class VehicleTransferView(ServiceFormView):
    model = Vehicle

    def get_title(self, obj):
        return _("Transfer vehicle: %(vehicle)s") % {"vehicle": obj}

    def cancel_url(self, obj):
        return obj.get_absolute_url()

    def get_form(self, obj, data=None):
        return TransferForm(
            data, customers=_customers_to_choose(self.request.user).exclude(pk=obj.owner_id)
        )

    def save(self, form, obj):
        return services.vehicle_transfer(
            actor=self.request.user,
            vehicle_id=obj.pk,
            new_owner=form.cleaned_data["new_owner"],
            on=form.cleaned_data.get("on"),
        )


# --- import -------------------------------------------------------------------------------------


class ImportView(TenantRequiredMixin, View):
    """GET: the upload form. POST with a file: the preview of every row (kept in the session
    for the confirmation). POST ``confirm``: the all-or-nothing import of the previewed rows."""

    template_name = "crm/import.html"

    def _render(self, form, preview=None, status=200):
        return render(
            self.request,
            self.template_name,
            {"form": form, "preview": preview, "may_import": preview is not None and preview.ok},
            status=status,
        )

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and getattr(request, "tenant_scope", None) is not None:
            check_model_permission(request.user, Customer, "add")
            check_model_permission(request.user, Vehicle, "add")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self._render(ImportForm())

    def post(self, request):
        if "confirm" in request.POST:
            return self._confirm(request)
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(form, status=400)
        try:
            rows = services.read_rows(form.cleaned_data["file"])
        except ValidationError as error:
            apply_errors(form, error)
            return self._render(form, status=400)
        preview = services.import_preview(actor=request.user, rows=rows)
        request.session[IMPORT_SESSION_KEY] = rows if preview.ok else None
        return self._render(ImportForm(), preview, status=200 if preview.ok else 400)

    def _confirm(self, request):
        rows = request.session.get(IMPORT_SESSION_KEY)
        form = ImportForm()
        if not rows:
            form.add_error(None, _("Upload the file again: there is no checked file to import."))
            return self._render(form, status=400)
        try:
            created = services.customers_import(actor=request.user, rows=rows)
        except ValidationError as error:
            apply_errors(form, error)
            return self._render(form, status=400)
        request.session.pop(IMPORT_SESSION_KEY, None)
        messages.success(
            request,
            ngettext("Imported %(count)s customer.", "Imported %(count)s customers.", len(created))
            % {"count": len(created)},
        )
        return redirect("crm:customer_list")


# --- duplicates and merge ------------------------------------------------------------------------


class DuplicatesView(TenantRequiredMixin, View):
    template_name = "crm/duplicates.html"

    def get(self, request):
        check_model_permission(request.user, Customer, "view")
        found = selectors.likely_duplicates(request.user)
        phones = phones_shown(  # one call for the page: masked, or in full and logged
            user=request.user,
            customers=[c for _reason, members in found for c in members],
            context=request.path,
            fields=("mobile", "mobile_alt"),
        )
        groups = [
            (
                reason,
                [(c, phones[c.pk]["mobile"], phones[c.pk]["mobile_alt"]) for c in members],
            )
            for reason, members in found
        ]
        return render(
            request, self.template_name, {"groups": groups, "may_merge": may_merge(request.user)}
        )


class CustomerOptionsView(TenantRequiredMixin, View):
    """The options of a customer picker (``crm.forms.widgets.CustomerSearchSelect``) for what
    was typed (``?q=``, ``?kind=``): a few matches among the customers the user may see."""

    def get(self, request):
        check_model_permission(request.user, Customer, "view")
        customers = selectors.customer_options(
            request.user, request.GET.get("q", "")[:100], kind=request.GET.get("kind", "")
        )
        return render(request, "crm/widgets/customer_options.html", {"customers": customers})


class MergeView(TenantRequiredMixin, View):
    """POST ``keep`` and ``merge`` (customer ids): merge the second into the first."""

    def post(self, request):
        form = MergeForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose the customer to keep and the one to merge into it."))
            return redirect("crm:customer_duplicates")
        keep = get_object_for_user(request.user, Customer, "change", pk=form.cleaned_data["keep"])
        try:
            services.customer_merge(
                actor=request.user, keep_id=keep.pk, merge_id=form.cleaned_data["merge"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("crm:customer_duplicates")
        messages.success(request, format_html(_("Merged into {}."), keep.name))
        return redirect(reverse("crm:customer_detail", kwargs={"pk": keep.pk}))


urlpatterns = [
    path("customers/", CustomerListView.as_view(), name="customer_list"),
    path("customers/new/", CustomerFormView.as_view(), name="customer_create"),
    path("customers/import/", ImportView.as_view(), name="customer_import"),
    path("customers/duplicates/", DuplicatesView.as_view(), name="customer_duplicates"),
    path("customers/merge/", MergeView.as_view(), name="customer_merge"),
    path("customers/options/", CustomerOptionsView.as_view(), name="customer_options"),
    path("customers/<int:pk>/", CustomerDetailView.as_view(), name="customer_detail"),
    path("customers/<int:pk>/edit/", CustomerFormView.as_view(), name="customer_edit"),
    path("vehicles/", VehicleListView.as_view(), name="vehicle_list"),
    path("vehicles/new/", VehicleFormView.as_view(), name="vehicle_create"),
    path("vehicles/<int:pk>/", VehicleDetailView.as_view(), name="vehicle_detail"),
    path("vehicles/<int:pk>/edit/", VehicleFormView.as_view(), name="vehicle_edit"),
    path("vehicles/<int:pk>/transfer/", VehicleTransferView.as_view(), name="vehicle_transfer"),
]
