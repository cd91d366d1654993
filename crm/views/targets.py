"""Pages of the SSI / CSI targets with their action plans, and of the contact rate as a target.

* ``crm:satisfaction`` — a month (``?month=YYYY-MM``): SSI and CSI target, actual (the month's
  call surveys), gap, the would-recommend share (推荐购买率) against its target; satisfaction
  per sales consultant and per service advisor; the month's action items. Read by whoever
  reads follow-ups dealership-wide; targets set by ``crm.change_csi_plan``.
* ``crm:satisfaction_target_add`` / ``crm:satisfaction_target`` / ``…_edit`` — a month's target
  and its action items (``crm:satisfaction_action_add``, ``…_edit``, ``…_progress``).
* ``crm:satisfaction_action_list`` — action items the viewer may see (an owner: their own),
  filter state (``overdue``).
* ``crm:contact_rate`` — the contact rate within the window against the dealership's target,
  per specialist and per month; ``crm:contact_misses`` — every miss with its reason."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from crm.forms.targets import ActionForm, ActionProgressForm, TargetForm
from crm.models import (
    ActionState,
    FollowUp,
    SatisfactionAction,
    SatisfactionTarget,
)
from crm.selectors import targets as selectors
from crm.services import targets as services
from crm.tables.targets import ActionTable, MissTable
from dealership import registry
from dealership.access import can, check_model_permission, permitted_ids
from dealership.figures import add_months
from dealership.registry import NavItem
from dealership.views import ScopedDetailView, ScopedListView, ServiceFormView, TenantRequiredMixin
from org.access import user_access


def _may_plan(user) -> bool:
    return user_access(user).writable and can(user, SatisfactionTarget, "change")


def action_link(user):
    """The page an action item opens for ``user``: its target's page for who reads the
    targets, else (an owner without ``crm.view_followup``) its progress form in a writable
    scope, else none."""
    if can(user, SatisfactionTarget, "view"):
        return lambda action: action.get_absolute_url()
    if user_access(user).writable:
        return lambda action: reverse("crm:satisfaction_action_progress", kwargs={"pk": action.pk})
    return lambda action: None


def _month_links(month: dt.date) -> dict:
    return {
        "month": month,
        "previous": f"{add_months(month, -1):%Y-%m}",
        "next": f"{add_months(month, 1):%Y-%m}",
    }


# --- SSI / CSI ----------------------------------------------------------------------------------


class SatisfactionView(TenantRequiredMixin, View):
    template_name = "crm/targets/satisfaction.html"

    def get(self, request):
        user = request.user
        check_model_permission(user, SatisfactionTarget, "view")
        today = timezone.localdate()
        month = selectors.parse_month(request.GET.get("month"), today)
        kinds = selectors.satisfaction_month(user, month)
        if kinds is None:
            raise PermissionDenied(_("You do not have permission to perform this action."))
        actions = list(selectors.actions_for_user(user, month=month)[:50])
        return render(
            request,
            self.template_name,
            {
                **_month_links(month),
                "kinds": kinds,
                "people": selectors.satisfaction_by_person(user, month),
                "actions": actions,
                "today": today,
                "may_plan": _may_plan(user),
                "words": " / ".join(selectors.REFERRAL_WORDS),
            },
        )


class TargetDetailView(ScopedDetailView):
    model = SatisfactionTarget
    template_name = "crm/targets/target_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, target = self.request.user, self.object
        context["actions"] = list(
            selectors.actions_for_user(user).filter(target=target).select_related("owner")
        )
        context["result"] = next(
            (
                k
                for k in selectors.satisfaction_month(user, target.month) or []
                if k.kind == target.kind
            ),
            None,
        )
        context["may_plan"] = _may_plan(user) and bool(
            permitted_ids(user, SatisfactionTarget, "change", [target.pk])
        )
        context["today"] = timezone.localdate()
        context["user_id"] = user.pk
        return context


class TargetCreateView(ServiceFormView):
    model = SatisfactionTarget
    success_url = reverse_lazy("crm:satisfaction")

    def get_object(self):
        check_model_permission(self.request.user, SatisfactionTarget, "change")
        if not user_access(self.request.user).writable:
            raise PermissionDenied(_("You do not have permission to perform this action."))
        return None

    def get_title(self, obj):
        return _("Set an SSI/CSI target")

    def get_form(self, obj, data=None):
        return TargetForm(data)

    def save(self, form, obj):
        data = form.cleaned_data
        return services.satisfaction_target_set(
            actor=self.request.user,
            kind=data["kind"],
            month=data["month"],
            target_score=data["target_score"],
            referral_target=data.get("referral_target"),
            note=data.get("note", ""),
        )


class TargetEditView(TargetCreateView):
    def get_object(self):
        return ServiceFormView.get_object(self)

    def get_title(self, obj):
        return _("Change the target: %(target)s") % {"target": obj}

    def cancel_url(self, obj):
        return obj.get_absolute_url()

    def get_form(self, obj, data=None):
        return TargetForm(data, target=obj)


class ActionCreateView(ServiceFormView):
    model = SatisfactionTarget  # the action item is added to this target

    def get_title(self, obj):
        return _("New action item: %(target)s") % {"target": obj}

    def cancel_url(self, obj):
        return obj.get_absolute_url()

    def get_form(self, obj, data=None):
        return ActionForm(data)

    def save(self, form, obj):
        data = form.cleaned_data
        return services.satisfaction_action_create(
            actor=self.request.user,
            target_id=obj.pk,
            title=data["title"],
            detail=data["detail"],
            owner=data["owner"],
            due_on=data["due_on"],
        )


class ActionEditView(ServiceFormView):
    model = SatisfactionAction

    def get_title(self, obj):
        return _("Change the action item: %(action)s") % {"action": obj}

    def cancel_url(self, obj):
        return obj.get_absolute_url()

    def get_form(self, obj, data=None):
        return ActionForm(data, action=obj)

    def save(self, form, obj):
        data = form.cleaned_data
        return services.satisfaction_action_update(
            actor=self.request.user,
            action_id=obj.pk,
            title=data["title"],
            detail=data["detail"],
            owner=data["owner"],
            due_on=data["due_on"],
        )


class ActionProgressView(ServiceFormView):
    """The state and result of an action item: its owner, or the planners."""

    model = SatisfactionAction
    action = "view"

    def get_object(self):
        action = super().get_object()  # 404 outside the viewer's scope first
        if not user_access(self.request.user).writable:
            raise PermissionDenied(_("You do not have permission to perform this action."))
        return action

    def get_title(self, obj):
        return _("Progress of the action item: %(action)s") % {"action": obj}

    def cancel_url(self, obj):
        # the item's plan, for who reads the targets; its owner goes back to their items
        if can(self.request.user, SatisfactionTarget, "view"):
            return obj.get_absolute_url()
        return reverse("crm:satisfaction_action_list")

    def success_url_for(self, result, obj) -> str:
        return self.cancel_url(obj)

    def get_form(self, obj, data=None):
        return ActionProgressForm(data, action=obj, may_cancel=_may_plan(self.request.user))

    def save(self, form, obj):
        return services.satisfaction_action_progress(
            actor=self.request.user,
            action_id=obj.pk,
            state=form.cleaned_data["state"],
            result=form.cleaned_data["result"],
        )


class ActionListView(ScopedListView):
    model = SatisfactionAction
    table_class = ActionTable
    template_name = "crm/targets/action_list.html"

    def get_queryset(self):
        state = self.request.GET.get("state", "")
        self.state = state if state in (*ActionState.values, "overdue") else ""
        return selectors.actions_for_user(self.request.user, state=self.state)

    def get_table_kwargs(self):
        return {"today": timezone.localdate(), "link": action_link(self.request.user)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_view_targets"] = can(self.request.user, SatisfactionTarget, "view")
        context["state"] = self.state
        context["states"] = [*ActionState.choices, ("overdue", _("Overdue"))]
        return context


# --- the contact rate ---------------------------------------------------------------------------


class ContactRateView(TenantRequiredMixin, View):
    template_name = "crm/targets/contact_rate.html"

    def get(self, request):
        user = request.user
        check_model_permission(user, FollowUp, "view")
        today = timezone.localdate()
        month = selectors.parse_month(request.GET.get("month"), today)
        target, window = selectors.contact_target(user)
        people = selectors.contact_by_specialist(user, month, today)
        due = sum(p["due"] for p in people)
        reached = sum(p["reached"] for p in people)
        from dealership.figures import Ratio

        rate = Ratio.of(reached, due)
        return render(
            request,
            self.template_name,
            {
                **_month_links(month),
                "target": target,
                "window": window,
                "people": people,
                "due": due,
                "reached": reached,
                "rate": rate,
                "met": None if rate is None else rate >= target,
                "months": selectors.contact_by_month(user, month, today),
                "reasons": selectors.MissReason.LABELS.items(),
            },
        )


class ContactMissListView(ScopedListView):
    """Every follow-up of the month not reached within its window, with the reason: a filtered
    report of follow-ups (read through the chokepoint, no id in the URL), so it names no model
    for the generated route tests (declared in ``tests/isolation.TENANT_FREE_ROUTES``; its
    isolation in tests/crm/test_targets)."""

    model = None
    table_class = MissTable
    template_name = "crm/targets/contact_misses.html"

    def get(self, request, *args, **kwargs):
        check_model_permission(request.user, FollowUp, "view")
        return super(ScopedListView, self).get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.GET
        today = timezone.localdate()
        self.month = selectors.parse_month(params.get("month"), today)
        self.reason = params.get("reason", "")
        if self.reason not in selectors.MissReason.LABELS:
            self.reason = ""
        specialist = params.get("specialist", "")
        specialist_id = int(specialist) if specialist.isdigit() else None
        return selectors.contact_misses(
            self.request.user, self.month, today, specialist_id=specialist_id, reason=self.reason
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_month_links(self.month))
        context["reason"] = self.reason
        context["reasons"] = selectors.MissReason.LABELS.items()
        return context


# --- navigation ---------------------------------------------------------------------------------


def _in_tenant(request) -> bool:
    return getattr(request, "tenant_scope", None) is not None


def _may_view_satisfaction(request) -> bool:
    return _in_tenant(request) and can(request.user, SatisfactionTarget, "view")


def _owns_actions(request) -> bool:
    """The menu entry of staff who do not read the targets (a service advisor who may be given
    an item of the CSI plan): the list of their own items, without a query on every page."""
    if not _in_tenant(request) or _may_view_satisfaction(request):
        return False
    return can(request.user, SatisfactionAction, "view")


def _may_view_contact_rate(request) -> bool:
    return _in_tenant(request) and can(request.user, FollowUp, "view")


def register_nav() -> None:
    registry.register_nav(
        NavItem(
            "satisfaction",
            gettext_lazy("SSI/CSI targets"),
            "crm:satisfaction",
            order=58,
            visible=_may_view_satisfaction,
        )
    )
    registry.register_nav(
        NavItem(
            "my_satisfaction_actions",
            gettext_lazy("My SSI/CSI action items"),
            "crm:satisfaction_action_list",
            order=58,
            visible=_owns_actions,
        )
    )
    registry.register_nav(
        NavItem(
            "contact_rate",
            gettext_lazy("Contact rate"),
            "crm:contact_rate",
            order=59,
            visible=_may_view_contact_rate,
        )
    )


def _my_actions(request) -> dict | None:
    """The viewer's own open SSI/CSI action items (overdue first); hidden when they have none."""
    if not _in_tenant(request) or not can(request.user, SatisfactionAction, "view"):
        return None
    rows = list(
        selectors.actions_for_user(request.user, owner=request.user)
        .filter(state__in=("open", "in_progress"))
        .order_by("due_on", "pk")[:6]
    )
    if not rows:
        return None
    link = action_link(request.user)
    return {
        "rows": [(row, link(row)) for row in rows],
        "today": timezone.localdate(),
    }


