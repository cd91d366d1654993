"""Pages of crm: marketing — the monthly advertising plans (广告计划) with their lines, the
marketing events (市场活动) with their invitations, replies, attendance and evidence files, and
the competitor-advertising log. Writes go through :mod:`crm.services.marketing`; buttons and
forms are shown only to who may use them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from crm.forms.marketing import (
    AdvertisingPlanForm,
    AttendanceForm,
    CompetitorAdFilterForm,
    CompetitorAdForm,
    EventFilterForm,
    EventSummaryForm,
    EvidenceForm,
    ExecutionPlanForm,
    InvitationForm,
    InviteMembersForm,
    MarketingEventForm,
    PlanFilterForm,
    PlanLineForm,
    PlanSentForm,
    ReplyForm,
)
from crm.forms.outreach import ConfirmForm
from crm.models import (
    AdvertisingPlan,
    AdvertisingPlanLine,
    CompetitorAd,
    Customer,
    EventEvidence,
    EventInvitation,
    EventState,
    InvitationReply,
    MarketingEvent,
    PlanState,
)
from crm.selectors import marketing as selectors
from crm.services import marketing as services
from crm.tables.marketing import AdvertisingPlanTable, CompetitorAdTable, MarketingEventTable
from dealership.access import can, check_model_permission, get_object_for_user, permitted_ids
from dealership.views import (
    FilteredListView,
    ScopedDetailView,
    ServiceDeleteView,
    ServiceFormView,
    TenantRequiredMixin,
    apply_errors,
)


def tabs(user) -> list[tuple[str, str, str]]:
    """The area's tabs the user may open: (key, label, url)."""
    return [
        (key, label, reverse(url_name))
        for key, label, url_name, model in (
            ("plans", _("Advertising plans"), "crm:adplan_list", AdvertisingPlan),
            ("events", _("Marketing events"), "crm:event_list", MarketingEvent),
            ("competitor_ads", _("Competitor advertising"), "crm:competitor_ad_list", CompetitorAd),
        )
        if can(user, model, "view")
    ]


def _request_url(user, obj):
    """The approval request's page, for who may open it (the requester, its approvers …)."""
    from org.approvals.models import ApprovalRequest

    if obj.request_id and permitted_ids(user, ApprovalRequest, "view", [obj.request_id]):
        return reverse("org:approval_detail", kwargs={"pk": obj.request_id})
    return None


class _List(FilteredListView):
    template_name = "crm/marketing/list.html"

    def get_tabs(self):
        return tabs(self.request.user)


class PlanListView(_List):
    model = AdvertisingPlan
    table_class = AdvertisingPlanTable
    filter_class = PlanFilterForm
    tab = "plans"
    title = gettext_lazy("Advertising plans")
    new_url = "crm:adplan_create"
    new_label = gettext_lazy("New advertising plan")

    def rows(self, selection):
        return selectors.plans_for_user(self.request.user, **selection)


class EventListView(_List):
    model = MarketingEvent
    table_class = MarketingEventTable
    filter_class = EventFilterForm
    tab = "events"
    title = gettext_lazy("Marketing events")
    new_url = "crm:event_create"
    new_label = gettext_lazy("New event proposal")

    def rows(self, selection):
        return selectors.events_for_user(self.request.user, **selection)


class CompetitorAdListView(_List):
    model = CompetitorAd
    table_class = CompetitorAdTable
    filter_class = CompetitorAdFilterForm
    tab = "competitor_ads"
    title = gettext_lazy("Competitor advertising")
    new_url = "crm:competitor_ad_create"
    new_label = gettext_lazy("Log an advertisement")
    mark_changeable = True

    def rows(self, selection):
        return selectors.competitor_ads_for_user(self.request.user, **selection)


# --- the advertising plan -----------------------------------------------------------------------


