"""API of sales: the vehicle stock (``stock/``: read, receive, change, ``POST stock/{id}/arrive/``),
deliveries (``deliveries/``: read, create from an order — each shows its customer with the
phone masked per ``crm.view_customer_phone``, its vehicle and ``delivered_on``) and the
vehicle-allocation requests (``allocations/``: lines nested; ``POST …/{id}/lines/``,
``…/rebuild/``, ``…/submit/``). Every write goes through the services."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action

from crm.api.serializers import PhonesShownMixin, api_phone
from dealership.api.services import ServiceViewSetMixin, as_drf_errors, valid
from dealership.api.viewsets import TenantModelViewSet
from sales import services
from sales.models import AllocationLine, AllocationRequest, Delivery, StockStatus, StockVehicle
from sales.selectors import stock as selectors
from sales.services.deliveries import DeliveryChecklist, DeliveryDocument

# --- serializers ---------------------------------------------------------------------------------


class StockSerializer(serializers.ModelSerializer):
    age_days = serializers.SerializerMethodField()

    class Meta:
        model = StockVehicle
        fields = [
            "id",
            "vin",
            "brand",
            "model",
            "trim",
            "colour",
            "model_year",
            "status",
            "ordered_on",
            "arrived_on",
            "delivered_on",
            "age_days",
            "cost",
            "list_price",
            "location",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_age_days(self, obj) -> int | None:
        return obj.age_days()


class _StockDataSerializer(serializers.Serializer):
    vin = serializers.CharField(max_length=30)
    brand = serializers.CharField(max_length=50, required=False, allow_blank=True)
    model = serializers.CharField(max_length=80)
    trim = serializers.CharField(max_length=80, required=False, allow_blank=True)
    colour = serializers.CharField(max_length=30, required=False, allow_blank=True)
    model_year = serializers.IntegerField(required=False, allow_null=True)
    cost = serializers.DecimalField(max_digits=12, decimal_places=2)
    list_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    location = serializers.CharField(max_length=50, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    ordered_on = serializers.DateField(required=False, allow_null=True)


class StockCreateSerializer(_StockDataSerializer):
    in_transit = serializers.BooleanField(default=True)
    arrived_on = serializers.DateField(required=False, allow_null=True)


class StockUpdateSerializer(_StockDataSerializer):
    arrived_on = serializers.DateField(required=False, allow_null=True)


class ArriveSerializer(serializers.Serializer):
    arrived_on = serializers.DateField()


class _CustomerField(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    mobile = serializers.CharField(allow_null=True)


class CarDeliverySerializer(PhonesShownMixin, serializers.ModelSerializer):
    # the customer's number through crm's phones_shown (masked or logged, once a page)
    phone_customer = "customer"
    phone_fields = ("mobile",)
    phone_keys = {"mobile": "_none"}  # get_customer decides

    order = serializers.SerializerMethodField()
    customer = serializers.SerializerMethodField()
    vehicle = serializers.SerializerMethodField()
    consultant_name = serializers.CharField(source="consultant.name", read_only=True)
    photo_url = serializers.SerializerMethodField()

    class Meta:
        model = Delivery
        fields = [
            "id",
            "order",
            "customer",
            "vehicle",
            "stock_vehicle",
            "delivered_on",
            "documents",
            "checklist",
            "mileage",
            "notes",
            "consultant",
            "consultant_name",
            "photo_url",
            "created_at",
        ]
        read_only_fields = fields

    def get_order(self, obj) -> dict:
        return {"id": obj.order_id, "number": obj.order.number}

    @extend_schema(responses=_CustomerField)
    def get_customer(self, obj) -> dict:
        return {
            "id": obj.customer_id,
            "name": obj.customer.name,
            "mobile": api_phone(self, obj.customer),
        }

    def get_vehicle(self, obj) -> dict:
        vehicle = obj.vehicle
        return {
            "id": vehicle.pk,
            "vin": vehicle.vin,
            "plate": vehicle.plate,
            "model": vehicle.model,
        }

    def get_photo_url(self, obj) -> str | None:
        if not obj.photo:
            return None
        from django.urls import reverse

        return reverse("sales:delivery_photo", kwargs={"pk": obj.pk})


class CarDeliveryWriteSerializer(serializers.Serializer):
    order = serializers.IntegerField(min_value=1)
    delivered_on = serializers.DateField()
    documents = serializers.ListField(
        child=serializers.ChoiceField(choices=DeliveryDocument.choices),
        required=False,
        max_length=20,
    )
    checklist = serializers.ListField(
        child=serializers.ChoiceField(choices=DeliveryChecklist.choices),
        required=False,
        max_length=20,
    )
    mileage = serializers.IntegerField(required=False, allow_null=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    photo = serializers.FileField(required=False, allow_null=True)


class AllocationLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = AllocationLine
        fields = [
            "id",
            "model",
            "trim",
            "colour",
            "open_orders",
            "in_stock",
            "in_transit",
            "quantity",
        ]
        read_only_fields = fields


class AllocationSerializer(serializers.ModelSerializer):
    lines = AllocationLineSerializer(many=True, read_only=True)

    class Meta:
        model = AllocationRequest
        fields = [
            "id",
            "month",
            "status",
            "notes",
            "submitted_by",
            "submitted_at",
            "lines",
            "created_at",
        ]
        read_only_fields = fields


class AllocationCreateSerializer(serializers.Serializer):
    month = serializers.DateField(input_formats=["%Y-%m", "%Y-%m-%d"])
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class AllocationUpdateSerializer(serializers.Serializer):
    notes = serializers.CharField(max_length=5000, allow_blank=True)


class AllocationLineUpdateSerializer(serializers.Serializer):
    line = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=0, max_value=10000)


# --- viewsets ------------------------------------------------------------------------------------


class _ServiceViewSet(ServiceViewSetMixin, TenantModelViewSet):
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    create_serializer = update_serializer = None
    detail_actions: tuple[str, ...] = ()

    def policy_action(self) -> str:
        return "change" if self.action in self.detail_actions else super().policy_action()


class StockViewSet(_ServiceViewSet):
    """The stock (every car of the dealership for who may view it); filters ``?q=`` (VIN or
    model), ``status``, ``model``, ``colour``, ``age`` (0-30, 31-60, 61-90, 90+), ``sort``
    (age, -age, arrival, -arrival, model, vin)."""

    model = StockVehicle
    serializer_class = StockSerializer
    detail_actions = ("arrive",)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StockVehicle._base_manager.none()
        if self.action == "list":
            params = self.request.query_params
            status_ = params.get("status", "")
            return selectors.stock_for_user(
                self.request.user,
                q=params.get("q", ""),
                status=status_ if status_ in StockStatus.values else "",
                model=params.get("model", "")[:80],
                colour=params.get("colour", "")[:30],
                age=params.get("age", ""),
                sort=params.get("sort", ""),
            )
        return super().get_queryset()

    @extend_schema(request=StockCreateSerializer, responses=StockSerializer)
    def create(self, request, *args, **kwargs):
        data = valid(StockCreateSerializer, request)
        with as_drf_errors():
            car = services.stock_create(actor=request.user, **data)
        return self.answer(car, status.HTTP_201_CREATED)

    @extend_schema(request=StockUpdateSerializer, responses=StockSerializer)
    def update(self, request, *args, **kwargs):
        car = self.get_object()
        data = valid(StockUpdateSerializer, request, partial=kwargs.get("partial", False))
        with as_drf_errors():
            car = services.stock_update(actor=request.user, stock_vehicle_id=car.pk, **data)
        return self.answer(car, status.HTTP_200_OK)

    @extend_schema(request=ArriveSerializer, responses=StockSerializer)
    @action(detail=True, methods=["post"])
    def arrive(self, request, pk=None):
        car = self.get_object()
        data = dict(valid(ArriveSerializer, request))
        with as_drf_errors():
            car = services.stock_arrive(actor=request.user, stock_vehicle_id=car.pk, **data)
        return self.answer(car, status.HTTP_200_OK)


class DeliveryViewSet(_ServiceViewSet):
    """Deliveries the user may see (a consultant: their own); ``?q=`` (customer, VIN, plate,
    order number), ``from``/``until`` (days), ``consultant``. Create = hand over an order's car
    (JSON, or multipart with a ``photo``)."""

    model = Delivery
    serializer_class = CarDeliverySerializer
    http_method_names = ["get", "post", "head", "options"]

    def base_queryset(self):
        return selectors.delivery_detail_queryset()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Delivery._base_manager.none()
        if self.action == "list":
            params = self.request.query_params
            form = _delivery_filters(params)
            return selectors.deliveries_for_user(self.request.user, **form)
        return super().get_queryset()

    @extend_schema(request=CarDeliveryWriteSerializer, responses=CarDeliverySerializer)
    def create(self, request, *args, **kwargs):
        data = valid(CarDeliveryWriteSerializer, request)
        order = data.pop("order")
        with as_drf_errors():
            delivery = services.delivery_create(actor=request.user, order_id=order, **data)
        return self.answer(delivery, status.HTTP_201_CREATED)


def _delivery_filters(params) -> dict:
    import datetime as dt

    def day(name):
        try:
            return dt.date.fromisoformat(params.get(name, ""))
        except ValueError:
            return None

    consultant = params.get("consultant", "")
    return {
        "q": params.get("q", ""),
        "date_from": day("from"),
        "date_to": day("until"),
        "consultant": int(consultant) if consultant.isdigit() else None,
        "sort": params.get("sort", ""),
    }


class AllocationViewSet(_ServiceViewSet):
    """Vehicle-allocation requests with their lines; ``?status=draft|submitted``."""

    model = AllocationRequest
    serializer_class = AllocationSerializer
    detail_actions = ("submit", "rebuild", "lines")

    def base_queryset(self):
        return selectors.allocation_detail_queryset()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AllocationRequest._base_manager.none()
        if self.action == "list":
            return selectors.allocations_for_user(
                self.request.user, status=self.request.query_params.get("status", "")[:10]
            ).prefetch_related("lines")
        return super().get_queryset()

    @extend_schema(request=AllocationCreateSerializer, responses=AllocationSerializer)
    def create(self, request, *args, **kwargs):
        data = valid(AllocationCreateSerializer, request)
        with as_drf_errors():
            obj = services.allocation_create(actor=request.user, **data)
        return self.answer(obj, status.HTTP_201_CREATED)

    @extend_schema(request=AllocationUpdateSerializer, responses=AllocationSerializer)
    def update(self, request, *args, **kwargs):
        obj = self.get_object()
        data = valid(AllocationUpdateSerializer, request)
        with as_drf_errors():
            obj = services.allocation_update(actor=request.user, allocation_id=obj.pk, **data)
        return self.answer(obj, status.HTTP_200_OK)

    @extend_schema(request=None, responses=AllocationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        obj = self.get_object()
        with as_drf_errors():
            obj = services.allocation_submit(actor=request.user, allocation_id=obj.pk)
        return self.answer(obj, status.HTTP_200_OK)

    @extend_schema(request=None, responses=AllocationSerializer)
    @action(detail=True, methods=["post"])
    def rebuild(self, request, pk=None):
        obj = self.get_object()
        with as_drf_errors():
            obj = services.allocation_rebuild(actor=request.user, allocation_id=obj.pk)
        return self.answer(obj, status.HTTP_200_OK)

    @extend_schema(request=AllocationLineUpdateSerializer, responses=AllocationSerializer)
    @action(detail=True, methods=["post"])
    def lines(self, request, pk=None):
        obj = self.get_object()
        data = dict(valid(AllocationLineUpdateSerializer, request))
        if not AllocationLine.objects.filter(request=obj, pk=data["line"]).exists():
            raise serializers.ValidationError({"line": [_("Not a line of this request.")]})
        with as_drf_errors():
            services.allocation_line_update(
                actor=request.user, line_id=data["line"], quantity=data["quantity"]
            )
        return self.answer(obj, status.HTTP_200_OK)


def register(router) -> None:
    router.register("stock", StockViewSet, basename="stock")
    router.register("deliveries", DeliveryViewSet, basename="delivery")
    router.register("allocations", AllocationViewSet, basename="allocation")
