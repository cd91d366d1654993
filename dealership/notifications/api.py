"""``/api/v1/notifications/``: the caller's own notifications (``?unread=true``, ``?kind=``),
marking them read, and the unread count; ``/api/v1/platform/wecom-robots/`` and
``/api/v1/platform/deliveries/`` for who sets up and watches the messages sent outside."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from dealership.api.pagination import CountedPagination
from dealership.api.services import ServiceViewSetMixin, as_drf_errors
from dealership.api.viewsets import TenantModelViewSet, TenantReadOnlyModelViewSet
from dealership.models import Delivery, Notification, WeComRobot
from dealership.notifications import selectors, services
from dealership.notifications.kinds import kind_label


class NotificationSerializer(serializers.ModelSerializer):
    kind_name = serializers.SerializerMethodField()
    subject = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    is_read = serializers.BooleanField(read_only=True)
    object_url = serializers.SerializerMethodField(
        help_text="The object's page, only while the caller may open it."
    )

    class Meta:
        model = Notification
        fields = (
            "id",
            "kind",
            "kind_name",
            "subject",
            "body",
            "object_type",
            "object_id",
            "object_url",
            "created_at",
            "read_at",
            "is_read",
        )
        read_only_fields = fields

    def get_kind_name(self, obj) -> str:
        return kind_label(obj.kind)

    def get_object_url(self, obj) -> str | None:
        links = self.context.get("links")
        if links is None:
            links = selectors.links_for(self.context["request"].user, [obj])
        return links.get(obj.pk)


_COUNT = inline_serializer("UnreadCount", {"unread": serializers.IntegerField()})
_MARKED = inline_serializer("MarkedRead", {"marked": serializers.IntegerField()})


class NotificationViewSet(TenantReadOnlyModelViewSet):
    model = Notification
    serializer_class = NotificationSerializer
    lookup_value_regex = r"\d+"

    def policy_action(self) -> str:
        return "view"  # reading and marking one's own notifications read

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification._base_manager.none()
        params = self.request.query_params
        return selectors.notifications_for_user(
            self.request.user,
            unread_only=params.get("unread", "").lower() in ("1", "true", "yes"),
            kind=params.get("kind", ""),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("unread", bool, description="Only unread notifications."),
            OpenApiParameter("kind", str, description="Only this kind (e.g. org.account_ready)."),
        ]
    )
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        context = self.get_serializer_context()
        context["links"] = selectors.links_for(request.user, page)
        data = NotificationSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one of your notifications read."""
        notification = services.notification_mark_read(user=request.user, notification_id=pk)
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        request=None,
        responses=_MARKED,
        parameters=[OpenApiParameter("kind", str, description="Only this kind.")],
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark all your unread notifications (of ``?kind=``) read."""
        count = services.notifications_mark_all_read(
            user=request.user, kind=request.query_params.get("kind", "")
        )
        return Response({"marked": count})

    @extend_schema(responses=_COUNT)
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        """How many of your notifications are unread (the bell's number)."""
        return Response({"unread": selectors.unread_count(request.user)})


class WeComRobotSerializer(serializers.ModelSerializer):
    webhook_url = serializers.URLField(
        write_only=True, max_length=500, help_text="The robot's webhook address (never shown)."
    )
    masked_url = serializers.CharField(read_only=True)
    audience = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="Blank: the whole dealership."
    )

    class Meta:
        model = WeComRobot
        fields = ("id", "name", "audience", "webhook_url", "masked_url", "is_active", "created_at")
        read_only_fields = ("id", "masked_url", "created_at")


class WeComRobotViewSet(ServiceViewSetMixin, TenantModelViewSet):
    """WeCom group robots (for holders of ``platform.change_notifications``)."""

    pagination_class = CountedPagination  # a short list: numbered pages, a count

    model = WeComRobot
    serializer_class = WeComRobotSerializer
    create_service = staticmethod(services.robot_create)
    update_service = staticmethod(services.robot_update)
    delete_service = staticmethod(services.robot_delete)
    id_argument = "robot_id"

    @extend_schema(
        request=None,
        responses=inline_serializer("Queued", {"delivery": serializers.IntegerField()}),
    )
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Queue a test message to the robot's group."""
        robot = self.get_object()
        delivery = services.robot_send_test(actor=request.user, robot_id=robot.pk)
        return Response({"delivery": delivery.pk}, status=202)


class DeliverySerializer(serializers.ModelSerializer):
    kind_name = serializers.SerializerMethodField()
    target = serializers.CharField(read_only=True)

    class Meta:
        model = Delivery
        fields = (
            "id",
            "channel",
            "kind",
            "kind_name",
            "target",
            "subject",
            "state",
            "attempts",
            "next_attempt_at",
            "sent_at",
            "last_error",
            "created_at",
        )
        read_only_fields = fields

    def get_kind_name(self, obj) -> str:
        return kind_label(obj.kind) if obj.kind else ""


class DeliveryViewSet(TenantReadOnlyModelViewSet):
    """Messages sent outside the app (e-mail, digests, WeCom), watched with the job runs."""

    model = Delivery
    serializer_class = DeliverySerializer

    def base_queryset(self):
        return Delivery.objects.select_related("robot").order_by("-created_at", "-pk")

    @extend_schema(request=None, responses=DeliverySerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Send a failed message again now."""
        with as_drf_errors():
            delivery = services.delivery_retry(actor=request.user, delivery_id=pk)
        return Response(self.get_serializer(delivery).data)
