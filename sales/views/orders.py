"""HTML views of sales: quotes (with their accessories), orders (pay, cancel, assign a car,
trade-in) and the discount limits per position. Every write goes through
:mod:`sales.services`; pages show only the links their viewer may use."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.services.privacy import phone_shown
from dealership.access import can, check_model_permission, permitted_ids
from dealership.views import ScopedDetailView, ScopedListView, ServiceFormView, apply_errors
from sales import services
from sales.forms.orders import (
    AssignVehicleForm,
    CancelForm,
    OrderEditForm,
    OrderFilterForm,
    OrderForm,
    PayForm,
    QuoteFilterForm,
    QuoteForm,
    QuoteItemFormSet,
    TradeInForm,
    items_of,
)
from sales.models import (
    Delivery,
    DiscountLimit,
    Lead,
    Order,
    OrderStatus,
    Quote,
    QuoteStatus,
    StockVehicle,
    TradeIn,
)
from sales.selectors import orders as selectors
from sales.selectors.salesplans import price_in_effect
from sales.services.quotes import EDITABLE
from sales.tables.orders import OrderTable, QuoteTable


def _may_change(user, obj) -> bool:
    return bool(permitted_ids(user, type(obj), "change", [obj.pk]))


def _int(value) -> int | None:
    return int(value) if str(value or "").isdigit() and len(str(value)) < 18 else None


class _FilteredList(ScopedListView):
    filter_class = None
    tab = ""

    def filter_data(self) -> dict:
        self.filter_form = self.filter_class(self.request.GET or None, user=self.request.user)
        return self.filter_form.cleaned_data if self.filter_form.is_valid() else {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["tab"] = self.tab
        context["may_add"] = can(self.request.user, self.model, "add")
        return context


# --- quotes ---------------------------------------------------------------------------------------


class QuoteListView(_FilteredList):
    model = Quote
    table_class = QuoteTable
    filter_class = QuoteFilterForm
    template_name = "sales/orders/quote_list.html"
    tab = "quotes"

    def get_queryset(self):
        data = self.filter_data()
        consultant = data.get("consultant")
        return selectors.quotes_for_user(
            self.request.user,
            q=data.get("q", ""),
            status=data.get("status", ""),
            consultant=consultant.pk if consultant else None,
            model=data.get("model", ""),
        )


class QuoteDetailView(ScopedDetailView):
    model = Quote
    template_name = "sales/orders/quote_detail.html"

    def base_queryset(self):
        return selectors.quote_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, quote = self.request.user, self.object
        may_change = _may_change(user, quote)
        context["mobile"] = phone_shown(
            user=user, customer=quote.customer, context=self.request.path
        )
        context["may_edit"] = may_change and quote.status in EDITABLE
        context["may_order"] = (
            may_change and quote.status == QuoteStatus.APPROVED and can(user, Order, "add")
        )
        context["lead_ids"] = permitted_ids(user, Lead, "view", [quote.lead_id])
        context["car_ids"] = permitted_ids(user, StockVehicle, "view", [quote.stock_vehicle_id])
        context["orders"] = [
            o for o in quote.orders.all() if o.pk in permitted_ids(user, Order, "view", [o.pk])
        ]
        request = quote.discount_request
        if request is not None:
            from org.approvals.models import ApprovalRequest

            seen = permitted_ids(user, ApprovalRequest, "view", [request.pk])
            context["request_url"] = request.get_absolute_url() if seen else None
        return context


class QuoteFormView(ServiceFormView):
    model = Quote
    template_name = "sales/orders/quote_form.html"
    success_url = reverse_lazy("sales:quote_list")

    def get_object(self):
        obj = super().get_object()
        if obj is not None and obj.status not in EDITABLE:
            raise PermissionDenied(
                _("Only a draft quote or one whose discount was refused can be changed.")
            )
        return obj

    def get_title(self, obj):
        return _("New quote") if obj is None else _("Change quote Q%(n)s") % {"n": obj.pk}

    def cancel_url(self, obj):
        return obj.get_absolute_url() if obj is not None else str(self.success_url)

    def get_form(self, obj, data=None):
        initial = {}
        if obj is None:
            lead = _int(self.request.GET.get("lead"))
            if lead:
                initial["lead"] = lead
                found = Lead.objects.filter(pk=lead).first()
                if found is not None and found.model_of_interest:
                    initial["vehicle_model"] = found.model_of_interest
                    in_effect = price_in_effect(found.model_of_interest)
                    if in_effect is not None:
                        initial["list_price"] = in_effect.msrp
            model = self.request.GET.get("model", "").strip()[:80]
            if model:
                trim = self.request.GET.get("trim", "").strip()[:80]
                initial.update(vehicle_model=model, vehicle_trim=trim)
                in_effect = price_in_effect(model, trim)
                if in_effect is not None:
                    initial["list_price"] = in_effect.msrp
            initial["valid_until"] = timezone.localdate() + dt.timedelta(days=7)
        else:
            initial = {
                name: getattr(obj, name)
                for name in services.QUOTE_FIELDS
                if name not in ("lead", "stock_vehicle")
            }
            initial["stock_vehicle"] = obj.stock_vehicle_id
        return QuoteForm(data, initial=initial, user=self.request.user, quote=obj)

    def get_formset(self, obj, data=None):
        initial = None
        if obj is not None:
            initial = [
                {"name": i.name, "quantity": i.quantity, "unit_price": i.unit_price}
                for i in obj.items.all()
            ]
        return QuoteItemFormSet(data, initial=initial, prefix="items")

    def render_form(self, form, obj, status=200, formset=None):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "formset": formset if formset is not None else self.get_formset(obj),
                "object": obj,
                "title": self.get_title(obj),
                "cancel_url": self.cancel_url(obj),
            },
            status=status,
        )

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        form = self.get_form(obj, request.POST)
        formset = self.get_formset(obj, request.POST)
        if form.is_valid() and formset.is_valid():
            kwargs = form.service_kwargs()
            try:
                if obj is None:
                    result = services.quote_create(
                        actor=request.user,
                        lead=form.cleaned_data["lead"].pk,
                        items=items_of(formset),
                        **kwargs,
                    )
                else:
                    result = services.quote_update(
                        actor=request.user, quote_id=obj.pk, items=items_of(formset), **kwargs
                    )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                if result.status == QuoteStatus.PENDING:
                    messages.info(
                        request,
                        _("The discount is above your limit: the quote waits for approval."),
                    )
                else:
                    messages.success(request, _("Saved."))
                return redirect(result.get_absolute_url())
        return self.render_form(form, obj, status=400, formset=formset)

    def save(self, form, obj):  # the POST above calls the services itself
        raise NotImplementedError


# --- orders ---------------------------------------------------------------------------------------


class OrderListView(_FilteredList):
    model = Order
    table_class = OrderTable
    filter_class = OrderFilterForm
    template_name = "sales/orders/order_list.html"
    tab = "orders"

    def get_queryset(self):
        data = self.filter_data()
        consultant = data.get("consultant")
        return selectors.orders_for_user(
            self.request.user,
            q=data.get("q", ""),
            status=data.get("status", ""),
            consultant=consultant.pk if consultant else None,
            month=data.get("month"),
            factory=bool(data.get("factory")),
        )


class OrderDetailView(ScopedDetailView):
    model = Order
    template_name = "sales/orders/order_detail.html"

    def base_queryset(self):
        return selectors.order_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, order = self.request.user, self.object
        may_change = _may_change(user, order) and order.status in services.orders.LIVE
        context["mobile"] = phone_shown(
            user=user, customer=order.customer, context=self.request.path
        )
        context["may_change"] = may_change
        context["may_pay"] = may_change and order.stock_vehicle_id and order.paid_on is None
        context["may_assign"] = may_change and order.status == OrderStatus.FACTORY
        # the hand-over: for who may change the order and record deliveries, once it has a car
        # (may_change holds only while the order is live: neither delivered nor cancelled)
        context["may_deliver"] = bool(
            may_change and order.stock_vehicle_id and can(user, Delivery, "add")
        )
        context["trade_in"] = next(iter(order.trade_ins.all()), None)
        context["may_trade_in"] = may_change and (
            context["trade_in"] is not None or can(user, TradeIn, "add")
        )
        context["lead_ids"] = permitted_ids(user, Lead, "view", [order.lead_id])
        context["quote_ids"] = permitted_ids(user, Quote, "view", [order.quote_id])
        context["car_ids"] = permitted_ids(user, StockVehicle, "view", [order.stock_vehicle_id])
        deliveries = list(order.deliveries.all())
        seen = permitted_ids(user, Delivery, "view", [d.pk for d in deliveries])
        context["deliveries"] = [(d, d.pk in seen) for d in deliveries]
        return context


class OrderCreateView(ServiceFormView):
    model = Order
    template_name = "sales/orders/order_form.html"
    success_url = reverse_lazy("sales:order_list")

    def get_title(self, obj):
        return _("New order")

    def _quote(self):
        pk = _int(self.request.GET.get("quote") or self.request.POST.get("quote"))
        if pk is None:
            return None
        return selectors.ready_quotes(self.request.user).filter(pk=pk).first()

    def get_form(self, obj, data=None):
        quote = self._quote()
        today = timezone.localdate()
        initial = {"ordered_on": today, "deposit_paid_on": today}
        if quote is not None:
            initial.update(quote=quote.pk, stock_vehicle=quote.stock_vehicle_id)
        else:
            lead = _int(self.request.GET.get("lead"))
            if lead:
                initial["lead"] = lead
        self.quote = quote
        return OrderForm(data, initial=initial, user=self.request.user, quote=quote)

    def render_form(self, form, obj, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "quote": getattr(self, "quote", None),
                "title": self.get_title(obj),
                "cancel_url": self.cancel_url(obj),
            },
            status=status,
        )

    def save(self, form, obj):
        return services.order_create(actor=self.request.user, **form.service_kwargs())


class _OrderAction(ServiceFormView):
    model = Order

    def cancel_url(self, obj):
        return obj.get_absolute_url()


class OrderEditView(_OrderAction):
    def get_title(self, obj):
        return _("Change order %(number)s") % {"number": obj.number}

    def get_form(self, obj, data=None):
        initial = {
            name: getattr(obj, name)
            for name in services.ORDER_FIELDS
            if name not in ("key_account",)
        }
        initial["key_account"] = obj.key_account_id
        return OrderEditForm(data, initial=initial, user=self.request.user, order=obj)

    def save(self, form, obj):
        return services.order_update(
            actor=self.request.user, order_id=obj.pk, **form.service_kwargs()
        )


class OrderPayView(_OrderAction):
    def get_title(self, obj):
        return _("Balance paid: order %(number)s") % {"number": obj.number}

    def get_form(self, obj, data=None):
        return PayForm(data, initial={"paid_on": timezone.localdate()})

    def save(self, form, obj):
        return services.order_pay(actor=self.request.user, order_id=obj.pk, **form.cleaned_data)


class OrderCancelView(_OrderAction):
    def get_title(self, obj):
        return _("Cancel order %(number)s") % {"number": obj.number}

    def get_form(self, obj, data=None):
        return CancelForm(data)

    def save(self, form, obj):
        return services.order_cancel(
            actor=self.request.user, order_id=obj.pk, reason=form.cleaned_data["reason"]
        )


class OrderAssignVehicleView(_OrderAction):
    def get_title(self, obj):
        return _("Assign a car to order %(number)s") % {"number": obj.number}

    def get_form(self, obj, data=None):
        return AssignVehicleForm(data, user=self.request.user, order=obj)

    def save(self, form, obj):
        return services.order_assign_vehicle(
            actor=self.request.user, order_id=obj.pk, **form.service_kwargs()
        )


class TradeInEditView(_OrderAction):
    def get_title(self, obj):
        return _("Trade-in on order %(number)s") % {"number": obj.number}

    def get_form(self, obj, data=None):
        trade_in = TradeIn.objects.filter(order=obj).first()
        initial = {"valued_by": self.request.user.pk}
        if trade_in is not None:
            initial = {name: getattr(trade_in, name) for name in services.TRADEIN_FIELDS}
            initial["valued_by"] = trade_in.valued_by_id
        return TradeInForm(data, initial=initial)

    def save(self, form, obj):
        services.tradein_save(actor=self.request.user, order_id=obj.pk, **form.service_kwargs())
        return obj


# --- discount limits ----------------------------------------------------------------------------


class DiscountLimitsView(ScopedListView):
    """The dealership's sales positions with the discount each may give without approval;
    holders of ``sales.change_plan`` change the amounts here."""

    model = DiscountLimit
    template_name = "sales/orders/discount_limits.html"
    table_class = None
    paginate_by = 100

    def get_queryset(self):
        return selectors.discount_limits(self.request.user)

    def get_table(self, **kwargs):
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_change"] = can(self.request.user, DiscountLimit, "change")
        context["errors"] = getattr(self, "errors", {})
        return context

    def post(self, request, *args, **kwargs):
        check_model_permission(request.user, DiscountLimit, "change")
        rows = list(selectors.discount_limits(request.user))
        self.errors = {}
        changes = []
        for row in rows:
            value = request.POST.get(f"limit-{row.pk}")
            if value is None or value.strip() == str(row.max_amount):
                continue
            changes.append((row, value.strip()))
        try:
            from django.db import transaction

            with transaction.atomic():
                for row, value in changes:
                    try:
                        services.discount_limit_set(
                            actor=request.user, position_id=row.position_id, max_amount=value
                        )
                    except ValidationError as error:
                        self.errors[row.pk] = error.messages
                if self.errors:
                    raise ValidationError("")
        except ValidationError:
            self.object_list = self.get_queryset()
            context = self.get_context_data()
            return render(request, self.template_name, context, status=400)
        messages.success(request, _("Saved."))
        return redirect(reverse("sales:discount_limits"))


urlpatterns: list = [
    path("quotes/", QuoteListView.as_view(), name="quote_list"),
    path("quotes/new/", QuoteFormView.as_view(), name="quote_create"),
    path("quotes/<int:pk>/", QuoteDetailView.as_view(), name="quote_detail"),
    path("quotes/<int:pk>/edit/", QuoteFormView.as_view(), name="quote_edit"),
    path("orders/", OrderListView.as_view(), name="order_list"),
    path("orders/new/", OrderCreateView.as_view(), name="order_create"),
    path("orders/<int:pk>/", OrderDetailView.as_view(), name="order_detail"),
    path("orders/<int:pk>/edit/", OrderEditView.as_view(), name="order_edit"),
    path("orders/<int:pk>/pay/", OrderPayView.as_view(), name="order_pay"),
    path("orders/<int:pk>/cancel/", OrderCancelView.as_view(), name="order_cancel"),
    path(
        "orders/<int:pk>/assign-vehicle/",
        OrderAssignVehicleView.as_view(),
        name="order_assign_vehicle",
    ),
    path("orders/<int:pk>/trade-in/", TradeInEditView.as_view(), name="tradein_edit"),
    path("discount-limits/", DiscountLimitsView.as_view(), name="discount_limits"),
]


def register_widgets() -> None:
    """This area's dashboard panels (none yet)."""
