"""API of sales: quotes (items nested), orders (actions ``pay``, ``cancel``, ``assign-vehicle``;
the trade-in nested, ``POST orders/{id}/trade-in/``) and discount limits. Writes go through
:mod:`sales.services`; customer phones are masked without ``crm.view_customer_phone``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.api.serializers import PhonesShownMixin, api_phone
from dealership.api.pagination import CountedPagination
from dealership.api.services import as_drf_errors, valid
from dealership.api.viewsets import TenantModelViewSet
from sales import services
from sales.models import DiscountLimit, Order, Quote, QuoteItem, TradeIn
from sales.selectors import orders as selectors

MONEY = {"max_digits": 12, "decimal_places": 2}


class _CustomerMixin(PhonesShownMixin, serializers.Serializer):
    """The customer's number through crm's ``phones_shown`` (masked or logged, once a page)."""

    phone_customer = "customer"
    phone_fields = ("mobile",)
    phone_keys = {"mobile": "_none"}  # the method field decides

    customer_name = serializers.CharField(source="customer.name", read_only=True)
    customer_mobile = serializers.SerializerMethodField()
    consultant_name = serializers.CharField(source="consultant.name", read_only=True)

    def get_customer_mobile(self, obj) -> str | None:
        return api_phone(self, obj.customer)


class QuoteItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuoteItem
        fields = ["id", "name", "quantity", "unit_price"]
        read_only_fields = ["id"]


class QuoteSerializer(_CustomerMixin, serializers.ModelSerializer):
    items = QuoteItemSerializer(many=True, read_only=True)

    class Meta:
        model = Quote
        fields = [
            "id",
            "lead",
            "customer",
            "customer_name",
            "customer_mobile",
            "consultant",
            "consultant_name",
            "stock_vehicle",
            "vehicle_model",
            "vehicle_trim",
            "vehicle_colour",
            "list_price",
            "discount",
            "items",
            "accessories_total",
            "insurance_company",
            "insurance_amount",
            "registration_fee",
            "loan",
            "loan_term_months",
            "down_payment",
            "total",
            "valid_until",
            "status",
            "discount_request",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class QuoteWriteSerializer(serializers.Serializer):
    lead = serializers.IntegerField(min_value=1)
    stock_vehicle = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    vehicle_model = serializers.CharField(max_length=80, required=False, allow_blank=True)
    vehicle_trim = serializers.CharField(max_length=80, required=False, allow_blank=True)
    vehicle_colour = serializers.CharField(max_length=30, required=False, allow_blank=True)
    list_price = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    discount = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    insurance_company = serializers.CharField(max_length=50, required=False, allow_blank=True)
    insurance_amount = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    registration_fee = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    loan = serializers.BooleanField(required=False)
    loan_term_months = serializers.IntegerField(required=False, allow_null=True)
    down_payment = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    valid_until = serializers.DateField(required=False, allow_null=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    items = QuoteItemSerializer(many=True, required=False)


class QuoteUpdateSerializer(QuoteWriteSerializer):
    lead = None


class TradeInSerializer(serializers.ModelSerializer):
    class Meta:
        model = TradeIn
        fields = [
            "id",
            "brand",
            "model",
            "vin",
            "plate",
            "first_registered_on",
            "mileage",
            "valuation",
            "valued_by",
            "notes",
        ]
        read_only_fields = fields


class TradeInWriteSerializer(serializers.Serializer):
    brand = serializers.CharField(max_length=50, required=False, allow_blank=True)
    model = serializers.CharField(max_length=80, required=False, allow_blank=True)
    vin = serializers.CharField(max_length=30, required=False, allow_blank=True)
    plate = serializers.CharField(max_length=12, required=False, allow_blank=True)
    first_registered_on = serializers.DateField(required=False, allow_null=True)
    mileage = serializers.IntegerField(required=False, allow_null=True)
    valuation = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    valued_by = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class OrderSerializer(_CustomerMixin, serializers.ModelSerializer):
    trade_in = serializers.SerializerMethodField()
    vin = serializers.CharField(source="stock_vehicle.vin", read_only=True, default=None)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "quote",
            "lead",
            "customer",
            "customer_name",
            "customer_mobile",
            "consultant",
            "consultant_name",
            "key_account",
            "stock_vehicle",
            "vin",
            "vehicle_model",
            "vehicle_trim",
            "vehicle_colour",
            "price",
            "deposit",
            "deposit_paid_on",
            "ordered_on",
            "expected_on",
            "paid_on",
            "invoice_no",
            "status",
            "cancelled_reason",
            "trade_in",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_trade_in(self, obj) -> dict | None:
        trade_in = next(iter(obj.trade_ins.all()), None)
        return TradeInSerializer(trade_in).data if trade_in is not None else None


class OrderWriteSerializer(serializers.Serializer):
    quote = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    lead = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    stock_vehicle = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    key_account = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    vehicle_model = serializers.CharField(max_length=80, required=False, allow_blank=True)
    vehicle_trim = serializers.CharField(max_length=80, required=False, allow_blank=True)
    vehicle_colour = serializers.CharField(max_length=30, required=False, allow_blank=True)
    price = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    deposit = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    deposit_paid_on = serializers.DateField(required=False, allow_null=True)
    ordered_on = serializers.DateField(required=False, allow_null=True)
    expected_on = serializers.DateField(required=False, allow_null=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class OrderUpdateSerializer(OrderWriteSerializer):
    quote = lead = stock_vehicle = None


class PaySerializer(serializers.Serializer):
    paid_on = serializers.DateField(required=False, allow_null=True)
    invoice_no = serializers.CharField(max_length=30, required=False, allow_blank=True)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class AssignSerializer(serializers.Serializer):
    stock_vehicle = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class DiscountLimitSerializer(serializers.ModelSerializer):
    position_code = serializers.CharField(source="position.code", read_only=True)
    position_name = serializers.CharField(source="position.name", read_only=True)

    class Meta:
        model = DiscountLimit
        fields = ["id", "position", "position_code", "position_name", "max_amount"]
        read_only_fields = ["id", "position", "position_code", "position_name"]


class _Writes(TenantModelViewSet):
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    write_serializer = update_serializer = None


class QuoteViewSet(_Writes):
    """Quotes the user may see; ``?status=``, ``?q=`` (customer, model). A discount above the
    actor's limit leaves the quote ``pending`` until the sales manager decides."""

    model = Quote
    serializer_class = QuoteSerializer

    def base_queryset(self):
        return selectors.quote_detail_queryset().order_by("-pk")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Quote.objects.none()
        if self.action == "list":
            params = self.request.query_params
            return selectors.quotes_for_user(
                self.request.user, q=params.get("q", ""), status=params.get("status", "")
            ).prefetch_related("items")
        return super().get_queryset()

    @extend_schema(request=QuoteWriteSerializer, responses=QuoteSerializer)
    def create(self, request, *args, **kwargs):
        data = valid(QuoteWriteSerializer, request)
        data["items"] = [dict(i) for i in data.get("items", [])]
        with as_drf_errors():
            quote = services.quote_create(actor=request.user, **_present(data))
        return self.answer(quote, status.HTTP_201_CREATED)

    @extend_schema(request=QuoteUpdateSerializer, responses=QuoteSerializer)
    def update(self, request, *args, **kwargs):
        quote = self.get_object()
        data = valid(QuoteUpdateSerializer, request, partial=True)
        if "items" in data:
            data["items"] = [dict(i) for i in data["items"]]
        with as_drf_errors():
            quote = services.quote_update(actor=request.user, quote_id=quote.pk, **data)
        return self.answer(quote, status.HTTP_200_OK)


