"""Pages of crm: outreach — retention lists (after-sales acknowledges receipt) with the retention
rate per delivery month, service reminders (send an SMS, log a call, skip), the owner club
(join, leave, logins; registration and login rates against the targets) and SMS campaigns
(draft → approval → send, with a preview and the delivery log).

Phone numbers shown on a page come from :func:`crm.services.privacy.phones_shown`, once per
page; each page shows only the links and buttons its viewer may use."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tables2 import RequestConfig

from crm.forms.outreach import (
    ConfirmForm,
    MemberFilterForm,
    MemberJoinForm,
    MemberLeaveForm,
    MemberLoginForm,
    ReminderFilterForm,
    ReminderNoteForm,
    ReminderSmsForm,
    RetentionFilterForm,
    SmsCampaignForm,
    SmsFilterForm,
)
from crm.models import (
    Customer,
    Membership,
    ReminderState,
    RetentionList,
    ServiceReminder,
    SmsCampaign,
    SmsCampaignState,
)
from crm.selectors import outreach as selectors
from crm.services import outreach as services
from crm.services.privacy import phones_shown
from crm.tables.outreach import (
    MemberTable,
    ReminderTable,
    RetentionEntryTable,
    RetentionListTable,
    SmsCampaignTable,
    SmsDeliveryTable,
)
from dealership.access import can, permitted_ids
from dealership.views import ScopedDetailView, ScopedListView, ServiceFormView
from org.approvals.models import ApprovalRequest


def tabs(user) -> list[tuple[str, str, str]]:
    """The area's tabs the user may open: (key, label, url)."""
    shown = []
    for key, label, url_name, model in (
        ("reminders", _("Service reminders"), "crm:reminder_list", ServiceReminder),
        ("retention", _("Retention"), "crm:retention_list", RetentionList),
        ("members", _("Owner club"), "crm:member_list", Membership),
        ("sms", _("SMS campaigns"), "crm:sms_list", SmsCampaign),
    ):
        if can(user, model, "view"):
            shown.append((key, label, reverse(url_name)))
    return shown


class _AreaMixin:
    tab = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tabs"] = tabs(self.request.user)
        context["tab"] = self.tab
        return context


def _page_customers(table) -> list[Customer]:
    return [row.record.customer for row in table.page.object_list]


# --- retention ----------------------------------------------------------------------------------


class RetentionListView(_AreaMixin, ScopedListView):
    model = RetentionList
    table_class = RetentionListTable
    template_name = "crm/outreach/retention_list.html"
    tab = "retention"

    def get_queryset(self):
        self.filter_form = RetentionFilterForm(self.request.GET or None)
        return selectors.retention_lists_for_user(self.request.user, **self.filter_form.selection())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["rates"] = list(reversed(selectors.retention_rates(self.request.user)))
        return context