class PlanDetailView(ScopedDetailView):
    model = AdvertisingPlan
    template_name = "crm/marketing/plan_detail.html"

    def base_queryset(self):
        return AdvertisingPlan.objects.select_related("created_by", "event")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, plan = self.request.user, self.object
        may_change = bool(permitted_ids(user, AdvertisingPlan, "change", [plan.pk]))
        draft = plan.state == PlanState.DRAFT
        context.update(
            tabs=tabs(user),
            tab="plans",
            lines=list(plan.lines.order_by("starts_on", "pk")),
            total=services.plan_total(plan),
            may_edit=may_change and draft,
            may_send=may_change and plan.state == PlanState.APPROVED,
            late=services.plan_is_late(plan),
            request_url=_request_url(user, plan),
            event_url=(
                plan.event.get_absolute_url()
                if plan.event_id and permitted_ids(user, MarketingEvent, "view", [plan.event_id])
                else None
            ),
        )
        if context["may_edit"]:
            context.setdefault("line_form", PlanLineForm())
        if context["may_send"]:
            from dealership.figures import local_today

            context.setdefault("sent_form", PlanSentForm(initial={"sent_on": local_today()}))
        return context


def _plan_page(request, plan, **forms):
    view = PlanDetailView()
    view.request, view.kwargs, view.object = request, {"pk": plan.pk}, plan
    context = view.get_context_data(object=plan, **forms)
    return render(request, PlanDetailView.template_name, context, status=400)


class PlanFormView(ServiceFormView):
    model = AdvertisingPlan
    success_url = reverse_lazy("crm:adplan_list")

    def get_title(self, obj):
        if obj is None:
            return _("New advertising plan")
        return _("Change the advertising plan: %(name)s") % {"name": obj}

    def cancel_url(self, obj):
        return obj.get_absolute_url() if obj is not None else str(self.success_url)

    def get_form(self, obj, data=None):
        from dealership.figures import local_today

        initial = None
        if obj is None:
            initial = {"month": f"{services.next_month(local_today()):%Y-%m}"}
        kwargs = {"initial": initial} if initial else {}
        return AdvertisingPlanForm(data, plan=obj, user=self.request.user, **kwargs)

    def save(self, form, obj):
        kwargs = form.service_kwargs()
        if obj is None:
            return services.advertising_plan_create(actor=self.request.user, **kwargs)
        return services.advertising_plan_update(actor=self.request.user, plan_id=obj.pk, **kwargs)


