"""Pages of the follow-up calls (回访) and of the unreachable customers' contact checks.

* ``crm:followup_today`` — today's call list (今日回访): a specialist sees their own rows, the
  CRM managers everyone's (filter by specialist and kind); overdue first, then by the end of
  the window; each row opens the call screen (``crm:followup_call``).
* ``crm:followup_list`` — every follow-up, filtered (status, kind, specialist, day N, the list
  of a given day); ``crm:followup_assign`` gives one to another specialist (CRM managers).
* ``crm:followup_settings`` — the dealership's follow-up rules (read by whoever reads
  follow-ups), ``crm:followup_settings_edit`` changes them (``crm.change_survey``).
* ``crm:contactcheck_list`` / ``crm:contactcheck_detail`` — unreachable customers sent to the
  consultant, who returns a verified mobile (``crm:contactcheck_return``) or closes the check
  without one (``crm:contactcheck_close``).
* the dashboard panel "Today's calls".

Phone numbers are shown through :func:`crm.services.privacy.phones_shown` (once per page)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.forms.followups import (
    AssignForm,
    ContactCheckFilterForm,
    ContactCloseForm,
    ContactReturnForm,
    FollowUpFilterForm,
    FollowUpSettingsForm,
    TodayFilterForm,
    may_assign,
    sees_others,
)
from crm.models import ContactCheck, ContactCheckState, FollowUp, FollowUpSettings
from crm.selectors import followups as selectors
from crm.services import contact_checks as check_services
from crm.services import followups as services
from crm.services.privacy import phones_shown
from crm.tables.followups import ContactCheckTable, FollowUpTable, TodayCallsTable
from dealership import registry
from dealership.access import can, check_model_permission, permitted_ids, restricted_queryset
from dealership.access_cache import cached
from dealership.registry import NavItem, Widget
from dealership.tenancy import get_scope
from dealership.views import ScopedDetailView, ScopedListView, ServiceFormView
from org.access import user_access
from org.capabilities import Capability as C


def _phones(user, rows, context: str) -> dict:
    """The page's phone numbers as ``user`` may see them (logged once per page)."""
    records = [getattr(row, "record", row) for row in rows]
    return phones_shown(user=user, customers=[r.customer for r in records], context=context)


class _FollowUpListView(ScopedListView):
    model = FollowUp
    filter_class = None
    phone_context = ""

    def get_table_kwargs(self):
        return {
            "day": self.day,
            "show_specialist": sees_others(self.request.user),
            "may_assign": may_assign(self.request.user),
        }

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        table.phones = _phones(self.request.user, table.page.object_list, self.phone_context)
        return table

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["day"] = self.day
        context["may_view_rules"] = can(self.request.user, FollowUpSettings, "view")
        return context