def _present(data: dict) -> dict:
    """Amounts sent as null mean "not given"."""
    return {k: v for k, v in data.items() if v is not None or k == "stock_vehicle"}


class OrderViewSet(_Writes):
    """Orders the user may see; ``?status=``, ``?q=`` (number, customer, VIN),
    ``?factory=1``. Actions: ``pay``, ``cancel``, ``assign-vehicle``, ``trade-in``."""

    model = Order
    serializer_class = OrderSerializer

    def base_queryset(self):
        return (
            Order.objects.select_related("customer", "consultant", "stock_vehicle")
            .prefetch_related("trade_ins")
            .order_by("-pk")
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        if self.action == "list":
            params = self.request.query_params
            return selectors.orders_for_user(
                self.request.user,
                q=params.get("q", ""),
                status=params.get("status", ""),
                factory=params.get("factory") in ("1", "true"),
            ).prefetch_related("trade_ins")
        return super().get_queryset()

    def policy_action(self) -> str:
        if self.action in ("pay", "cancel", "assign_vehicle", "trade_in"):
            return "change"
        return super().policy_action()

    @extend_schema(request=OrderWriteSerializer, responses=OrderSerializer)
    def create(self, request, *args, **kwargs):
        data = valid(OrderWriteSerializer, request)
        with as_drf_errors():
            order = services.order_create(actor=request.user, **data)
        return self.answer(order, status.HTTP_201_CREATED)

    @extend_schema(request=OrderUpdateSerializer, responses=OrderSerializer)
    def update(self, request, *args, **kwargs):
        order = self.get_object()
        data = valid(OrderUpdateSerializer, request, partial=True)
        with as_drf_errors():
            order = services.order_update(actor=request.user, order_id=order.pk, **data)
        return self.answer(order, status.HTTP_200_OK)

    @extend_schema(request=PaySerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        order = self.get_object()
        data = dict(valid(PaySerializer, request))
        with as_drf_errors():
            order = services.order_pay(
                actor=request.user,
                order_id=order.pk,
                paid_on=data.get("paid_on"),
                invoice_no=data.get("invoice_no", ""),
            )
        return self.answer(order, status.HTTP_200_OK)

    @extend_schema(request=CancelSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        order = self.get_object()
        data = dict(valid(CancelSerializer, request))
        with as_drf_errors():
            order = services.order_cancel(
                actor=request.user, order_id=order.pk, reason=data.get("reason", "")
            )
        return self.answer(order, status.HTTP_200_OK)

    @extend_schema(request=AssignSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"], url_path="assign-vehicle")
    def assign_vehicle(self, request, pk=None):
        order = self.get_object()
        data = dict(valid(AssignSerializer, request))
        with as_drf_errors():
            order = services.order_assign_vehicle(
                actor=request.user, order_id=order.pk, stock_vehicle=data.get("stock_vehicle")
            )
        return self.answer(order, status.HTTP_200_OK)

    @extend_schema(request=TradeInWriteSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"], url_path="trade-in")
    def trade_in(self, request, pk=None):
        order = self.get_object()
        data = dict(valid(TradeInWriteSerializer, request))
        with as_drf_errors():
            services.tradein_save(actor=request.user, order_id=order.pk, **data)
        return self.answer(order, status.HTTP_200_OK)


class DiscountLimitViewSet(TenantModelViewSet):
    """The discount each sales position may give without approval; holders of
    ``sales.change_plan`` change ``max_amount``."""

    pagination_class = CountedPagination  # a short list: numbered pages, a count

    model = DiscountLimit
    serializer_class = DiscountLimitSerializer
    http_method_names = ["get", "put", "patch", "head", "options"]

    def base_queryset(self):
        return DiscountLimit.objects.select_related("position").order_by("position__pk")

    def update(self, request, *args, **kwargs):
        limit = self.get_object()
        serializer = DiscountLimitSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        with as_drf_errors():
            limit = services.discount_limit_set(
                actor=request.user,
                position_id=limit.position_id,
                max_amount=serializer.validated_data.get("max_amount"),
            )
        return Response(self.get_serializer(self.base_queryset().get(pk=limit.pk)).data)


def register(router) -> None:
    router.register("quotes", QuoteViewSet, basename="quote")
    router.register("orders", OrderViewSet, basename="order")
    router.register("discount-limits", DiscountLimitViewSet, basename="discountlimit")