class RetentionDetailView(_AreaMixin, ScopedDetailView):
    model = RetentionList
    template_name = "crm/outreach/retention_detail.html"
    tab = "retention"

    def base_queryset(self):
        return RetentionList.objects.select_related("acknowledged_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, retention_list = self.request.user, self.object
        table = RetentionEntryTable(selectors.retention_entries(user, retention_list))
        RequestConfig(self.request, paginate={"per_page": 50}).configure(table)
        customers = _page_customers(table)
        table.phones = phones_shown(user=user, customers=customers, context="crm.retention")
        table.customer_ids = permitted_ids(user, Customer, "view", [c.pk for c in customers])
        context["table"] = table
        context["may_acknowledge"] = (
            retention_list.acknowledged_at is None and services.may_acknowledge(user)
        )
        return context


class RetentionAcknowledgeView(ServiceFormView):
    """After-sales acknowledges receipt of the list (a confirmation; once)."""

    model = RetentionList
    action = "view"  # who acknowledges is the service's rule, not the list's change right
    template_name = "crm/outreach/confirm.html"

    def get_object(self):
        obj = super().get_object()
        if not services.may_acknowledge(self.request.user):
            raise PermissionDenied(
                _("Only after-sales managers and the CRM managers acknowledge retention lists.")
            )
        return obj

    def get_title(self, obj):
        return _("Acknowledge receipt of the retention list %(list)s") % {"list": obj}

    def cancel_url(self, obj):
        return obj.get_absolute_url()

    def get_form(self, obj, data=None):
        return ConfirmForm(data)

    def save(self, form, obj):
        return services.retention_list_acknowledge(actor=self.request.user, list_id=obj.pk)


# --- service reminders --------------------------------------------------------------------------


class ReminderListView(_AreaMixin, ScopedListView):
    model = ServiceReminder
    table_class = ReminderTable
    template_name = "crm/outreach/reminder_list.html"
    tab = "reminders"

    def get_queryset(self):
        query = self.request.GET.copy()
        if "state" not in query:
            query["state"] = ReminderState.OPEN  # what is left to do, unless asked otherwise
        self.filter_form = ReminderFilterForm(query)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.reminders_for_user(
            self.request.user,
            kind=data.get("kind", ""),
            state=data.get("state", ""),
            due_from=data.get("due_from"),
            due_to=data.get("due_to"),
            q=data.get("q", ""),
        )

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        user = self.request.user
        customers = _page_customers(table)
        table.phones = phones_shown(user=user, customers=customers, context="crm.reminders")
        table.customer_ids = permitted_ids(user, Customer, "view", [c.pk for c in customers])
        table.may_work = can(user, ServiceReminder, "change")
        return table

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        return context


class _ReminderActionView(ServiceFormView):
    """Work one reminder: the page shows the customer, the vehicle and why (no phone number:
    the list shows it as the viewer may see it)."""

    model = ServiceReminder
    success_url = reverse_lazy("crm:reminder_list")
    template_name = "crm/outreach/reminder_action.html"

    def render_form(self, form, obj, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "object": obj,
                "title": self.get_title(obj),
                "cancel_url": self.cancel_url(obj),
                "no_consent": not obj.customer.consent_sms,
                "is_sms": isinstance(self, ReminderSmsView),
            },
            status=status,
        )


class ReminderSmsView(_ReminderActionView):
    def get_title(self, obj):
        return _("Send the reminder by SMS: %(customer)s") % {"customer": obj.customer.name}

    def get_form(self, obj, data=None):
        return ReminderSmsForm(data, initial={"text": services.DEFAULT_TEXTS[obj.kind]})

    def save(self, form, obj):
        return services.reminder_send_sms(
            actor=self.request.user, reminder_id=obj.pk, text=form.cleaned_data["text"]
        )


class ReminderCallView(_ReminderActionView):
    def get_title(self, obj):
        return _("Reminded by phone: %(customer)s") % {"customer": obj.customer.name}

    def get_form(self, obj, data=None):
        return ReminderNoteForm(data)

    def save(self, form, obj):
        return services.reminder_call(
            actor=self.request.user, reminder_id=obj.pk, note=form.cleaned_data["note"]
        )


class ReminderSkipView(_ReminderActionView):
    def get_title(self, obj):
        return _("Not reminded: %(customer)s") % {"customer": obj.customer.name}

    def get_form(self, obj, data=None):
        return ReminderNoteForm(data, note_required=True)

    def save(self, form, obj):
        return services.reminder_skip(
            actor=self.request.user, reminder_id=obj.pk, note=form.cleaned_data["note"]
        )


# --- owner club ---------------------------------------------------------------------------------


class MemberListView(_AreaMixin, ScopedListView):
    model = Membership
    table_class = MemberTable
    template_name = "crm/outreach/member_list.html"
    tab = "members"

    def get_queryset(self):
        query = self.request.GET.copy()
        if "status" not in query:
            query["status"] = "active"
        self.filter_form = MemberFilterForm(query)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.members_for_user(
            self.request.user, status=data.get("status", ""), q=data.get("q", "")
        )

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        user = self.request.user
        rows = [row.record for row in table.page.object_list]
        table.customer_ids = permitted_ids(user, Customer, "view", [m.customer_id for m in rows])
        table.changeable = (
            permitted_ids(user, Membership, "change", [m.pk for m in rows])
            if can(user, Membership, "change")
            else set()
        )
        return table

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["rates"] = selectors.member_rates(self.request.user)
        context["may_join"] = can(self.request.user, Membership, "add")
        return context