class PlanLineAddView(TenantRequiredMixin, View):
    """POST: a line of a draft plan."""

    model = AdvertisingPlan

    def post(self, request, pk):
        plan = get_object_for_user(request.user, AdvertisingPlan, "change", pk=pk)
        form = PlanLineForm(request.POST)
        if form.is_valid():
            try:
                services.advertising_plan_line_add(
                    actor=request.user, plan_id=plan.pk, **form.service_kwargs()
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Line added."))
                return redirect(plan.get_absolute_url())
        return _plan_page(request, plan, line_form=form)


class PlanLineDeleteView(TenantRequiredMixin, View):
    """POST: remove a line of a draft plan."""

    model = AdvertisingPlanLine

    def post(self, request, pk):
        line = get_object_for_user(request.user, AdvertisingPlanLine, "change", pk=pk)
        try:
            services.advertising_plan_line_delete(actor=request.user, line_id=line.pk)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Line removed."))
        return redirect(reverse("crm:adplan_detail", args=[line.plan_id]))


class _ConfirmView(ServiceFormView):
    template_name = "crm/outreach/confirm.html"

    def cancel_url(self, obj):
        return obj.get_absolute_url()

    def get_form(self, obj, data=None):
        return ConfirmForm(data)


class PlanSubmitView(_ConfirmView):
    model = AdvertisingPlan

    def get_title(self, obj):
        return _(
            "Send for approval (department manager, deputy GM, GM; the finance manager and the "
            "sales front desk informed): %(name)s"
        ) % {"name": obj}

    def save(self, form, obj):
        return services.advertising_plan_submit(actor=self.request.user, plan_id=obj.pk)


class PlanSentView(TenantRequiredMixin, View):
    """POST ``sent_on``: the approved plan went to the OEM (and is filed with the departments)."""

    model = AdvertisingPlan

    def post(self, request, pk):
        plan = get_object_for_user(request.user, AdvertisingPlan, "change", pk=pk)
        form = PlanSentForm(request.POST)
        if form.is_valid():
            try:
                services.advertising_plan_mark_sent(
                    actor=request.user, plan_id=plan.pk, sent_on=form.cleaned_data["sent_on"]
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Recorded as sent to the OEM."))
                return redirect(plan.get_absolute_url())
        return _plan_page(request, plan, sent_form=form)


# --- marketing events ---------------------------------------------------------------------------


class EventDetailView(ScopedDetailView):
    model = MarketingEvent
    template_name = "crm/marketing/event_detail.html"

    def base_queryset(self):
        return MarketingEvent.objects.select_related("created_by")

    def get_context_data(self, **kwargs):
        from django.utils import timezone

        context = super().get_context_data(**kwargs)
        user, event = self.request.user, self.object
        may_change = bool(permitted_ids(user, MarketingEvent, "change", [event.pk]))
        state = event.state
        started = event.starts_at <= timezone.now()
        invitations = list(selectors.invitations_of(user, event))
        changeable = permitted_ids(user, EventInvitation, "change", [i.pk for i in invitations])
        for invitation in invitations:
            invitation.changeable = invitation.pk in changeable
        open_for_guests = state == EventState.APPROVED and event.ends_at >= timezone.now()
        may_invite = open_for_guests and can(user, EventInvitation, "add")
        context.update(
            tabs=tabs(user),
            tab="events",
            invitations=invitations,
            replies=selectors.replies([event.pk]).get(event.pk, selectors.Replies()),
            evidence=list(selectors.evidence_of(user, event)),
            may_edit=may_change and state == EventState.DRAFT,
            may_submit=may_change and state == EventState.DRAFT,
            may_plan=may_change and state == EventState.APPROVED,
            may_cancel=may_change and state in (EventState.DRAFT, EventState.APPROVED),
            may_summarise=may_change
            and started
            and state in (EventState.APPROVED, EventState.DONE),
            may_keep_evidence=may_change and state in (EventState.APPROVED, EventState.DONE),
            may_invite=may_invite,
            may_invite_one=may_invite and can(user, Customer, "view"),
            may_reply=state in (EventState.APPROVED, EventState.DONE),
            may_attend=started and state in (EventState.APPROVED, EventState.DONE),
            request_url=_request_url(user, event),
            reply_choices=InvitationReply.choices,
        )
        if context["may_invite_one"]:
            context.setdefault("invite_form", InvitationForm(user=user))
        if context["may_invite"]:
            context.setdefault("members_form", InviteMembersForm())
        if context["may_keep_evidence"]:
            context.setdefault("evidence_form", EvidenceForm())
        return context


def _event_page(request, event, **forms):
    view = EventDetailView()
    view.request, view.kwargs, view.object = request, {"pk": event.pk}, event
    context = view.get_context_data(object=event, **forms)
    return render(request, EventDetailView.template_name, context, status=400)


class EventFormView(ServiceFormView):
    model = MarketingEvent
    success_url = reverse_lazy("crm:event_list")

    def get_title(self, obj):
        if obj is None:
            return _("New marketing event proposal")
        return _("Change the proposal: %(name)s") % {"name": obj.theme}

    def cancel_url(self, obj):
        return obj.get_absolute_url() if obj is not None else str(self.success_url)

    def get_form(self, obj, data=None):
        return MarketingEventForm(data, event=obj)

    def save(self, form, obj):
        kwargs = form.service_kwargs()
        if obj is None:
            return services.marketing_event_create(actor=self.request.user, **kwargs)
        return services.marketing_event_update(actor=self.request.user, event_id=obj.pk, **kwargs)


class EventPlanView(ServiceFormView):
    """The execution plan of an approved event."""

    model = MarketingEvent

    def get_title(self, obj):
        return _("Execution plan: %(name)s") % {"name": obj.theme}

    def cancel_url(self, obj):
        return obj.get_absolute_url()

    def get_form(self, obj, data=None):
        return ExecutionPlanForm(data, event=obj)

    def save(self, form, obj):
        return services.marketing_event_update(
            actor=self.request.user, event_id=obj.pk, **form.service_kwargs()
        )


class EventSummaryView(ServiceFormView):
    """The summary against the expected effect."""

    model = MarketingEvent

    def get_title(self, obj):
        return _("Summary of the event: %(name)s") % {"name": obj.theme}

    def cancel_url(self, obj):
        return obj.get_absolute_url()

    def get_form(self, obj, data=None):
        return EventSummaryForm(data, event=obj)

    def save(self, form, obj):
        return services.marketing_event_summarise(
            actor=self.request.user, event_id=obj.pk, **form.service_kwargs()
        )


class EventSubmitView(_ConfirmView):
    model = MarketingEvent

    def get_title(self, obj):
        return _("Send for approval (department manager, deputy GM, GM): %(name)s") % {
            "name": obj.theme
        }

    def save(self, form, obj):
        return services.marketing_event_submit(actor=self.request.user, event_id=obj.pk)


class EventCancelView(_ConfirmView):
    model = MarketingEvent

    def get_title(self, obj):
        return _("Cancel the event: %(name)s") % {"name": obj.theme}

    def save(self, form, obj):
        return services.marketing_event_cancel(actor=self.request.user, event_id=obj.pk)


class InvitationAddView(TenantRequiredMixin, View):
    """POST ``customer``, ``channel``, ``note``: invite one customer."""

    model = MarketingEvent

    def post(self, request, pk):
        event = get_object_for_user(request.user, MarketingEvent, "view", pk=pk)
        check_model_permission(request.user, EventInvitation, "add")  # 403 before the payload
        form = InvitationForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                services.event_invitation_create(
                    actor=request.user,
                    event_id=event.pk,
                    customer_id=form.cleaned_data["customer"].pk,
                    channel=form.cleaned_data["channel"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Invited."))
                return redirect(event.get_absolute_url())
        return _event_page(request, event, invite_form=form)


class InviteMembersView(TenantRequiredMixin, View):
    """POST ``channel``: invite every current owner-club member not invited yet."""

    model = MarketingEvent

    def post(self, request, pk):
        event = get_object_for_user(request.user, MarketingEvent, "view", pk=pk)
        check_model_permission(request.user, EventInvitation, "add")  # 403 before the payload
        form = InviteMembersForm(request.POST)
        if form.is_valid():
            try:
                rows = services.event_invite_members(
                    actor=request.user, event_id=event.pk, channel=form.cleaned_data["channel"]
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request, _("%(count)s owner-club members invited.") % {"count": len(rows)}
                )
                return redirect(event.get_absolute_url())
        return _event_page(request, event, members_form=form)


class _InvitationAnswerView(TenantRequiredMixin, View):
    """POST: an answer recorded on an invitation (:meth:`record`, a service); the form's errors
    are shown on the event's page (400)."""

    model = EventInvitation
    form_class = None
    done_message = ""

    def record(self, invitation, data) -> None:
        raise NotImplementedError

    def post(self, request, pk):
        invitation = get_object_for_user(request.user, EventInvitation, "change", pk=pk)
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.record(invitation, form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
        if form.errors:
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
            event = get_object_for_user(
                request.user, MarketingEvent, "view", pk=invitation.event_id
            )
            return _event_page(request, event)
        messages.success(request, self.done_message)
        return redirect(reverse("crm:event_detail", args=[invitation.event_id]))


class InvitationReplyView(_InvitationAnswerView):
    """POST ``reply`` (and ``guests``): the guest's answer."""

    form_class = ReplyForm
    done_message = gettext_lazy("Reply recorded.")

    def record(self, invitation, data):
        services.event_invitation_reply(
            actor=self.request.user,
            invitation_id=invitation.pk,
            reply=data["reply"],
            guests=data["guests"],
        )


class InvitationAttendanceView(_InvitationAnswerView):
    """POST ``attended`` = yes / no."""

    form_class = AttendanceForm
    done_message = gettext_lazy("Attendance recorded.")

    def record(self, invitation, data):
        services.event_invitation_attendance(
            actor=self.request.user, invitation_id=invitation.pk, attended=data["attended"]
        )


class EvidenceAddView(TenantRequiredMixin, View):
    """POST ``kind`` and ``file`` (multipart): keep a file for the OEM's reimbursement."""

    model = MarketingEvent

    def post(self, request, pk):
        event = get_object_for_user(request.user, MarketingEvent, "change", pk=pk)
        form = EvidenceForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.event_evidence_add(
                    actor=request.user,
                    event_id=event.pk,
                    kind=form.cleaned_data["kind"],
                    file=form.cleaned_data["file"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("File kept."))
                return redirect(event.get_absolute_url())
        return _event_page(request, event, evidence_form=form)


class EvidenceDeleteView(TenantRequiredMixin, View):
    model = EventEvidence

    def post(self, request, pk):
        evidence = get_object_for_user(request.user, EventEvidence, "change", pk=pk)
        try:
            services.event_evidence_delete(actor=request.user, evidence_id=evidence.pk)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("File removed."))
        return redirect(reverse("crm:event_detail", args=[evidence.event_id]))


class EvidenceFileDetailView(TenantRequiredMixin, View):
    """An evidence file, only for who may see the event; checked again by content."""

    model = EventEvidence

    def get(self, request, pk):
        import filetype

        evidence = get_object_for_user(request.user, EventEvidence, "view", pk=pk)
        get_object_for_user(request.user, MarketingEvent, "view", pk=evidence.event_id)
        try:
            handle = evidence.file.open("rb")
        except (FileNotFoundError, ValueError, OSError):
            raise Http404(_("Not found.")) from None
        kind = filetype.guess(handle.read(8192))
        handle.seek(0)
        if kind is None or kind.mime not in services.EVIDENCE_TYPES:
            handle.close()
            raise Http404(_("Not found."))
        response = FileResponse(
            handle,
            content_type=kind.mime,
            as_attachment="download" in request.GET,
            filename=f"event-{evidence.event_id}-{evidence.pk}{services.EVIDENCE_TYPES[kind.mime]}",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = (
            "sandbox; default-src 'none'; img-src 'self'; frame-ancestors 'self'"
        )
        response["X-Frame-Options"] = "SAMEORIGIN"
        response._csp_exempt = True
        return response


# --- the competitor-advertising log -------------------------------------------------------------


class CompetitorAdFormView(ServiceFormView):
    model = CompetitorAd
    success_url = reverse_lazy("crm:competitor_ad_list")

    def get_title(self, obj):
        if obj is None:
            return _("Log a competitor advertisement")
        return _("Change the competitor advertisement: %(name)s") % {"name": obj}

    def get_form(self, obj, data=None):
        return CompetitorAdForm(data, ad=obj)

    def save(self, form, obj):
        kwargs = form.service_kwargs()
        if obj is None:
            services.competitor_ad_create(actor=self.request.user, **kwargs)
        else:
            services.competitor_ad_update(actor=self.request.user, ad_id=obj.pk, **kwargs)
        return None  # back to the log


class CompetitorAdDeleteView(ServiceDeleteView):
    model = CompetitorAd
    success_url = reverse_lazy("crm:competitor_ad_list")

    def delete(self, obj):
        services.competitor_ad_delete(actor=self.request.user, ad_id=obj.pk)


def register_nav() -> None:
    """Navigation entries of the area, each shown only to who may open it."""
    from crm.views import may_open as _may
    from dealership.registry import NavItem, register_nav

    for key, label, url_name, order, model in (
        (
            "crm_adplans",
            gettext_lazy("Advertising plans"),
            "crm:adplan_list",
            89,
            "AdvertisingPlan",
        ),
        ("crm_events", gettext_lazy("Marketing events"), "crm:event_list", 90, "MarketingEvent"),
        (
            "crm_competitor_ads",
            gettext_lazy("Competitor advertising"),
            "crm:competitor_ad_list",
            91,
            "CompetitorAd",
        ),
    ):
        register_nav(NavItem(key, label, url_name, order=order, visible=_may(model)))


def register_widgets() -> None:
    """Dashboard panels of the area (none)."""


urlpatterns: list = [
    path("marketing/plans/", PlanListView.as_view(), name="adplan_list"),
    path("marketing/plans/new/", PlanFormView.as_view(), name="adplan_create"),
    path("marketing/plans/<int:pk>/", PlanDetailView.as_view(), name="adplan_detail"),
    path("marketing/plans/<int:pk>/edit/", PlanFormView.as_view(), name="adplan_edit"),
    path("marketing/plans/<int:pk>/lines/", PlanLineAddView.as_view(), name="adplan_line_add"),
    path(
        "marketing/plan-lines/<int:pk>/delete/",
        PlanLineDeleteView.as_view(),
        name="adplan_line_delete",
    ),
    path("marketing/plans/<int:pk>/submit/", PlanSubmitView.as_view(), name="adplan_submit"),
    path("marketing/plans/<int:pk>/sent/", PlanSentView.as_view(), name="adplan_sent"),
    path("marketing/events/", EventListView.as_view(), name="event_list"),
    path("marketing/events/new/", EventFormView.as_view(), name="event_create"),
    path("marketing/events/<int:pk>/", EventDetailView.as_view(), name="event_detail"),
    path("marketing/events/<int:pk>/edit/", EventFormView.as_view(), name="event_edit"),
    path("marketing/events/<int:pk>/plan/", EventPlanView.as_view(), name="event_plan"),
    path("marketing/events/<int:pk>/submit/", EventSubmitView.as_view(), name="event_submit"),
    path("marketing/events/<int:pk>/cancel/", EventCancelView.as_view(), name="event_cancel"),
    path("marketing/events/<int:pk>/summary/", EventSummaryView.as_view(), name="event_summary"),
    path("marketing/events/<int:pk>/invite/", InvitationAddView.as_view(), name="event_invite"),
    path(
        "marketing/events/<int:pk>/invite-members/",
        InviteMembersView.as_view(),
        name="event_invite_members",
    ),
    path(
        "marketing/invitations/<int:pk>/reply/",
        InvitationReplyView.as_view(),
        name="invitation_reply",
    ),
    path(
        "marketing/invitations/<int:pk>/attendance/",
        InvitationAttendanceView.as_view(),
        name="invitation_attendance",
    ),
    path("marketing/events/<int:pk>/evidence/", EvidenceAddView.as_view(), name="evidence_add"),
    path("marketing/evidence/<int:pk>/", EvidenceFileDetailView.as_view(), name="evidence_file"),
    path(
        "marketing/evidence/<int:pk>/delete/",
        EvidenceDeleteView.as_view(),
        name="evidence_delete",
    ),
    path("marketing/competitor-ads/", CompetitorAdListView.as_view(), name="competitor_ad_list"),
    path(
        "marketing/competitor-ads/new/",
        CompetitorAdFormView.as_view(),
        name="competitor_ad_create",
    ),
    path(
        "marketing/competitor-ads/<int:pk>/edit/",
        CompetitorAdFormView.as_view(),
        name="competitor_ad_edit",
    ),
    path(
        "marketing/competitor-ads/<int:pk>/delete/",
        CompetitorAdDeleteView.as_view(),
        name="competitor_ad_delete",
    ),
]
