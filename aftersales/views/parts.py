"""HTML views of after-sales: the parts store — parts (levels, movements and their
reconciliation), the part lines of repair orders waiting to be issued, purchase orders to the
OEM with their receipts, counter sales with their returns, stock counts with their
adjustments."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django_tables2.views import SingleTableView

from aftersales import services
from aftersales.forms.parts import (
    CounterSaleFilterForm,
    CounterSaleForm,
    PartCreateForm,
    PartFilterForm,
    PartForm,
    PartLineFilterForm,
    PurchaseLineForm,
    PurchaseOrderFilterForm,
    PurchaseOrderForm,
    SaleLineForm,
    StockCountFilterForm,
    StockCountForm,
    line_forms,
)
from aftersales.models import (
    CounterSale,
    MovementKind,
    Part,
    PurchaseOrder,
    PurchaseStatus,
    RepairLine,
    StockCount,
)
from aftersales.selectors import parts as selectors
from aftersales.services.parts import PART_FIELDS, may_manage_parts
from aftersales.tables.parts import (
    CounterSaleTable,
    PartLineTable,
    PartTable,
    PurchaseOrderTable,
    StockCountTable,
)
from dealership.access import can, get_object_for_user, permitted_ids
from dealership.views import (
    ScopedDetailView,
    ScopedListView,
    ServiceFormView,
    TenantRequiredMixin,
    apply_errors,
)

MOVEMENTS_PER_PAGE = 25


def _tabs(user) -> dict:
    """Which tabs of the parts store the user may open (``_parts_tabs.html``)."""
    sees_parts = can(user, Part, "view")
    return {
        "parts_tabs": {
            "parts": sees_parts,
            "to_issue": selectors.may_see_part_lines(user),
            "purchases": can(user, PurchaseOrder, "view"),
            "sales": can(user, CounterSale, "view"),
            "counts": can(user, StockCount, "view"),
        }
    }


def _manager_only(user) -> None:
    if not may_manage_parts(user):
        raise PermissionDenied(_("Only the parts store's staff may do this."))


# --- parts --------------------------------------------------------------------------------------


class PartListView(ScopedListView):
    model = Part
    table_class = PartTable
    template_name = "aftersales/parts/part_list.html"

    def get_queryset(self):
        user = self.request.user
        self.filter_form = PartFilterForm(self.request.GET or None, bins=selectors.part_bins(user))
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.parts_for_user(
            user,
            q=data.get("q", ""),
            low=bool(data.get("low")),
            bin=data.get("bin", ""),
            active=data.get("active", ""),
            sort=data.get("sort", ""),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["filter_form"] = self.filter_form
        context["may_add"] = can(user, Part, "add") and may_manage_parts(user)
        context.update(_tabs(user))
        return context


class PartDetailView(ScopedDetailView):
    model = Part
    template_name = "aftersales/parts/part_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, part = self.request.user, self.object
        kind = self.request.GET.get("kind", "")
        kind = kind if kind in MovementKind.values else ""
        movements = selectors.movements_for_user(user, part=part, kind=kind)
        page = Paginator(movements, MOVEMENTS_PER_PAGE).get_page(self.request.GET.get("page"))
        context["movements"] = page
        context["kind"] = kind
        context["kinds"] = MovementKind.choices
        context["reconciliation"] = selectors.part_reconciliation(part)
        context["low"] = part.on_hand <= part.reorder_point
        context["may_change"] = may_manage_parts(user) and bool(
            permitted_ids(user, Part, "change", [part.pk])
        )
        context.update(_tabs(user))
        return context


class PartFormView(ServiceFormView):
    model = Part
    success_url = reverse_lazy("aftersales:part_list")

    def get_object(self):
        obj = super().get_object()
        _manager_only(self.request.user)
        return obj

    def get_title(self, obj):
        if obj is None:
            return _("New part")
        return _("Change part: %(part)s") % {"part": obj}

    def cancel_url(self, obj):
        return obj.get_absolute_url() if obj is not None else str(self.success_url)

    def get_form(self, obj, data=None):
        if obj is None:
            return PartCreateForm(data)
        initial = {name: getattr(obj, name) for name in (*PART_FIELDS, "is_active")}
        return PartForm(data, initial=initial)

    def save(self, form, obj):
        data = form.service_kwargs()
        if obj is None:
            data["opening_quantity"] = data.get("opening_quantity") or 0
            return services.part_create(actor=self.request.user, **data)
        return services.part_update(actor=self.request.user, part_id=obj.pk, **data)


# --- part lines of repair orders ----------------------------------------------------------------


class PartsToIssueView(TenantRequiredMixin, SingleTableView):
    """The part lines reserved for live repair orders, waiting to be issued (the parts staff:
    every line; an advisor: their own orders')."""

    table_class = PartLineTable
    template_name = "aftersales/parts/to_issue.html"
    paginate_by = 25

    def get(self, request, *args, **kwargs):
        if not selectors.may_see_part_lines(request.user):
            raise PermissionDenied(_("You do not have permission to perform this action."))
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        self.filter_form = PartLineFilterForm(self.request.GET or None)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.part_lines_for_user(self.request.user, q=data.get("q", ""))

    def get_table_kwargs(self):
        return {"may_issue": may_manage_parts(self.request.user)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["errors"] = kwargs.get("errors")
        context.update(_tabs(self.request.user))
        return context


def _back(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


class _LineAction(TenantRequiredMixin, View):
    """Issue or return one repair-order part line (POST); back to where the button was."""

    model = RepairLine

    def call(self, request, pk):  # pragma: no cover - overridden
        raise NotImplementedError

    def post(self, request, pk):
        try:
            message = self.call(request, pk)
        except ValidationError as error:
            view = PartsToIssueView()
            view.setup(request)
            view.object_list = view.get_queryset()
            context = view.get_context_data(errors=error.messages)
            return render(request, view.template_name, context, status=400)
        messages.success(request, message)
        return redirect(_back(request, reverse("aftersales:parts_to_issue")))


class RepairLineIssueView(_LineAction):
    def call(self, request, pk):
        line = services.repairline_issue(actor=request.user, line_id=pk)
        return _("Issued: %(line)s.") % {"line": line.description}


class RepairLineReturnView(_LineAction):
    def call(self, request, pk):
        line = services.repairline_return(actor=request.user, line_id=pk)
        return _("Returned to stock: %(line)s.") % {"line": line.description}


# --- purchase orders ----------------------------------------------------------------------------


class PurchaseOrderListView(ScopedListView):
    model = PurchaseOrder
    table_class = PurchaseOrderTable
    template_name = "aftersales/parts/purchaseorder_list.html"

    def get_queryset(self):
        self.filter_form = PurchaseOrderFilterForm(self.request.GET or None)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.purchase_orders_for_user(
            self.request.user,
            q=data.get("q", ""),
            status=data.get("status", ""),
            sort=data.get("sort", ""),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["filter_form"] = self.filter_form
        context["may_add"] = can(user, PurchaseOrder, "add") and may_manage_parts(user)
        context.update(_tabs(user))
        return context


def _parts_choice(user):
    return list(
        selectors.parts_for_user(user).filter(is_active=True).only("pk", "number", "name_zh")[:2000]
    )


class _LinesFormView(ServiceFormView):
    """A header form and rows of lines (part, quantity, price); empty rows are skipped."""

    template_name = "aftersales/parts/lines_form.html"
    line_class = None

    def header_form(self, obj, data=None):  # pragma: no cover - overridden
        raise NotImplementedError

    def line_initial(self, obj):
        return ()

    def get_form(self, obj, data=None):
        form = self.header_form(obj, data)
        form.lines = line_forms(
            self.line_class,
            data,
            parts=_parts_choice(self.request.user),
            initial=self.line_initial(obj),
        )
        return form

    def render_form(self, form, obj, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "lines": form.lines,
                "object": obj,
                "title": self.get_title(obj),
                "cancel_url": self.cancel_url(obj),
                "line_errors": getattr(form, "line_errors", []),
            },
            status=status,
        )

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        form = self.get_form(obj, request.POST)
        valid = form.is_valid() & all([line.is_valid() for line in form.lines])
        if valid:
            items = [item for line in form.lines if (item := line.item()) is not None]
            try:
                result = self.save(form, obj, items)
            except ValidationError as error:
                if hasattr(error, "error_dict") and "lines" in error.error_dict:
                    form.line_errors = error.message_dict["lines"]
                    error = ValidationError(
                        {k: v for k, v in error.error_dict.items() if k != "lines"}
                    )
                if not hasattr(error, "error_dict") or error.error_dict:
                    apply_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(result.get_absolute_url())
        return self.render_form(form, obj, status=400)


class PurchaseOrderCreateView(_LinesFormView):
    model = PurchaseOrder
    line_class = PurchaseLineForm
    success_url = reverse_lazy("aftersales:purchaseorder_list")

    def get_object(self):
        obj = super().get_object()
        _manager_only(self.request.user)
        if obj is not None and obj.status != PurchaseStatus.DRAFT:
            raise PermissionDenied(_("Only a draft purchase order can be changed."))
        return obj

    def get_title(self, obj):
        if obj is None:
            return _("New purchase order")
        return _("Change purchase order %(number)s") % {"number": obj.number}

    def cancel_url(self, obj):
        return obj.get_absolute_url() if obj is not None else str(self.success_url)

    def header_form(self, obj, data=None):
        initial = {"supplier": obj.supplier, "notes": obj.notes} if obj is not None else None
        return PurchaseOrderForm(data, initial=initial)

    def line_initial(self, obj):
        if obj is None:
            return ()
        return [
            {"part": line.part_id, "quantity": line.quantity, "unit_cost": line.unit_cost}
            for line in obj.lines.all()
        ]

    def save(self, form, obj, items=()):
        if obj is None:
            return services.purchaseorder_create(
                actor=self.request.user, lines=list(items), **form.cleaned_data
            )
        return services.purchaseorder_update(
            actor=self.request.user, order_id=obj.pk, lines=list(items), **form.cleaned_data
        )


class PurchaseOrderDetailView(ScopedDetailView):
    model = PurchaseOrder
    template_name = "aftersales/parts/purchaseorder_detail.html"

    def base_queryset(self):
        return selectors.purchase_order_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, order = self.request.user, self.object
        lines = list(order.lines.all())
        context["lines"] = [(line, line.quantity - line.received) for line in lines]
        context["amount"] = sum((line.quantity * line.unit_cost for line in lines), 0)
        may = may_manage_parts(user) and bool(
            permitted_ids(user, PurchaseOrder, "change", [order.pk])
        )
        context["may_edit"] = may and order.status == PurchaseStatus.DRAFT
        context["may_order"] = may and order.status == PurchaseStatus.DRAFT and bool(lines)
        context["may_receive"] = may and order.status in (
            PurchaseStatus.ORDERED,
            PurchaseStatus.PARTIAL,
        )
        context["may_cancel"] = (
            may
            and order.status in (PurchaseStatus.DRAFT, PurchaseStatus.ORDERED)
            and not any(line.received for line in lines)
        )
        context["today"] = timezone.localdate()
        context["errors"] = kwargs.get("errors")
        context.update(_tabs(user))
        return context


class _ObjectAction(TenantRequiredMixin, View):
    """A POST on one object: re-read for "change" (404 / 403), a service called, back to the
    object's page; a refusal shows the page again with the message (400)."""

    model = None
    detail_view = None

    def call(self, request, obj):  # pragma: no cover - overridden
        raise NotImplementedError

    def post(self, request, pk):
        obj = get_object_for_user(request.user, self.model, "change", pk=pk)
        try:
            message = self.call(request, obj)
        except ValidationError as error:
            view = self.detail_view()
            view.setup(request, pk=pk)
            view.object = view.get_object()
            context = view.get_context_data(object=view.object, errors=error.messages)
            return render(request, view.template_name, context, status=400)
        messages.success(request, message)
        return redirect(obj.get_absolute_url())


class PurchaseOrderOrderView(_ObjectAction):
    model = PurchaseOrder
    detail_view = PurchaseOrderDetailView

    def call(self, request, obj):
        services.purchaseorder_order(
            actor=request.user, order_id=obj.pk, ordered_on=request.POST.get("ordered_on") or None
        )
        return _("Ordered from the OEM.")


class PurchaseOrderReceiveView(_ObjectAction):
    """POST ``receive_<line id>`` for the lines received."""

    model = PurchaseOrder
    detail_view = PurchaseOrderDetailView

    def call(self, request, obj):
        quantities = {
            key.removeprefix("receive_"): value.strip()
            for key, value in request.POST.items()
            if key.startswith("receive_") and value.strip()
        }
        services.purchaseorder_receive(actor=request.user, order_id=obj.pk, quantities=quantities)
        return _("Receipt recorded.")


class PurchaseOrderCancelView(_ObjectAction):
    model = PurchaseOrder
    detail_view = PurchaseOrderDetailView

    def call(self, request, obj):
        services.purchaseorder_cancel(actor=request.user, order_id=obj.pk)
        return _("Purchase order cancelled.")


class PurchaseOrderSuggestView(TenantRequiredMixin, View):
    """POST: a draft purchase order for the parts at or below their reorder point."""

    model = PurchaseOrder

    def post(self, request):
        try:
            order = services.purchaseorder_suggest(actor=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.warning(request, message)
            return redirect("aftersales:purchaseorder_list")
        messages.success(request, _("A draft was prepared; check it before ordering."))
        return redirect(order.get_absolute_url())


# --- counter sales ------------------------------------------------------------------------------


class CounterSaleListView(ScopedListView):
    model = CounterSale
    table_class = CounterSaleTable
    template_name = "aftersales/parts/countersale_list.html"

    def get_queryset(self):
        self.filter_form = CounterSaleFilterForm(self.request.GET or None)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.counter_sales_for_user(
            self.request.user,
            q=data.get("q", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            sort=data.get("sort", ""),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["may_add"] = can(self.request.user, CounterSale, "add")
        context.update(_tabs(self.request.user))
        return context


def _customers(user):
    from crm.models import Customer

    if not can(user, Customer, "view"):
        return None
    return list(Customer.objects.for_user(user, "view").order_by("name").only("pk", "name")[:500])


class CounterSaleCreateView(_LinesFormView):
    model = CounterSale
    line_class = SaleLineForm
    success_url = reverse_lazy("aftersales:countersale_list")

    def get_title(self, obj):
        return _("New counter sale")

    def header_form(self, obj, data=None):
        return CounterSaleForm(
            data,
            customers=_customers(self.request.user),
            initial={"sold_on": timezone.localdate()},
        )

    def save(self, form, obj, items=()):
        return services.countersale_create(
            actor=self.request.user, lines=list(items), **form.service_kwargs()
        )


class CounterSaleDetailView(ScopedDetailView):
    model = CounterSale
    template_name = "aftersales/parts/countersale_detail.html"

    def base_queryset(self):
        return selectors.counter_sale_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, sale = self.request.user, self.object
        context["lines"] = [
            (line, line.quantity - line.returned, line.quantity * line.unit_price)
            for line in sale.lines.all()
        ]
        context["may_return"] = bool(permitted_ids(user, CounterSale, "change", [sale.pk]))
        context["errors"] = kwargs.get("errors")
        context.update(_tabs(user))
        return context


class CounterSaleReturnView(_ObjectAction):
    """POST ``line`` and ``quantity``."""

    model = CounterSale
    detail_view = CounterSaleDetailView

    def call(self, request, obj):
        line = request.POST.get("line", "")
        if not obj.lines.filter(pk=int(line) if line.isdigit() else 0).exists():
            raise ValidationError({"line": _("Not a line of this sale.")})
        services.countersale_return(
            actor=request.user, line_id=int(line), quantity=request.POST.get("quantity", "")
        )
        return _("Return recorded.")


# --- stock counts -------------------------------------------------------------------------------


class StockCountListView(ScopedListView):
    model = StockCount
    table_class = StockCountTable
    template_name = "aftersales/parts/stockcount_list.html"

    def get_queryset(self):
        self.filter_form = StockCountFilterForm(self.request.GET or None)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.stock_counts_for_user(
            self.request.user, posted=data.get("posted", ""), sort=data.get("sort", "")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["filter_form"] = self.filter_form
        context["may_add"] = can(user, StockCount, "add") and may_manage_parts(user)
        context.update(_tabs(user))
        return context


class StockCountCreateView(ServiceFormView):
    model = StockCount
    success_url = reverse_lazy("aftersales:stockcount_list")

    def get_object(self):
        obj = super().get_object()
        _manager_only(self.request.user)
        return obj

    def get_title(self, obj):
        return _("New stock count")

    def get_form(self, obj, data=None):
        return StockCountForm(
            data,
            bins=selectors.part_bins(self.request.user),
            initial={"counted_on": timezone.localdate()},
        )

    def save(self, form, obj):
        return services.stockcount_create(actor=self.request.user, **form.cleaned_data)


class StockCountDetailView(ScopedDetailView):
    model = StockCount
    template_name = "aftersales/parts/stockcount_detail.html"

    def base_queryset(self):
        return selectors.stock_count_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, count = self.request.user, self.object
        lines = list(count.lines.all())
        context["lines"] = [(line, line.counted - line.expected) for line in lines]
        context["bins"] = sorted({line.part.bin for line in lines if line.part.bin})
        context["differences"] = sum(1 for line in lines if line.counted != line.expected)
        context["may_change"] = (
            not count.posted
            and may_manage_parts(user)
            and bool(permitted_ids(user, StockCount, "change", [count.pk]))
        )
        context["errors"] = kwargs.get("errors")
        context.update(_tabs(user))
        return context


class StockCountRecordView(_ObjectAction):
    """POST ``counted_<line id>``."""

    model = StockCount
    detail_view = StockCountDetailView

    def call(self, request, obj):
        counted = {
            key.removeprefix("counted_"): value.strip()
            for key, value in request.POST.items()
            if key.startswith("counted_")
        }
        services.stockcount_record(actor=request.user, count_id=obj.pk, counted=counted)
        return _("Counted quantities saved.")


class StockCountPostView(_ObjectAction):
    model = StockCount
    detail_view = StockCountDetailView

    def call(self, request, obj):
        services.stockcount_post(actor=request.user, count_id=obj.pk)
        return _("Stock count posted: the differences are adjustments now.")


urlpatterns: list = [
    path("parts/", PartListView.as_view(), name="part_list"),
    path("parts/new/", PartFormView.as_view(), name="part_create"),
    path("parts/to-issue/", PartsToIssueView.as_view(), name="parts_to_issue"),
    path("parts/<int:pk>/", PartDetailView.as_view(), name="part_detail"),
    path("parts/<int:pk>/edit/", PartFormView.as_view(), name="part_edit"),
    path("parts/lines/<int:pk>/issue/", RepairLineIssueView.as_view(), name="repairline_issue"),
    path("parts/lines/<int:pk>/return/", RepairLineReturnView.as_view(), name="repairline_return"),
    path("purchase-orders/", PurchaseOrderListView.as_view(), name="purchaseorder_list"),
    path("purchase-orders/new/", PurchaseOrderCreateView.as_view(), name="purchaseorder_create"),
    path(
        "purchase-orders/suggest/",
        PurchaseOrderSuggestView.as_view(),
        name="purchaseorder_suggest",
    ),
    path(
        "purchase-orders/<int:pk>/",
        PurchaseOrderDetailView.as_view(),
        name="purchaseorder_detail",
    ),
    path(
        "purchase-orders/<int:pk>/edit/",
        PurchaseOrderCreateView.as_view(),
        name="purchaseorder_edit",
    ),
    path(
        "purchase-orders/<int:pk>/order/",
        PurchaseOrderOrderView.as_view(),
        name="purchaseorder_order",
    ),
    path(
        "purchase-orders/<int:pk>/receive/",
        PurchaseOrderReceiveView.as_view(),
        name="purchaseorder_receive",
    ),
    path(
        "purchase-orders/<int:pk>/cancel/",
        PurchaseOrderCancelView.as_view(),
        name="purchaseorder_cancel",
    ),
    path("counter-sales/", CounterSaleListView.as_view(), name="countersale_list"),
    path("counter-sales/new/", CounterSaleCreateView.as_view(), name="countersale_create"),
    path("counter-sales/<int:pk>/", CounterSaleDetailView.as_view(), name="countersale_detail"),
    path(
        "counter-sales/<int:pk>/return/",
        CounterSaleReturnView.as_view(),
        name="countersale_return",
    ),
    path("stock-counts/", StockCountListView.as_view(), name="stockcount_list"),
    path("stock-counts/new/", StockCountCreateView.as_view(), name="stockcount_create"),
    path("stock-counts/<int:pk>/", StockCountDetailView.as_view(), name="stockcount_detail"),
    path(
        "stock-counts/<int:pk>/counted/",
        StockCountRecordView.as_view(),
        name="stockcount_record",
    ),
    path("stock-counts/<int:pk>/post/", StockCountPostView.as_view(), name="stockcount_post"),
]


def _low_stock_widget(request) -> dict | None:
    """For who keeps the parts store: parts at or below their reorder point, lines to issue."""
    if getattr(request, "tenant_scope", None) is None:
        return None
    user = request.user
    if not (can(user, Part, "view") and may_manage_parts(user)):
        return None
    return {
        "low": selectors.parts_for_user(user, low=True, active="yes").count(),
        "to_issue": selectors.part_lines_for_user(user).count(),
    }


def register_widgets() -> None:
    """This area's dashboard panel: the parts store (low stock, lines to issue)."""
    from django.utils.translation import gettext_lazy

    from dealership.registry import Widget, register_widget

    register_widget(
        Widget(
            "aftersales_parts",
            gettext_lazy("Parts store"),
            "aftersales/parts/widgets/parts.html",
            _low_stock_widget,
            order=63,
        )
    )