class MembershipJoinView(ServiceFormView):
    model = Membership
    success_url = reverse_lazy("crm:member_list")

    def get_title(self, obj):
        return _("A customer joins the owner club")

    def get_form(self, obj, data=None):
        initial = {"joined_on": timezone.localdate()}
        customer = self.request.GET.get("customer", "")
        if customer.isdigit():
            initial["customer"] = int(customer)
        return MemberJoinForm(data, initial=initial, user=self.request.user)

    def save(self, form, obj):
        data = form.cleaned_data
        services.membership_join(
            actor=self.request.user,
            customer_id=data["customer"].pk,
            joined_on=data["joined_on"],
            member_no=data.get("member_no", ""),
        )
        return None


class MembershipLeaveView(ServiceFormView):
    model = Membership
    success_url = reverse_lazy("crm:member_list")

    def get_title(self, obj):
        return _("%(customer)s leaves the owner club") % {"customer": obj.customer.name}

    def get_form(self, obj, data=None):
        return MemberLeaveForm(data, initial={"left_on": timezone.localdate()})

    def save(self, form, obj):
        services.membership_leave(
            actor=self.request.user, membership_id=obj.pk, left_on=form.cleaned_data["left_on"]
        )
        return None


class MembershipLoginView(ServiceFormView):
    model = Membership
    success_url = reverse_lazy("crm:member_list")

    def get_title(self, obj):
        return _("%(customer)s logged in to the owner site") % {"customer": obj.customer.name}

    def get_form(self, obj, data=None):
        return MemberLoginForm(data, initial={"day": timezone.localdate()})

    def save(self, form, obj):
        services.membership_login(
            actor=self.request.user, membership_id=obj.pk, day=form.cleaned_data["day"]
        )
        return None


# --- SMS campaigns ------------------------------------------------------------------------------


