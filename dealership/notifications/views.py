"""The notification pages: the list behind the bell, one notification, the preferences, and
(for who sets them up) the WeCom robots and the messages sent outside the app."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from dealership.access import can, get_object_for_user
from dealership.models import Delivery, Notification, WeComRobot
from dealership.notifications import recipients, selectors, services
from dealership.notifications.forms import (
    NotificationFilterForm,
    PreferencesForm,
    RobotForm,
)
from dealership.notifications.kinds import kind_label
from dealership.notifications.tables import DeliveryTable, NotificationTable, RobotTable
from dealership.tenancy import get_scope
from dealership.views import (
    ScopedDetailView,
    ScopedListView,
    ServiceDeleteView,
    ServiceFormView,
    TenantRequiredMixin,
    apply_errors,
)


def _back(request, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next") or default
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = default
    return HttpResponseRedirect(target)


class NotificationListView(ScopedListView):
    """The person's own notifications: unread first, filtered by kind and date, each linked
    to its own page (which links its object only while they may still open it)."""

    model = Notification
    table_class = NotificationTable
    template_name = "notifications/list.html"
    paginate_by = 20

    def get_queryset(self):
        self.filter_form = NotificationFilterForm(self.request.GET or None)
        return selectors.notifications_for_user(self.request.user, **self.filter_form.filters())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        table = context["table"]
        page = [row.record for row in table.page.object_list] if table.page else []
        context.update(
            filter_form=self.filter_form,
            # each links to its own page, which links its object when the reader may open it:
            # the list costs one query whatever kinds of objects it is about
            items=[(n, kind_label(n.kind)) for n in page],
            unread=selectors.unread_count(self.request.user),
            title=_("Notifications"),
        )
        return context


class NotificationDetailView(ScopedDetailView):
    """One notification; opening it marks it read."""

    model = Notification
    template_name = "notifications/detail.html"

    def get_object(self, queryset=None):
        return services.notification_mark_read(
            user=self.request.user, notification_id=self.kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        notification = context["object"]
        context["object_url"] = selectors.links_for(self.request.user, [notification]).get(
            notification.pk
        )
        context["kind_name"] = kind_label(notification.kind)
        return context


class NotificationReadView(TenantRequiredMixin, View):
    """POST: mark one of one's own notifications read (htmx swaps the item)."""

    model = Notification

    def post(self, request, pk):
        notification = services.notification_mark_read(user=request.user, notification_id=pk)
        if request.htmx:
            return render(
                request,
                "notifications/_item.html",
                {
                    "n": notification,
                    "kind_name": kind_label(notification.kind),
                    "oob_bell": True,
                    "unread_notifications": selectors.unread_count(request.user),
                },
            )
        return _back(request, reverse("notifications:list"))


class NotificationReadAllView(TenantRequiredMixin, View):
    """POST: mark all of one's own (unread) notifications read."""

    model = Notification

    def post(self, request):
        count = services.notifications_mark_all_read(
            user=request.user, kind=request.POST.get("kind", "")
        )
        messages.success(request, _("%(count)s notifications marked as read.") % {"count": count})
        return _back(request, reverse("notifications:list"))


class BellView(TenantRequiredMixin, View):
    """The bell with the unread count (htmx refreshes it every minute)."""

    def get(self, request):
        return render(
            request,
            "notifications/_bell.html",
            {"unread_notifications": selectors.unread_count(request.user)},
        )


class PreferencesView(TenantRequiredMixin, View):
    """Which channels each kind of notification reaches the person on."""

    template_name = "notifications/preferences.html"

    def _render(self, request, form, status=200):
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "title": _("Notification settings"),
                "has_email": bool(request.user.email),
            },
            status=status,
        )

    def get(self, request):
        return self._render(request, PreferencesForm(rows=services.preferences_for(request.user)))

    def post(self, request):
        form = PreferencesForm(request.POST, rows=services.preferences_for(request.user))
        if form.is_valid():
            try:
                services.preferences_set(user=request.user, choices=form.choices())
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(reverse("notifications:preferences"))
        return self._render(request, form, status=400)


