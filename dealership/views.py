"""Platform pages: dashboard, workspace switcher, the "no access" page and the job runs."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DetailView, TemplateView
from django_tables2.views import SingleTableView

from dealership import selectors
from dealership.access import check_model_permission, get_object_for_user, restricted_queryset
from dealership.models import JobRun
from dealership.registry import widgets_for
from dealership.tables import JobRunTable
from dealership.tenancy.resolve import SESSION_KEY


class TenantRequiredMixin(LoginRequiredMixin):
    """Logged-in users without any active membership see only the "no access" page."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and getattr(request, "tenant_scope", None) is None:
            return render(request, "platform/no_access.html", status=403)
        return super().dispatch(request, *args, **kwargs)


class ScopedListView(TenantRequiredMixin, SingleTableView):
    """A paginated list of a tenant model, read through the access chokepoint."""

    model = None
    paginate_by = 25
    action = "view"

    def base_queryset(self):
        return self.model._default_manager.all()

    def get(self, request, *args, **kwargs):
        check_model_permission(request.user, self.model, self.action)  # 403 before any row
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return restricted_queryset(self.request.user, self.model, self.action, self.base_queryset())


class ScopedDetailView(TenantRequiredMixin, DetailView):
    model = None
    action = "view"

    def base_queryset(self):
        return self.model._default_manager.all()

    def get_object(self, queryset=None):
        return get_object_for_user(
            self.request.user, self.model, self.action, self.base_queryset(), pk=self.kwargs["pk"]
        )


class DashboardView(TenantRequiredMixin, TemplateView):
    template_name = "platform/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["widgets"] = widgets_for(self.request)
        return context


class NoAccessView(LoginRequiredMixin, TemplateView):
    template_name = "platform/no_access.html"


class WorkspaceSwitchView(LoginRequiredMixin, View):
    """POST ``workspace`` (e.g. ``d:3`` or ``g:1``) to work in another dealership or group."""

    def post(self, request):
        choice = request.POST.get("workspace", "")
        if any(w.key == choice for w in getattr(request, "workspaces", [])):
            request.session[SESSION_KEY] = choice
        target = request.POST.get("next") or reverse("dashboard")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("dashboard")
        return HttpResponseRedirect(target)


class JobRunListView(ScopedListView):
    model = JobRun
    table_class = JobRunTable
    template_name = "platform/jobrun_list.html"

    def get_queryset(self):
        return selectors.job_runs_for_user(
            self.request.user, state=self.request.GET.get("state") or None
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["states"] = JobRun.State.choices
        context["title"] = _("Scheduled job runs")
        return context


class JobRunDetailView(ScopedDetailView):
    model = JobRun
    template_name = "platform/jobrun_detail.html"

    def base_queryset(self):
        return JobRun.objects.select_related("dealership")
