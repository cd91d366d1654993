"""API of after-sales: the parts store under ``/api/v1/aftersales/``.

* ``parts/`` — read, create (with ``opening_quantity``), change (never the stock); filters
  ``?q=`` (number or name), ``low=1``, ``bin``, ``active=yes|no``, ``sort``;
* ``part-movements/?part=<id>&kind=`` — the movements (read only);
* ``purchase-orders/`` — read, create (lines nested), change a draft; ``POST …/{id}/order/``,
  ``…/{id}/receive/`` (``{"quantities": {"<line id>": qty}}``), ``…/{id}/cancel/``,
  ``POST purchase-orders/suggest/``;
* ``counter-sales/`` — read, create (lines nested); ``POST …/{id}/return/``
  (``{"line": id, "quantity": q}``);
* ``stock-counts/`` — read, create (``bin`` or every active part); ``POST …/{id}/counted/``
  (``{"counted": {"<line id>": qty}}``), ``…/{id}/post/``.

Every write goes through the services (the same rules, locks and audit as the pages)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action

from aftersales import services
from aftersales.models import (
    CounterSale,
    CounterSaleLine,
    MovementKind,
    Part,
    PartMovement,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseStatus,
    StockCount,
    StockCountLine,
)
from aftersales.selectors import parts as selectors
from dealership.api.services import as_drf_errors, valid
from dealership.api.viewsets import TenantModelViewSet, TenantReadOnlyModelViewSet

QTY = {"max_digits": 12, "decimal_places": 2}

# --- serializers ---------------------------------------------------------------------------------


class PartSerializer(serializers.ModelSerializer):
    available = serializers.DecimalField(read_only=True, **QTY)

    class Meta:
        model = Part
        fields = [
            "id",
            "number",
            "name_zh",
            "name_en",
            "bin",
            "unit",
            "cost",
            "price",
            "on_hand",
            "reserved",
            "available",
            "reorder_point",
            "is_active",
            "created_at",
        ]
        read_only_fields = fields


class _PartDataSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40)
    name_zh = serializers.CharField(max_length=100)
    name_en = serializers.CharField(max_length=100, required=False, allow_blank=True)
    bin = serializers.CharField(max_length=20, required=False, allow_blank=True)
    unit = serializers.CharField(max_length=10, required=False, allow_blank=True)
    cost = serializers.DecimalField(min_value=0, **QTY)
    price = serializers.DecimalField(min_value=0, **QTY)
    reorder_point = serializers.DecimalField(min_value=0, required=False, **QTY)
    is_active = serializers.BooleanField(required=False)


class PartCreateSerializer(_PartDataSerializer):
    opening_quantity = serializers.DecimalField(min_value=0, required=False, **QTY)


class PartMovementSerializer(serializers.ModelSerializer):
    reference = serializers.SerializerMethodField()

    class Meta:
        model = PartMovement
        fields = [
            "id",
            "part",
            "kind",
            "quantity",
            "unit_cost",
            "repair_line",
            "purchase_line",
            "sale_line",
            "count_line",
            "reference",
            "note",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_reference(self, obj) -> str:
        if obj.purchase_line_id:
            return obj.purchase_line.order.number
        if obj.sale_line_id:
            return obj.sale_line.sale.number
        if obj.repair_line_id:
            return obj.repair_line.repair_order.number
        if obj.count_line_id:
            return f"{obj.count_line.count.counted_on}"
        return ""


class PurchaseLineSerializer(serializers.ModelSerializer):
    part_number = serializers.CharField(source="part.number", read_only=True)

    class Meta:
        model = PurchaseOrderLine
        fields = ["id", "part", "part_number", "quantity", "received", "unit_cost"]
        read_only_fields = fields


class PurchaseOrderSerializer(serializers.ModelSerializer):
    lines = PurchaseLineSerializer(many=True, read_only=True)

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "number",
            "supplier",
            "status",
            "ordered_on",
            "notes",
            "created_by",
            "created_at",
            "lines",
        ]
        read_only_fields = fields


class _LineInput(serializers.Serializer):
    part = serializers.IntegerField(min_value=1)
    quantity = serializers.DecimalField(**QTY)


class PurchaseLineInput(_LineInput):
    unit_cost = serializers.DecimalField(min_value=0, required=False, allow_null=True, **QTY)


class PurchaseOrderWriteSerializer(serializers.Serializer):
    supplier = serializers.CharField(max_length=100, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    lines = PurchaseLineInput(many=True)


class PurchaseOrderUpdateSerializer(serializers.Serializer):
    supplier = serializers.CharField(max_length=100, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    lines = PurchaseLineInput(many=True, required=False)


class OrderSerializer(serializers.Serializer):
    ordered_on = serializers.DateField(required=False, allow_null=True)


class QuantitiesField(serializers.DictField):
    child = serializers.CharField(max_length=20)


class ReceiveSerializer(serializers.Serializer):
    quantities = QuantitiesField()


class SaleLineSerializer(serializers.ModelSerializer):
    part_number = serializers.CharField(source="part.number", read_only=True)

    class Meta:
        model = CounterSaleLine
        fields = ["id", "part", "part_number", "quantity", "returned", "unit_price"]
        read_only_fields = fields


class CounterSaleSerializer(serializers.ModelSerializer):
    lines = SaleLineSerializer(many=True, read_only=True)
    salesperson_name = serializers.SerializerMethodField()

    class Meta:
        model = CounterSale
        fields = [
            "id",
            "number",
            "customer",
            "buyer_name",
            "sold_on",
            "salesperson",
            "salesperson_name",
            "total",
            "created_at",
            "lines",
        ]
        read_only_fields = fields

    def get_salesperson_name(self, obj) -> str:
        return obj.salesperson.name or obj.salesperson.username


class SaleLineInput(_LineInput):
    unit_price = serializers.DecimalField(min_value=0, required=False, allow_null=True, **QTY)


class CounterSaleWriteSerializer(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    buyer_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    sold_on = serializers.DateField(required=False, allow_null=True)
    lines = SaleLineInput(many=True)


class SaleReturnSerializer(serializers.Serializer):
    line = serializers.IntegerField(min_value=1)
    quantity = serializers.DecimalField(**QTY)
    note = serializers.CharField(max_length=150, required=False, allow_blank=True)


class CountLineSerializer(serializers.ModelSerializer):
    part_number = serializers.CharField(source="part.number", read_only=True)
    bin = serializers.CharField(source="part.bin", read_only=True)

    class Meta:
        model = StockCountLine
        fields = ["id", "part", "part_number", "bin", "expected", "counted"]
        read_only_fields = fields


class StockCountSerializer(serializers.ModelSerializer):
    lines = CountLineSerializer(many=True, read_only=True)

    class Meta:
        model = StockCount
        fields = [
            "id",
            "counted_on",
            "posted",
            "posted_at",
            "counted_by",
            "notes",
            "created_at",
            "lines",
        ]
        read_only_fields = fields


class StockCountWriteSerializer(serializers.Serializer):
    counted_on = serializers.DateField(required=False, allow_null=True)
    bin = serializers.CharField(max_length=20, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class CountedSerializer(serializers.Serializer):
    counted = QuantitiesField()


def _lines(items) -> list[dict]:
    return [{k: v for k, v in dict(item).items() if v is not None} for item in items]


# --- viewsets ------------------------------------------------------------------------------------


class _ServiceViewSet(TenantModelViewSet):
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    detail_actions: tuple[str, ...] = ()

    def policy_action(self) -> str:
        return "change" if self.action in self.detail_actions else super().policy_action()


class PartViewSet(_ServiceViewSet):
    """Parts the user may see; ``?q=``, ``low=1``, ``bin``, ``active=yes|no``, ``sort`` (number,
    -number, name, bin, on_hand, -on_hand, available)."""

    model = Part
    serializer_class = PartSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Part._base_manager.none()
        if self.action == "list":
            params = self.request.query_params
            return selectors.parts_for_user(
                self.request.user,
                q=params.get("q", ""),
                low=params.get("low", "") in ("1", "true", "yes", "on"),
                bin=params.get("bin", "")[:20],
                active=params.get("active", ""),
                sort=params.get("sort", ""),
            )
        return super().get_queryset()

    @extend_schema(request=PartCreateSerializer, responses=PartSerializer)
    def create(self, request, *args, **kwargs):
        data = valid(PartCreateSerializer, request)
        with as_drf_errors():
            part = services.part_create(actor=request.user, **data)
        return self.answer(part, status.HTTP_201_CREATED)

    @extend_schema(request=_PartDataSerializer, responses=PartSerializer)
    def update(self, request, *args, **kwargs):
        part = self.get_object()
        data = valid(_PartDataSerializer, request, partial=kwargs.get("partial", False))
        with as_drf_errors():
            part = services.part_update(actor=request.user, part_id=part.pk, **data)
        return self.answer(part, status.HTTP_200_OK)


class PartMovementViewSet(TenantReadOnlyModelViewSet):
    """Movements of the parts the user may see, newest first; ``?part=<id>``, ``kind``."""

    model = PartMovement
    serializer_class = PartMovementSerializer

    def base_queryset(self):
        return PartMovement.objects.select_related(
            "repair_line__repair_order",
            "purchase_line__order",
            "sale_line__sale",
            "count_line__count",
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PartMovement._base_manager.none()
        if self.action == "list":
            params = self.request.query_params
            part = params.get("part", "")
            if part and not part.isdigit():
                raise serializers.ValidationError({"part": [_("Give a part id.")]})
            kind = params.get("kind", "")
            if kind and kind not in MovementKind.values:
                raise serializers.ValidationError({"kind": [_("Unknown kind of movement.")]})
            return selectors.movements_for_user(
                self.request.user, part=int(part) if part else None, kind=kind
            )
        return super().get_queryset()


class PurchaseOrderViewSet(_ServiceViewSet):
    """Purchase orders to the OEM with their lines; ``?q=``, ``status``, ``sort``."""

    model = PurchaseOrder
    serializer_class = PurchaseOrderSerializer
    detail_actions = ("order", "receive", "cancel")

    def base_queryset(self):
        return selectors.purchase_order_detail_queryset()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PurchaseOrder._base_manager.none()
        if self.action == "list":
            params = self.request.query_params
            status_ = params.get("status", "")
            return selectors.purchase_orders_for_user(
                self.request.user,
                q=params.get("q", ""),
                status=status_ if status_ in PurchaseStatus.values else "",
                sort=params.get("sort", ""),
            ).prefetch_related("lines__part")
        return super().get_queryset()

    @extend_schema(request=PurchaseOrderWriteSerializer, responses=PurchaseOrderSerializer)
    def create(self, request, *args, **kwargs):
        data = valid(PurchaseOrderWriteSerializer, request)
        data["lines"] = _lines(data["lines"])
        with as_drf_errors():
            order = services.purchaseorder_create(actor=request.user, **data)
        return self.answer(order, status.HTTP_201_CREATED)

    @extend_schema(request=PurchaseOrderUpdateSerializer, responses=PurchaseOrderSerializer)
    def update(self, request, *args, **kwargs):
        order = self.get_object()
        data = valid(PurchaseOrderUpdateSerializer, request, partial=kwargs.get("partial", False))
        if "lines" in data:
            data["lines"] = _lines(data["lines"])
        with as_drf_errors():
            order = services.purchaseorder_update(actor=request.user, order_id=order.pk, **data)
        return self.answer(order, status.HTTP_200_OK)

    @extend_schema(request=OrderSerializer, responses=PurchaseOrderSerializer)
    @action(detail=True, methods=["post"])
    def order(self, request, pk=None):
        order = self.get_object()
        data = valid(OrderSerializer, request)
        with as_drf_errors():
            order = services.purchaseorder_order(
                actor=request.user, order_id=order.pk, ordered_on=data.get("ordered_on")
            )
        return self.answer(order, status.HTTP_200_OK)

    @extend_schema(request=ReceiveSerializer, responses=PurchaseOrderSerializer)
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        order = self.get_object()
        data = valid(ReceiveSerializer, request)
        with as_drf_errors():
            order = services.purchaseorder_receive(
                actor=request.user, order_id=order.pk, quantities=data["quantities"]
            )
        return self.answer(order, status.HTTP_200_OK)

    @extend_schema(request=None, responses=PurchaseOrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        order = self.get_object()
        with as_drf_errors():
            order = services.purchaseorder_cancel(actor=request.user, order_id=order.pk)
        return self.answer(order, status.HTTP_200_OK)

    @extend_schema(request=None, responses=PurchaseOrderSerializer)
    @action(detail=False, methods=["post"])
    def suggest(self, request):
        with as_drf_errors():
            order = services.purchaseorder_suggest(actor=request.user)
        return self.answer(order, status.HTTP_201_CREATED)


class CounterSaleViewSet(_ServiceViewSet):
    """Counter sales (a parts salesperson: their own); ``?q=``, ``from``/``until``, ``sort``."""

    model = CounterSale
    serializer_class = CounterSaleSerializer
    http_method_names = ["get", "post", "head", "options"]
    detail_actions = ("return_",)

    def base_queryset(self):
        return selectors.counter_sale_detail_queryset()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CounterSale._base_manager.none()
        if self.action == "list":
            import datetime as dt

            params = self.request.query_params

            def day(name):
                try:
                    return dt.date.fromisoformat(params.get(name, ""))
                except ValueError:
                    return None

            return selectors.counter_sales_for_user(
                self.request.user,
                q=params.get("q", ""),
                date_from=day("from"),
                date_to=day("until"),
                sort=params.get("sort", ""),
            ).prefetch_related("lines__part")
        return super().get_queryset()

    @extend_schema(request=CounterSaleWriteSerializer, responses=CounterSaleSerializer)
    def create(self, request, *args, **kwargs):
        data = valid(CounterSaleWriteSerializer, request)
        data["lines"] = _lines(data["lines"])
        with as_drf_errors():
            sale = services.countersale_create(actor=request.user, **data)
        return self.answer(sale, status.HTTP_201_CREATED)

    @extend_schema(request=SaleReturnSerializer, responses=CounterSaleSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        sale = self.get_object()
        data = valid(SaleReturnSerializer, request)
        if not sale.lines.filter(pk=data["line"]).exists():
            raise serializers.ValidationError({"line": [_("Not a line of this sale.")]})
        with as_drf_errors():
            services.countersale_return(
                actor=request.user,
                line_id=data["line"],
                quantity=data["quantity"],
                note=data.get("note", ""),
            )
        return self.answer(sale, status.HTTP_200_OK)


class StockCountViewSet(_ServiceViewSet):
    """Stock counts with their lines; ``?posted=yes|no``."""

    model = StockCount
    serializer_class = StockCountSerializer
    http_method_names = ["get", "post", "head", "options"]
    detail_actions = ("counted", "post_")

    def base_queryset(self):
        return selectors.stock_count_detail_queryset()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StockCount._base_manager.none()
        if self.action == "list":
            params = self.request.query_params
            return selectors.stock_counts_for_user(
                self.request.user, posted=params.get("posted", ""), sort=params.get("sort", "")
            ).prefetch_related("lines__part")
        return super().get_queryset()

    @extend_schema(request=StockCountWriteSerializer, responses=StockCountSerializer)
    def create(self, request, *args, **kwargs):
        data = valid(StockCountWriteSerializer, request)
        with as_drf_errors():
            count = services.stockcount_create(actor=request.user, **data)
        return self.answer(count, status.HTTP_201_CREATED)

    @extend_schema(request=CountedSerializer, responses=StockCountSerializer)
    @action(detail=True, methods=["post"])
    def counted(self, request, pk=None):
        count = self.get_object()
        data = valid(CountedSerializer, request)
        with as_drf_errors():
            count = services.stockcount_record(
                actor=request.user, count_id=count.pk, counted=data["counted"]
            )
        return self.answer(count, status.HTTP_200_OK)

    @extend_schema(request=None, responses=StockCountSerializer)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_(self, request, pk=None):
        count = self.get_object()
        with as_drf_errors():
            count = services.stockcount_post(actor=request.user, count_id=count.pk)
        return self.answer(count, status.HTTP_200_OK)


def register(router) -> None:
    router.register("parts", PartViewSet, basename="part")
    router.register("part-movements", PartMovementViewSet, basename="part-movement")
    router.register("purchase-orders", PurchaseOrderViewSet, basename="purchase-order")
    router.register("counter-sales", CounterSaleViewSet, basename="counter-sale")
    router.register("stock-counts", StockCountViewSet, basename="stock-count")