# --- WeCom robots -----------------------------------------------------------------------------


class RobotListView(ScopedListView):
    model = WeComRobot
    table_class = RobotTable
    template_name = "notifications/robot_list.html"

    def get_table_kwargs(self):
        scope = get_scope()
        from dealership.models import Dealership

        dealership = Dealership.objects.filter(pk=scope.current_id).first()
        audiences = dict(recipients.audience_choices(dealership)) if dealership else {}
        return {"audiences": audiences}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("WeCom robots")
        context["can_add"] = can(self.request.user, WeComRobot, "add")
        context["can_view_deliveries"] = can(self.request.user, Delivery, "view")
        return context


class RobotFormView(ServiceFormView):
    model = WeComRobot
    success_url = reverse_lazy("notifications:robot_list")

    def get_title(self, obj):
        return _("Edit WeCom robot") if obj else _("New WeCom robot")

    def get_form(self, obj, data=None):
        from dealership.models import Dealership

        dealership = Dealership.objects.get(pk=obj.dealership_id if obj else get_scope().current_id)
        return RobotForm(data, instance=obj, dealership=dealership)

    def save(self, form, obj):
        data = {field: form.cleaned_data[field] for field in services.ROBOT_FIELDS}
        if obj is None:
            services.robot_create(actor=self.request.user, **data)
        else:
            services.robot_update(actor=self.request.user, robot_id=obj.pk, **data)
        return None  # back to the list

    def cancel_url(self, obj):
        return str(self.success_url)


class RobotDeleteView(ServiceDeleteView):
    model = WeComRobot
    success_url = reverse_lazy("notifications:robot_list")

    def delete(self, obj):
        services.robot_delete(actor=self.request.user, robot_id=obj.pk)


class RobotTestView(TenantRequiredMixin, View):
    """POST: queue a test message to the robot's group."""

    model = WeComRobot

    def post(self, request, pk):
        robot = get_object_for_user(request.user, WeComRobot, "change", pk=pk)
        services.robot_send_test(actor=request.user, robot_id=robot.pk)
        messages.success(
            request,
            _("A test message to %(robot)s is on its way; see Messages sent for the result.")
            % {"robot": robot.name},
        )
        return HttpResponseRedirect(reverse("notifications:robot_list"))


# --- messages sent outside the app ------------------------------------------------------------


class DeliveryListView(ScopedListView):
    model = Delivery
    table_class = DeliveryTable
    template_name = "notifications/delivery_list.html"

    def get_queryset(self):
        state = self.request.GET.get("state", "")
        channel = self.request.GET.get("channel", "")
        return selectors.deliveries_for_user(
            self.request.user,
            state=state if state in Delivery.State.values else "",
            channel=channel if channel in Delivery.Channel.values else "",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=_("Messages sent"),
            states=Delivery.State.choices,
            channels=Delivery.Channel.choices,
        )
        return context


class DeliveryDetailView(ScopedDetailView):
    model = Delivery
    template_name = "notifications/delivery_detail.html"

    def base_queryset(self):
        return Delivery.objects.select_related("robot", "recipient")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        delivery = context["object"]
        context["kind_name"] = kind_label(delivery.kind) if delivery.kind else "—"
        context["can_retry"] = delivery.state in (
            Delivery.State.FAILED,
            Delivery.State.RETRYING,
        ) and can(self.request.user, Delivery, "change")
        return context


class DeliveryRetryView(TenantRequiredMixin, View):
    model = Delivery

    def post(self, request, pk):
        try:
            services.delivery_retry(actor=request.user, delivery_id=pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The message will be sent again."))
        return HttpResponseRedirect(reverse("notifications:delivery_detail", kwargs={"pk": pk}))
