import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from dealership.columns import DateTimeColumn
from dealership.models import Delivery, Notification, WeComRobot
from dealership.notifications.kinds import kind_label


class NotificationTable(tables.Table):
    """Only paginates: the page renders each notification as a list item
    (``notifications/list.html``)."""

    class Meta:
        model = Notification
        fields = ("created_at",)
        orderable = False


class DeliveryTable(tables.Table):
    created_at = DateTimeColumn(verbose_name=_("created at"), linkify=True, format="Y-m-d H:i")
    kind = tables.Column(verbose_name=_("kind"), default="—")
    target = tables.Column(verbose_name=_("to"), empty_values=(), orderable=False)

    class Meta:
        model = Delivery
        fields = ("created_at", "channel", "kind", "target", "state", "attempts", "next_attempt_at")
        attrs = {
            "class": "table table-sm table-hover align-middle",
            "data-testid": "delivery-table",
        }
        orderable = False
        empty_text = _("No messages were sent outside the app yet.")

    def render_kind(self, value):
        return kind_label(value)

    def render_target(self, record):
        return record.target or "—"


class RobotTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=_("name"))
    audience = tables.Column(verbose_name=_("for"), empty_values=())
    masked_url = tables.Column(verbose_name=_("webhook address"), empty_values=(), orderable=False)
    actions = tables.TemplateColumn(
        template_name="notifications/_robot_actions.html", verbose_name="", orderable=False
    )

    class Meta:
        model = WeComRobot
        fields = ("name", "audience", "masked_url", "is_active", "actions")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "robot-table"}
        orderable = False
        empty_text = _("No WeCom robot yet: messages stay in the app and e-mail.")

    def __init__(self, *args, audiences=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.audiences = audiences or {}

    def render_audience(self, value):
        return self.audiences.get(value, value) if value else _("The whole dealership")