class SmsListView(_AreaMixin, ScopedListView):
    model = SmsCampaign
    table_class = SmsCampaignTable
    template_name = "crm/outreach/sms_list.html"
    tab = "sms"

    def get_queryset(self):
        self.filter_form = SmsFilterForm(self.request.GET or None)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.campaigns_for_user(
            self.request.user, state=data.get("state", ""), q=data.get("q", "")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["may_add"] = can(self.request.user, SmsCampaign, "add")
        return context


class SmsDetailView(_AreaMixin, ScopedDetailView):
    model = SmsCampaign
    template_name = "crm/outreach/sms_detail.html"
    tab = "sms"

    def base_queryset(self):
        return SmsCampaign.objects.select_related("created_by", "request")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, campaign = self.request.user, self.object
        may_change = bool(permitted_ids(user, SmsCampaign, "change", [campaign.pk]))
        state = campaign.state
        context["audience_label"] = services.audience_label(campaign.audience)
        if state in (SmsCampaignState.DRAFT, SmsCampaignState.SUBMITTED, SmsCampaignState.APPROVED):
            try:
                context["preview"] = selectors.sms_preview(
                    user,
                    audience=campaign.audience,
                    text=campaign.text,
                    dealership_id=campaign.dealership_id,
                )
            except ValidationError as error:
                context["preview_error"] = " ".join(error.messages)
        table = SmsDeliveryTable(selectors.campaign_deliveries(user, campaign))
        RequestConfig(self.request, paginate={"per_page": 50}).configure(table)
        context["deliveries"] = table
        context["counts"] = selectors.delivery_counts(campaign)
        context["may_edit"] = may_change and state == SmsCampaignState.DRAFT
        context["may_submit"] = context["may_edit"]
        context["may_send"] = may_change and state == SmsCampaignState.APPROVED
        # the approval request's page, for who may open it (the requester, its approvers …)
        context["request_url"] = (
            campaign.request.get_absolute_url()
            if campaign.request_id
            and permitted_ids(user, ApprovalRequest, "view", [campaign.request_id])
            else None
        )
        return context


class SmsFormView(ServiceFormView):
    model = SmsCampaign
    success_url = reverse_lazy("crm:sms_list")

    def get_title(self, obj):
        if obj is None:
            return _("New SMS campaign")
        return _("Change SMS campaign: %(name)s") % {"name": obj.name}

    def cancel_url(self, obj):
        return obj.get_absolute_url() if obj is not None else str(self.success_url)

    def get_form(self, obj, data=None):
        return SmsCampaignForm(data, campaign=obj)

    def save(self, form, obj):
        kwargs = form.service_kwargs()
        if obj is None:
            return services.sms_campaign_create(actor=self.request.user, **kwargs)
        return services.sms_campaign_update(actor=self.request.user, campaign_id=obj.pk, **kwargs)


class _SmsActionView(ServiceFormView):
    model = SmsCampaign
    template_name = "crm/outreach/confirm.html"

    def cancel_url(self, obj):
        return obj.get_absolute_url()

    def get_form(self, obj, data=None):
        return ConfirmForm(data)


class SmsSubmitView(_SmsActionView):
    def get_title(self, obj):
        return _("Send for approval (department manager, deputy GM, GM): %(name)s") % {
            "name": obj.name
        }

    def save(self, form, obj):
        return services.sms_campaign_submit(actor=self.request.user, campaign_id=obj.pk)


class SmsSendView(_SmsActionView):
    def get_title(self, obj):
        return _("Send the campaign now: %(name)s") % {"name": obj.name}

    def save(self, form, obj):
        result = services.sms_campaign_send(actor=self.request.user, campaign_id=obj.pk)
        messages.info(
            self.request,
            _("%(sent)s sent, %(skipped)s skipped (no SMS consent), %(failed)s failed.")
            % {"sent": result.sent, "skipped": result.skipped, "failed": result.failed},
        )
        return SmsCampaign.objects.get(pk=obj.pk)


def register_nav() -> None:
    """Navigation entries of the area, each shown only to who may open it."""
    from crm.views import may_open as _may
    from dealership.registry import NavItem, register_nav

    # the owner club is the CRM team's work: in the menu of who keeps it (a consultant may
    # still open the page and see their own customers' memberships)
    for key, label, url_name, order, model, action in (
        (
            "crm_reminders",
            gettext_lazy("Reminders and retention"),
            "crm:reminder_list",
            84,
            "ServiceReminder",
            "view",
        ),
        ("crm_members", gettext_lazy("Owner club"), "crm:member_list", 85, "Membership", "change"),
        ("crm_sms", gettext_lazy("SMS campaigns"), "crm:sms_list", 86, "SmsCampaign", "view"),
    ):
        register_nav(NavItem(key, label, url_name, order=order, visible=_may(model, action)))


def register_widgets() -> None:
    """Dashboard panels of the area."""


urlpatterns: list = [
    path("retention/", RetentionListView.as_view(), name="retention_list"),
    path("retention/<int:pk>/", RetentionDetailView.as_view(), name="retention_detail"),
    path(
        "retention/<int:pk>/acknowledge/",
        RetentionAcknowledgeView.as_view(),
        name="retention_acknowledge",
    ),
    path("reminders/", ReminderListView.as_view(), name="reminder_list"),
    path("reminders/<int:pk>/sms/", ReminderSmsView.as_view(), name="reminder_sms"),
    path("reminders/<int:pk>/call/", ReminderCallView.as_view(), name="reminder_call"),
    path("reminders/<int:pk>/skip/", ReminderSkipView.as_view(), name="reminder_skip"),
    path("members/", MemberListView.as_view(), name="member_list"),
    path("members/join/", MembershipJoinView.as_view(), name="membership_join"),
    path("members/<int:pk>/leave/", MembershipLeaveView.as_view(), name="membership_leave"),
    path("members/<int:pk>/login/", MembershipLoginView.as_view(), name="membership_login"),
    path("sms/", SmsListView.as_view(), name="sms_list"),
    path("sms/new/", SmsFormView.as_view(), name="sms_create"),
    path("sms/<int:pk>/", SmsDetailView.as_view(), name="sms_detail"),
    path("sms/<int:pk>/edit/", SmsFormView.as_view(), name="sms_edit"),
    path("sms/<int:pk>/submit/", SmsSubmitView.as_view(), name="sms_submit"),
    path("sms/<int:pk>/send/", SmsSendView.as_view(), name="sms_send"),
]