class TodayCallsView(_FollowUpListView):
    """Today's calls (今日回访)."""

    table_class = TodayCallsTable
    template_name = "crm/followups/today.html"
    phone_context = "crm:followup_today"

    def get_queryset(self):
        self.day = timezone.localdate()
        self.filter_form = TodayFilterForm(self.request.GET or None, user=self.request.user)
        data = self.filter_form.values()
        return selectors.todays_calls(
            self.request.user,
            self.day,
            specialist=data.get("specialist"),
            kind=data.get("kind", ""),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = selectors.calls_widget(self.request.user, self.day, shown=0)
        context["due"], context["overdue"] = counts["due"], counts["overdue"]
        return context


class FollowUpListView(_FollowUpListView):
    """All follow-ups, filtered."""

    table_class = FollowUpTable
    template_name = "crm/followups/list.html"
    phone_context = "crm:followup_list"

    def get_queryset(self):
        self.filter_form = FollowUpFilterForm(self.request.GET or None, user=self.request.user)
        data = self.filter_form.values()
        self.day = data.get("due_on") or timezone.localdate()
        return selectors.followups_filtered(
            self.request.user,
            status=data.get("status", ""),
            kind=data.get("kind", ""),
            specialist=data.get("specialist"),
            event_from=data.get("event_from"),
            event_to=data.get("event_to"),
            due_on=data.get("due_on"),
        )


class FollowUpAssignView(ServiceFormView):
    """Give an open follow-up to another specialist (the CRM managers)."""

    model = FollowUp
    success_url = reverse_lazy("crm:followup_list")

    def get_object(self):
        followup = super().get_object()
        if not may_assign(self.request.user):
            raise PermissionDenied(_("Only the CRM managers assign follow-up calls."))
        return followup

    def get_title(self, obj):
        return _("Assign the follow-up: %(followup)s") % {"followup": obj}

    def get_form(self, obj, data=None):
        return AssignForm(data, followup=obj)

    def save(self, form, obj):
        services.followup_assign(
            actor=self.request.user,
            followup_id=obj.pk,
            specialist_id=form.cleaned_data["specialist"].pk,
        )
        return None  # back to the list


# --- the rules ---------------------------------------------------------------------------------


def _current_rules():
    """The current dealership's rules as stored (the defaults, unsaved, when never changed);
    ``None`` outside one dealership (HQ's group workspace)."""
    dealership_id = get_scope().current_id
    if dealership_id is None:
        return None
    return FollowUpSettings.objects.filter(dealership_id=dealership_id).first() or FollowUpSettings(
        dealership_id=dealership_id
    )


class FollowUpSettingsDetailView(ScopedDetailView):
    """The follow-up rules, read by whoever reads follow-ups."""

    model = FollowUpSettings
    template_name = "crm/followups/settings.html"

    def get(self, request, *args, **kwargs):
        check_model_permission(request.user, FollowUpSettings, "view")
        rules = _current_rules()
        fields = []
        if rules is not None:
            for name in services.SETTINGS_FIELDS:
                field = FollowUpSettings._meta.get_field(name)
                value = getattr(rules, name)
                fields.append(
                    {
                        "name": name,
                        "label": field.verbose_name,
                        "value": f"{value:%H:%M}" if name == "list_time" else value,
                        "help": field.help_text,
                    }
                )
        return render(
            request,
            self.template_name,
            {
                "rules": rules,
                "fields": fields,
                "may_change": rules is not None
                and user_access(request.user).writable
                and can(request.user, FollowUpSettings, "change"),
            },
        )


class FollowUpSettingsEditView(ServiceFormView):
    """Change the follow-up rules (``crm.change_survey``)."""

    model = FollowUpSettings
    template_name = "crm/followups/settings_form.html"
    success_url = reverse_lazy("crm:followup_settings")

    def get_object(self):
        check_model_permission(self.request.user, FollowUpSettings, "change")
        if not user_access(self.request.user).writable:
            raise PermissionDenied(_("You do not have permission to perform this action."))
        return services.followup_settings()

    def get_title(self, obj):
        return _("Change the follow-up rules")

    def get_form(self, obj, data=None):
        return FollowUpSettingsForm(data, instance=obj)

    def save(self, form, obj):
        return services.followup_settings_update(actor=self.request.user, **form.service_kwargs())


# --- contact checks ----------------------------------------------------------------------------


class ContactCheckListView(ScopedListView):
    model = ContactCheck
    table_class = ContactCheckTable
    template_name = "crm/followups/contactcheck_list.html"

    def get_queryset(self):
        self.filter_form = ContactCheckFilterForm(self.request.GET or None)
        state = (
            self.filter_form.cleaned_data.get("state", "") if self.filter_form.is_valid() else ""
        )
        return selectors.contactchecks_for_user(self.request.user, state=state)

    def get_table_kwargs(self):
        return {"today": timezone.localdate()}

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        table.phones = _phones(self.request.user, table.page.object_list, "crm:contactcheck_list")
        return table

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        return context


class ContactCheckDetailView(ScopedDetailView):
    model = ContactCheck
    template_name = "crm/followups/contactcheck_detail.html"

    def base_queryset(self):
        return ContactCheck.objects.select_related(
            "customer",
            "consultant",
            "returned_by",
            "followup",
            "followup__vehicle",
            "followup__event",
            "followup__event__staff",
            "followup__specialist",
        )

    def get_context_data(self, **kwargs):
        from crm.models import CallAttempt, Customer

        context = super().get_context_data(**kwargs)
        user, check = self.request.user, self.object
        context["mobile"] = _phones(user, [check], "crm:contactcheck_detail")[check.customer_id][
            "mobile"
        ]
        may_answer = (
            check.state == ContactCheckState.OPEN
            and user_access(user).writable
            and bool(permitted_ids(user, ContactCheck, "change", [check.pk]))
        )
        context["may_answer"] = may_answer
        if may_answer:
            context["return_form"] = ContactReturnForm()
            context["close_form"] = ContactCloseForm()
        context["customer_ids"] = permitted_ids(user, Customer, "view", [check.customer_id])
        context["followup_ids"] = permitted_ids(user, FollowUp, "view", [check.followup_id])
        context["attempts"] = (
            list(
                restricted_queryset(
                    user,
                    CallAttempt,
                    "view",
                    CallAttempt.objects.filter(followup_id=check.followup_id)
                    .select_related("specialist")
                    .order_by("-at", "-pk"),
                )[:10]
            )
            if context["followup_ids"]
            else []
        )
        context["today"] = timezone.localdate()
        return context


class _ContactCheckAnswerView(ServiceFormView):
    model = ContactCheck
    template_name = "platform/form.html"

    def cancel_url(self, obj):
        return obj.get_absolute_url()

    def save(self, form, obj):
        return self.answer(form, obj)


class ContactCheckReturnView(_ContactCheckAnswerView):
    def get_title(self, obj):
        return _("Return verified contacts: %(customer)s") % {"customer": obj.customer}

    def get_form(self, obj, data=None):
        return ContactReturnForm(data)

    def answer(self, form, obj):
        check = check_services.contactcheck_return(
            actor=self.request.user,
            check_id=obj.pk,
            mobile=form.cleaned_data["mobile"],
            note=form.cleaned_data.get("note", ""),
        )
        messages.success(
            self.request, _("The customer's mobile is corrected and the call is on the list again.")
        )
        return check


class ContactCheckCloseView(_ContactCheckAnswerView):
    def get_title(self, obj):
        return _("No new contact details: %(customer)s") % {"customer": obj.customer}

    def get_form(self, obj, data=None):
        return ContactCloseForm(data)

    def answer(self, form, obj):
        return check_services.contactcheck_close(
            actor=self.request.user, check_id=obj.pk, note=form.cleaned_data["note"]
        )


# --- navigation and the dashboard panel ---------------------------------------------------------


def _in_tenant(request) -> bool:
    return getattr(request, "tenant_scope", None) is not None


def _may_view_followups(request) -> bool:
    return _in_tenant(request) and can(request.user, FollowUp, "view")


def _may_view_checks(request) -> bool:
    """The CRM team and the sales managers; a consultant once a check has been sent to them."""
    if not _in_tenant(request) or not can(request.user, ContactCheck, "view"):
        return False
    access = user_access(request.user)
    if access.has(C.CRM_VIEW_FOLLOWUP):
        return True
    # asked on every page (the menu): kept with the user's grants, and forgotten with them
    # when a contact check is written (crm/apps.py), so the menu costs no query
    key = f"{request.user.pk}:{request.tenant_scope.cache_key_part}"
    return cached(
        "contact-checks", key, lambda: selectors.contactchecks_for_user(request.user).exists()
    )


def register_nav() -> None:
    registry.register_nav(
        NavItem(
            "followup_today",
            gettext_lazy("Today's calls"),
            "crm:followup_today",
            order=55,
            visible=_may_view_followups,
        )
    )
    registry.register_nav(
        NavItem(
            "followup_list",
            gettext_lazy("Follow-ups"),
            "crm:followup_list",
            order=56,
            visible=_may_view_followups,
        )
    )
    registry.register_nav(
        NavItem(
            "contactcheck_list",
            gettext_lazy("Contact checks"),
            "crm:contactcheck_list",
            order=57,
            visible=_may_view_checks,
        )
    )


def _todays_calls(request) -> dict | None:
    if not _may_view_followups(request):
        return None
    user, day = request.user, timezone.localdate()
    data = selectors.calls_widget(user, day)
    if not data["rows"] and not user_access(user).has(C.CRM_CHANGE_FOLLOWUP):
        return None  # nothing of theirs on the list, and calling is not their work
    data["today"] = day
    data["list_url"] = reverse("crm:followup_today")
    return data


def register_widgets() -> None:
    registry.register_widget(
        Widget(
            "crm_todays_calls",
            gettext_lazy("Today's calls"),
            "crm/followups/widget_today.html",
            _todays_calls,
            order=12,
        )
    )


urlpatterns: list = [
    path("calls/", TodayCallsView.as_view(), name="followup_today"),
    path("follow-ups/", FollowUpListView.as_view(), name="followup_list"),
    path("follow-ups/rules/", FollowUpSettingsDetailView.as_view(), name="followup_settings"),
    path(
        "follow-ups/rules/edit/", FollowUpSettingsEditView.as_view(), name="followup_settings_edit"
    ),
    path("follow-ups/<int:pk>/assign/", FollowUpAssignView.as_view(), name="followup_assign"),
    path("contact-checks/", ContactCheckListView.as_view(), name="contactcheck_list"),
    path("contact-checks/<int:pk>/", ContactCheckDetailView.as_view(), name="contactcheck_detail"),
    path(
        "contact-checks/<int:pk>/return/",
        ContactCheckReturnView.as_view(),
        name="contactcheck_return",
    ),
    path(
        "contact-checks/<int:pk>/close/",
        ContactCheckCloseView.as_view(),
        name="contactcheck_close",
    ),
]