def register_widgets() -> None:
    registry.register_widget(
        registry.Widget(
            "crm_my_satisfaction_actions",
            gettext_lazy("My SSI/CSI action items"),
            "crm/targets/widget_actions.html",
            _my_actions,
            order=40,
        )
    )


urlpatterns: list = [
    path("satisfaction/", SatisfactionView.as_view(), name="satisfaction"),
    path("satisfaction/targets/new/", TargetCreateView.as_view(), name="satisfaction_target_add"),
    path("satisfaction/targets/<int:pk>/", TargetDetailView.as_view(), name="satisfaction_target"),
    path(
        "satisfaction/targets/<int:pk>/edit/",
        TargetEditView.as_view(),
        name="satisfaction_target_edit",
    ),
    path(
        "satisfaction/targets/<int:pk>/actions/new/",
        ActionCreateView.as_view(),
        name="satisfaction_action_add",
    ),
    path("satisfaction/actions/", ActionListView.as_view(), name="satisfaction_action_list"),
    path(
        "satisfaction/actions/<int:pk>/edit/",
        ActionEditView.as_view(),
        name="satisfaction_action_edit",
    ),
    path(
        "satisfaction/actions/<int:pk>/progress/",
        ActionProgressView.as_view(),
        name="satisfaction_action_progress",
    ),
    path("contact-rate/", ContactRateView.as_view(), name="contact_rate"),
    path("contact-rate/misses/", ContactMissListView.as_view(), name="contact_misses"),
]
