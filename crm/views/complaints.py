"""Pages of complaints (投诉).

* ``crm:complaint_list`` — the complaints the viewer sees, filtered (state, severity, category,
  department, overdue, month received, search); the deadline red when an open one is late.
* ``crm:complaint_create`` — a complaint taken by hand; the customer is picked among those the
  viewer sees (a search box, or ``?customer=`` from the customer's page).
* ``crm:complaint_detail`` — the complaint, its log, and the actions the viewer may use, each
  a small form posted to ``/crm/complaints/<pk>/<action>/`` (``crm:complaint_assign``,
  ``_start``, ``_resolve``, ``_confirm``, ``_close``, ``_reopen``); ``crm:complaint_edit`` changes category, severity and description while open.
* the navigation entry "Complaints" and the dashboard panel "Open complaints".

The customer's phone is shown through :func:`crm.services.privacy.phones_shown`."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from crm.forms import complaints as forms
from crm.models import Complaint, Customer, FollowUp, Vehicle
from crm.models.complaints import OPEN_COMPLAINT_STATES
from crm.selectors import complaints as selectors
from crm.services import complaints as services
from crm.services.privacy import phones_shown
from crm.tables.complaints import ComplaintTable, age_days, is_overdue
from dealership import registry
from dealership.access import can, permitted_ids
from dealership.registry import NavItem, Widget
from dealership.views import ScopedDetailView, ScopedListView, ServiceFormView
from org.access import user_access


class ComplaintListView(ScopedListView):
    model = Complaint
    table_class = ComplaintTable
    template_name = "crm/complaints/list.html"

    def get_queryset(self):
        self.filter_form = forms.ComplaintFilterForm(self.request.GET or None)
        data = self.filter_form.values()
        self.now = timezone.now()
        return selectors.complaints_for_user(
            self.request.user,
            state=data.get("state", ""),
            severity=data.get("severity", ""),
            category=data.get("category", ""),
            department=data.get("department"),
            overdue=bool(data.get("overdue")),
            month=data.get("month"),
            q=data.get("q", ""),
            now=self.now,
        )

    def get_table_kwargs(self):
        return {"now": self.now}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["may_add"] = user_access(self.request.user).writable and can(
            self.request.user, Complaint, "add"
        )
        return context


# the actions of the detail page: (action, label, button class, form)
ACTIONS = {
    "assign": (gettext_lazy("Assign"), "btn-outline-primary"),
    "start": (gettext_lazy("Start work"), "btn-primary"),
    "resolve": (gettext_lazy("Resolved"), "btn-success"),
    "confirm": (gettext_lazy("Confirmed with the customer"), "btn-success"),
    "close": (pgettext_lazy("complaint action", "Close"), "btn-outline-secondary"),
    "reopen": (gettext_lazy("Reopen"), "btn-outline-danger"),
}


def action_form(action: str, complaint: Complaint, data=None):
    if action == "assign":
        return forms.AssignForm(data, complaint=complaint, prefix=action)
    if action == "resolve":
        return forms.ResolveForm(data, prefix=action)
    if action == "confirm":
        return forms.ConfirmForm(data, prefix=action)
    if action == "reopen":
        return forms.ReopenForm(data, prefix=action)
    return forms.NoteForm(data, prefix=action)


def allowed_actions(user, complaint: Complaint) -> list[str]:
    """The actions ``user`` may use on ``complaint`` now (the services check again)."""
    if not user_access(user).writable:
        return []
    if not permitted_ids(user, Complaint, "change", [complaint.pk]):
        return []
    allowed = [
        action
        for action in ACTIONS
        if complaint.state in services.ALLOWED[action]
        and (action != "assign" or services.may_assign(user, complaint))
        and (action not in ("confirm", "close") or services.in_crm_team(user))
    ]
    return allowed


class ComplaintDetailView(ScopedDetailView):
    model = Complaint
    template_name = "crm/complaints/detail.html"

    def base_queryset(self):
        return selectors.complaint_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, complaint = self.request.user, self.object
        now = timezone.now()
        context["mobile"] = phones_shown(
            user=user, customers=[complaint.customer], context="crm:complaint_detail"
        )[complaint.customer_id]["mobile"]
        actions = allowed_actions(user, complaint)
        context["actions"] = [
            {
                "code": action,
                "label": ACTIONS[action][0],
                "css": ACTIONS[action][1],
                "form": action_form(action, complaint),
                "url": reverse(f"crm:complaint_{action}", kwargs={"pk": complaint.pk}),
            }
            for action in actions
        ]
        context["may_edit"] = (
            complaint.state in OPEN_COMPLAINT_STATES
            and user_access(user).writable
            and bool(permitted_ids(user, Complaint, "change", [complaint.pk]))
        )
        context["customer_ids"] = permitted_ids(user, Customer, "view", [complaint.customer_id])
        context["vehicle_ids"] = permitted_ids(user, Vehicle, "view", [complaint.vehicle_id])
        context["followup_ids"] = permitted_ids(user, FollowUp, "view", [complaint.followup_id])
        context["overdue"] = is_overdue(complaint, now)
        context["age"] = age_days(complaint, now)
        context["entries"] = list(complaint.entries.all())
        return context


class ComplaintCreateView(ServiceFormView):
    model = Complaint
    template_name = "crm/complaints/form.html"
    success_url = reverse_lazy("crm:complaint_list")

    def get_title(self, obj):
        return _("New complaint")

    def _selected(self):
        value = self.request.GET.get("customer", "")
        return int(value) if value.isdigit() and len(value) < 18 else None

    def cancel_url(self, obj):
        selected = self._selected()
        if selected and permitted_ids(self.request.user, Customer, "view", [selected]):
            return reverse("crm:customer_detail", kwargs={"pk": selected})
        return str(self.success_url)

    def get_form(self, obj, data=None):
        self.search = forms.CustomerSearchForm(self.request.GET or None)
        q = self.search.cleaned_data.get("q", "") if self.search.is_valid() else ""
        return forms.ComplaintForm(data, user=self.request.user, q=q, selected=self._selected())

    def render_form(self, form, obj, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "search_form": self.search,
                "title": self.get_title(obj),
                "cancel_url": self.cancel_url(obj),
                "selected": self._selected(),
            },
            status=status,
        )

    def save(self, form, obj):
        return services.complaint_create(actor=self.request.user, **form.service_kwargs())


class ComplaintEditView(ServiceFormView):
    model = Complaint
    success_url = reverse_lazy("crm:complaint_list")

    def get_title(self, obj):
        return _("Change complaint %(number)s") % {"number": obj.number}

    def cancel_url(self, obj):
        return obj.get_absolute_url()

    def get_form(self, obj, data=None):
        return forms.ComplaintEditForm(data, instance=obj)

    def save(self, form, obj):
        data = form.cleaned_data
        return services.complaint_update(
            actor=self.request.user,
            complaint_id=obj.pk,
            category=data["category"],
            severity=data["severity"],
            description=data["description"],
            note=data.get("note", ""),
        )


SERVICES = {
    "assign": services.complaint_assign,
    "start": services.complaint_start,
    "resolve": services.complaint_resolve,
    "confirm": services.complaint_confirm,
    "close": services.complaint_close,
    "reopen": services.complaint_reopen,
}


class ComplaintActionView(ServiceFormView):
    """One action of the detail page (POST; GET shows its form alone)."""

    model = Complaint

    action_name = ""

    def get_title(self, obj):
        label = ACTIONS[self.action_name][0]
        return f"{label}: {obj.number}"

    def cancel_url(self, obj):
        return obj.get_absolute_url()

    def get_form(self, obj, data=None):
        return action_form(self.action_name, obj, data)

    def save(self, form, obj):
        return SERVICES[self.action_name](
            actor=self.request.user, complaint_id=obj.pk, **form.service_kwargs()
        )


# --- navigation, the dashboard panel, the customer page -------------------------------------------


def _may_view(request) -> bool:
    return getattr(request, "tenant_scope", None) is not None and can(
        request.user, Complaint, "view"
    )


def register_nav() -> None:
    registry.register_nav(
        NavItem(
            "complaint_list",
            gettext_lazy("Complaints"),
            "crm:complaint_list",
            order=58,
            visible=_may_view,
        )
    )


def _open_complaints(request) -> dict | None:
    if not _may_view(request):
        return None
    data = selectors.open_complaints_summary(request.user)
    if not data["total"]:
        return None
    data["list_url"] = reverse("crm:complaint_list") + "?state=open"
    data["overdue_url"] = reverse("crm:complaint_list") + "?overdue=on"
    return data


def register_widgets() -> None:
    registry.register_widget(
        Widget(
            "crm_open_complaints",
            gettext_lazy("Open complaints"),
            "crm/complaints/widget.html",
            _open_complaints,
            order=22,
        )
    )


urlpatterns: list = [
    path("complaints/", ComplaintListView.as_view(), name="complaint_list"),
    path("complaints/new/", ComplaintCreateView.as_view(), name="complaint_create"),
    path("complaints/<int:pk>/", ComplaintDetailView.as_view(), name="complaint_detail"),
    path("complaints/<int:pk>/edit/", ComplaintEditView.as_view(), name="complaint_edit"),
    # one route per action (tenant routes identify objects by pk only)
    *[
        path(
            f"complaints/<int:pk>/{action}/",
            ComplaintActionView.as_view(action_name=action),
            name=f"complaint_{action}",
        )
        for action in ACTIONS
    ],
]
