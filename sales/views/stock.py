"""HTML views of sales: the vehicle stock (店头库存), deliveries (交车) and the monthly
vehicle-allocation requests (商品车资源申报)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from crm.models import Customer
from crm.models import Vehicle as CrmVehicle
from crm.services.privacy import phone_shown
from dealership.access import can, get_object_for_user, permitted_ids
from dealership.selectors import people_in
from dealership.views import (
    ScopedDetailView,
    ScopedListView,
    ServiceFormView,
    TenantRequiredMixin,
)
from sales import services
from sales.forms.stock import (
    AllocationFilterForm,
    AllocationForm,
    ArriveForm,
    DeliveryFilterForm,
    DeliveryForm,
    StockCreateForm,
    StockEditForm,
    StockFilterForm,
)
from sales.models import (
    AllocationLine,
    AllocationRequest,
    AllocationStatus,
    Delivery,
    Order,
    StockStatus,
    StockVehicle,
)
from sales.selectors import stock as selectors
from sales.services.deliveries import DeliveryChecklist, DeliveryDocument, delivery_problem
from sales.services.stock import STOCK_FIELDS
from sales.tables.stock import AllocationTable, DeliveryTable, StockTable


def order_url(pk) -> str | None:
    """The order's page (the orders area's), if its route exists."""
    try:
        return reverse("sales:order_detail", kwargs={"pk": pk})
    except NoReverseMatch:
        return None


# --- stock --------------------------------------------------------------------------------------


class StockListView(ScopedListView):
    model = StockVehicle
    table_class = StockTable
    template_name = "sales/stock/stock_list.html"

    def get_queryset(self):
        user = self.request.user
        models, colours = selectors.stock_choices(user)
        self.filter_form = StockFilterForm(self.request.GET or None, models=models, colours=colours)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.stock_for_user(
            user,
            q=data.get("q", ""),
            status=data.get("status", ""),
            model=data.get("model", ""),
            colour=data.get("colour", ""),
            age=data.get("age", ""),
            sort=data.get("sort", ""),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["filter_form"] = self.filter_form
        context["counts"] = [
            (value, label, count)
            for (value, label), count in zip(
                StockStatus.choices,
                selectors.stock_status_counts(user).values(),
                strict=True,
            )
        ]
        context["may_add"] = can(user, StockVehicle, "add")
        return context


class StockDetailView(ScopedDetailView):
    model = StockVehicle
    template_name = "sales/stock/stock_detail.html"

    def base_queryset(self):
        return selectors.stock_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, car = self.request.user, self.object
        orders = list(car.orders.all())
        deliveries = list(car.deliveries.all())
        order_ids = permitted_ids(user, Order, "view", [o.pk for o in orders])
        changeable = permitted_ids(user, Order, "change", [o.pk for o in orders])
        context["orders"] = [
            (
                o,
                order_url(o.pk) if o.pk in order_ids else None,
                o.pk in changeable and delivery_problem(o) is None,
            )
            for o in orders
        ]
        delivery_ids = permitted_ids(user, Delivery, "view", [d.pk for d in deliveries])
        context["deliveries"] = [(d, d.pk in delivery_ids) for d in deliveries]
        context["age"] = car.age_days(timezone.localdate())
        context["may_change"] = bool(permitted_ids(user, StockVehicle, "change", [car.pk]))
        context["may_arrive"] = context["may_change"] and car.arrived_on is None
        context["history"] = selectors.stock_history(user, car)
        context["arrive_form"] = ArriveForm(initial={"arrived_on": timezone.localdate()})
        return context


class StockFormView(ServiceFormView):
    model = StockVehicle
    success_url = reverse_lazy("sales:stock_list")

    def get_title(self, obj):
        if obj is None:
            return _("Receive a vehicle")
        return _("Change vehicle: %(car)s") % {"car": obj}

    def cancel_url(self, obj):
        return obj.get_absolute_url() if obj is not None else str(self.success_url)

    def get_form(self, obj, data=None):
        if obj is None:
            return StockCreateForm(data)
        initial = {
            name: getattr(obj, name)
            for name in STOCK_FIELDS
            if name != "arrived_on" or obj.arrived_on is not None
        }
        return StockEditForm(data, initial=initial, car=obj)

    def save(self, form, obj):
        kwargs = form.service_kwargs()
        if obj is None:
            return services.stock_create(actor=self.request.user, **kwargs)
        return services.stock_update(actor=self.request.user, stock_vehicle_id=obj.pk, **kwargs)


class StockArriveView(ServiceFormView):
    model = StockVehicle

    def get_title(self, obj):
        return _("Vehicle arrived: %(car)s") % {"car": obj}

    def cancel_url(self, obj):
        return obj.get_absolute_url()

    def get_form(self, obj, data=None):
        return ArriveForm(data, initial={"arrived_on": timezone.localdate()})

    def save(self, form, obj):
        return services.stock_arrive(
            actor=self.request.user,
            stock_vehicle_id=obj.pk,
            arrived_on=form.cleaned_data["arrived_on"],
        )


# --- deliveries ---------------------------------------------------------------------------------


def _consultants(user):
    """People with deliveries the user may see (for the filter)."""
    return people_in(Delivery.objects.for_user(user, "view"), "consultant_id")


class DeliveryListView(ScopedListView):
    model = Delivery
    table_class = DeliveryTable
    template_name = "sales/stock/delivery_list.html"

    def get_queryset(self):
        user = self.request.user
        self.filter_form = DeliveryFilterForm(
            self.request.GET or None, consultants=_consultants(user)
        )
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.deliveries_for_user(
            user,
            q=data.get("q", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            consultant=data.get("consultant"),
            sort=data.get("sort", ""),
        )

    def get_table_kwargs(self):
        return {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        return context


class DeliveryDetailView(ScopedDetailView):
    model = Delivery
    template_name = "sales/stock/delivery_detail.html"

    def base_queryset(self):
        return selectors.delivery_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, delivery = self.request.user, self.object
        documents = dict(DeliveryDocument.choices)
        checklist = dict(DeliveryChecklist.choices)
        context["documents"] = [
            (label, code in delivery.documents) for code, label in documents.items()
        ]
        context["checklist"] = [
            (label, code in delivery.checklist) for code, label in checklist.items()
        ]
        context["mobile"] = phone_shown(
            user=user, customer=delivery.customer, context=self.request.path
        )
        context["order_url"] = (
            order_url(delivery.order_id)
            if permitted_ids(user, Order, "view", [delivery.order_id])
            else None
        )
        context["customer_link"] = bool(
            permitted_ids(user, Customer, "view", [delivery.customer_id])
        )
        context["vehicle_link"] = bool(
            permitted_ids(user, CrmVehicle, "view", [delivery.vehicle_id])
        )
        context["stock_link"] = bool(
            permitted_ids(user, StockVehicle, "view", [delivery.stock_vehicle_id])
        )
        return context


class DeliveryCreateView(ServiceFormView):
    """GET: the hand-over form of an order (with why it cannot be delivered, if so); POST:
    :func:`sales.services.delivery_create`."""

    model = Order
    template_name = "sales/stock/delivery_form.html"

    def get_title(self, obj):
        return _("Deliver order %(number)s") % {"number": obj.number}

    def cancel_url(self, obj):
        return order_url(obj.pk) or reverse("sales:delivery_list")

    def get_form(self, obj, data=None):
        if data is None:
            return DeliveryForm(initial={"delivered_on": timezone.localdate(), "mileage": 0})
        return DeliveryForm(data, self.request.FILES)

    def render_form(self, form, obj, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "object": obj,
                "car": obj.stock_vehicle,
                "problem": delivery_problem(obj),
                "title": self.get_title(obj),
                "cancel_url": self.cancel_url(obj),
            },
            status=status,
        )

    def save(self, form, obj):
        return services.delivery_create(
            actor=self.request.user, order_id=obj.pk, **form.service_kwargs()
        )


class DeliveryPhotoView(TenantRequiredMixin, View):
    """The delivery's photo, only for who may see the delivery; checked again by content."""

    def get(self, request, pk):
        from django.http import FileResponse

        delivery = get_object_for_user(request.user, Delivery, "view", pk=pk)
        if not delivery.photo:
            raise Http404(_("Not found."))
        storage = services.photo_storage()
        try:
            handle = storage.open(delivery.photo, "rb")
        except (FileNotFoundError, ValueError, OSError):
            raise Http404(_("Not found.")) from None
        import filetype

        kind = filetype.guess(handle.read(8192))
        handle.seek(0)
        if kind is None or kind.mime not in services.PHOTO_TYPES:
            handle.close()
            raise Http404(_("Not found."))
        response = FileResponse(
            handle,
            content_type=kind.mime,
            as_attachment="download" in request.GET,
            filename=f"delivery-{delivery.pk}{services.PHOTO_TYPES[kind.mime]}",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = (
            "sandbox; default-src 'none'; img-src 'self'; frame-ancestors 'self'"
        )
        response["X-Frame-Options"] = "SAMEORIGIN"
        response._csp_exempt = True
        response["Cache-Control"] = "private, no-store"
        return response


# --- allocation requests ------------------------------------------------------------------------


class AllocationListView(ScopedListView):
    model = AllocationRequest
    table_class = AllocationTable
    template_name = "sales/stock/allocation_list.html"

    def get_queryset(self):
        self.filter_form = AllocationFilterForm(self.request.GET or None)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.allocations_for_user(self.request.user, status=data.get("status", ""))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["may_add"] = can(self.request.user, AllocationRequest, "add")
        return context


class AllocationCreateView(ServiceFormView):
    model = AllocationRequest
    success_url = reverse_lazy("sales:allocation_list")
    title = ""

    def get_title(self, obj):
        return _("New vehicle-allocation request")

    def get_form(self, obj, data=None):
        return AllocationForm(data)

    def save(self, form, obj):
        return services.allocation_create(
            actor=self.request.user,
            month=form.cleaned_data["month"],
            notes=form.cleaned_data.get("notes", ""),
        )


class AllocationDetailView(ScopedDetailView):
    """The request and its lines; while a draft, the lines' quantities are edited in place
    (POST to ``allocation_lines``), rebuilt, or the request submitted to the OEM."""

    model = AllocationRequest
    template_name = "sales/stock/allocation_detail.html"

    def base_queryset(self):
        return selectors.allocation_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.object
        lines = list(obj.lines.all())
        context["lines"] = lines
        context["total"] = sum(line.quantity for line in lines)
        context["may_change"] = obj.status == AllocationStatus.DRAFT and bool(
            permitted_ids(self.request.user, AllocationRequest, "change", [obj.pk])
        )
        context["errors"] = kwargs.get("errors")
        return context


class _AllocationAction(TenantRequiredMixin, View):
    """A POST on one request: the request re-read for "change" (404 / 403), a service called,
    back to the request's page with its message."""

    model = AllocationRequest

    def call(self, request, obj):  # pragma: no cover - overridden
        raise NotImplementedError

    def post(self, request, pk):
        obj = get_object_for_user(request.user, AllocationRequest, "change", pk=pk)
        try:
            message = self.call(request, obj)
        except ValidationError as error:
            view = AllocationDetailView()
            view.setup(request, pk=pk)
            view.object = get_object_for_user(
                request.user,
                AllocationRequest,
                "view",
                selectors.allocation_detail_queryset(),
                pk=pk,
            )
            context = view.get_context_data(errors=error.messages, object=view.object)
            return render(request, view.template_name, context, status=400)
        messages.success(request, message)
        return redirect(obj.get_absolute_url())


class AllocationRebuildView(_AllocationAction):
    def call(self, request, obj):
        services.allocation_rebuild(actor=request.user, allocation_id=obj.pk)
        return _("The lines were rebuilt from today's orders and stock.")


class AllocationSubmitView(_AllocationAction):
    def call(self, request, obj):
        services.allocation_submit(actor=request.user, allocation_id=obj.pk)
        return _("Submitted to the OEM.")


class AllocationLinesView(_AllocationAction):
    """POST ``quantity_<line id>`` for the lines to change."""

    def call(self, request, obj):
        wanted, errors = {}, []
        for line in AllocationLine.objects.filter(request=obj):
            raw = request.POST.get(f"quantity_{line.pk}")
            if raw is None:
                continue
            try:
                quantity = int(raw)
            except ValueError:
                errors.append(
                    _("%(line)s: give a whole number.")
                    % {"line": f"{line.model} {line.trim} {line.colour}".strip()}
                )
                continue
            if quantity != line.quantity:
                wanted[line.pk] = quantity
        if errors:
            raise ValidationError({"quantity": errors})
        with transaction.atomic():  # all the quantities, or none
            for line_id, quantity in wanted.items():
                services.allocation_line_update(
                    actor=request.user, line_id=line_id, quantity=quantity
                )
        return _("Quantities saved.")


urlpatterns: list = [
    path("stock/", StockListView.as_view(), name="stock_list"),
    path("stock/new/", StockFormView.as_view(), name="stock_create"),
    path("stock/<int:pk>/", StockDetailView.as_view(), name="stock_detail"),
    path("stock/<int:pk>/edit/", StockFormView.as_view(), name="stock_edit"),
    path("stock/<int:pk>/arrive/", StockArriveView.as_view(), name="stock_arrive"),
    path("deliveries/", DeliveryListView.as_view(), name="delivery_list"),
    path("deliveries/<int:pk>/", DeliveryDetailView.as_view(), name="delivery_detail"),
    path("deliveries/<int:pk>/photo/", DeliveryPhotoView.as_view(), name="delivery_photo"),
    path("orders/<int:pk>/deliver/", DeliveryCreateView.as_view(), name="delivery_create"),
    path("allocations/", AllocationListView.as_view(), name="allocation_list"),
    path("allocations/new/", AllocationCreateView.as_view(), name="allocation_create"),
    path("allocations/<int:pk>/", AllocationDetailView.as_view(), name="allocation_detail"),
    path("allocations/<int:pk>/lines/", AllocationLinesView.as_view(), name="allocation_lines"),
    path(
        "allocations/<int:pk>/rebuild/",
        AllocationRebuildView.as_view(),
        name="allocation_rebuild",
    ),
    path("allocations/<int:pk>/submit/", AllocationSubmitView.as_view(), name="allocation_submit"),
]


def _stock_widget(request) -> dict | None:
    """For who may change the stock: cars per status and those over 90 days in stock."""
    if getattr(request, "tenant_scope", None) is None:
        return None
    user = request.user
    if not can(user, StockVehicle, "change"):
        return None
    counts = selectors.stock_status_counts(user)
    old = selectors.stock_for_user(user, age="90+").count()
    return {
        "in_stock": counts[StockStatus.IN_STOCK],
        "in_transit": counts[StockStatus.IN_TRANSIT],
        "reserved": counts[StockStatus.RESERVED] + counts[StockStatus.SOLD],
        "old": old,
    }


def register_widgets() -> None:
    """This area's dashboard panel: the stock (for who receives cars and requests them)."""
    from django.utils.translation import gettext_lazy

    from dealership.registry import Widget, register_widget

    register_widget(
        Widget(
            "sales_stock",
            gettext_lazy("Vehicle stock"),
            "sales/stock/widgets/stock.html",
            _stock_widget,
            order=32,
        )
    )
