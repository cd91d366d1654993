"""Platform pages and the base views every module builds on.

* base views: :class:`ScopedListView`, :class:`ScopedDetailView` (reads through the access
  chokepoint), :class:`ServiceFormView` (a form whose POST calls a service) and
  :class:`ServiceDeleteView` (confirm, then call a delete service);
* pages: dashboard, workspace switcher, the "no access" page, the job runs, the audit log and
  the error pages (400/403/404 inside the shell, a minimal 500)."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import BadRequest, DisallowedHost, ValidationError
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DetailView, TemplateView
from django_tables2.views import SingleTableView

from dealership import selectors
from dealership.access import (
    can,
    check_model_permission,
    get_object_for_user,
    permitted_ids,
    restricted_queryset,
)
from dealership.audit import entry_changes, object_links, object_type_label
from dealership.exports.pages import ListExportMixin
from dealership.exports.service import EXPORT_PARAM
from dealership.forms import AuditFilterForm
from dealership.jobs import all_jobs, uncovered_years
from dealership.models import AuditEntry, JobRun
from dealership.registry import widgets_for
from dealership.tables import AuditTable, JobRunTable, ListPaginator
from dealership.tenancy.resolve import SESSION_KEY


class TenantRequiredMixin(LoginRequiredMixin):
    """Logged-in users without any active membership see only the "no access" page."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and getattr(request, "tenant_scope", None) is None:
            return render(request, "platform/no_access.html", status=403)
        return super().dispatch(request, *args, **kwargs)


class ScopedListView(TenantRequiredMixin, ListExportMixin, SingleTableView):
    """A paginated list of a tenant model, read through the access chokepoint. Pages are not
    counted (:class:`dealership.tables.ListPaginator`): one query reads a page. ``?export=csv``
    or ``?export=xlsx`` answers the list as a file (:mod:`dealership.exports`)."""

    model = None
    paginate_by = 25
    paginator_class = ListPaginator
    action = "view"

    def paginate_queryset(self, queryset, page_size):
        if self.table_class is None:  # a page of its own, without a table
            return super().paginate_queryset(queryset, page_size)
        return None, None, queryset, False  # the table pages the rows; counting twice is waste

    def base_queryset(self):
        return self.model._default_manager.all()

    def get(self, request, *args, **kwargs):
        check_model_permission(request.user, self.model, self.action)  # 403 before any row
        if EXPORT_PARAM in request.GET:
            return self.export_response()
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return restricted_queryset(self.request.user, self.model, self.action, self.base_queryset())


class FilteredListView(ScopedListView):
    """A :class:`ScopedListView` filtered by a GET form (``filter_class``): :meth:`rows` reads
    the rows for the form's selection (its ``selection()``, else its cleaned data; nothing when
    the form is not valid), through the module's selector. The page gets ``filter_form``,
    ``title``, the area's ``tabs`` and ``tab``, ``may_add`` and, with ``new_url`` (the name of
    the add page's URL), ``new_url`` and ``new_label`` for who may add. With
    ``mark_changeable`` the table knows the ids on its page the viewer may change
    (``table.changeable``), to show edit buttons only to who may use them."""

    filter_class = None
    title = ""
    tab = ""
    new_url = ""
    new_label = ""
    mark_changeable = False

    def filter_form_kwargs(self) -> dict:
        return {}

    def selection(self, form) -> dict:
        if hasattr(form, "selection"):
            return form.selection()
        return form.cleaned_data if form.is_valid() else {}

    def rows(self, selection):
        """The rows for ``selection`` (keyword arguments of the module's selector)."""
        raise NotImplementedError

    def get_tabs(self) -> list:
        """The area's tabs the viewer may open: (key, label, url)."""
        return []

    def get_queryset(self):
        self.filter_form = self.filter_class(self.request.GET or None, **self.filter_form_kwargs())
        return self.rows(self.selection(self.filter_form))

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        if self.mark_changeable:
            ids = [row.record.pk for row in table.page.object_list]
            table.changeable = permitted_ids(self.request.user, self.model, "change", ids)
        return table

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        may_add = can(user, self.model, "add")
        context.update(
            filter_form=self.filter_form,
            tabs=self.get_tabs(),
            tab=self.tab,
            may_add=may_add,
            new_url=reverse(self.new_url) if self.new_url and may_add else None,
            new_label=self.new_label,
        )
        if self.title:
            context["title"] = self.title
        return context


class ScopedDetailView(TenantRequiredMixin, DetailView):
    model = None
    action = "view"

    def base_queryset(self):
        return self.model._default_manager.all()

    def get_object(self, queryset=None):
        return get_object_for_user(
            self.request.user, self.model, self.action, self.base_queryset(), pk=self.kwargs["pk"]
        )


def apply_errors(form, error: ValidationError) -> None:
    """Show a service's ``ValidationError`` on the form: on its fields, or above them."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class ServiceFormView(TenantRequiredMixin, View, ABC):
    """GET shows the form; POST validates it and calls a service (:meth:`save`). ``model`` +
    ``pk`` in the URL edit an object re-read through the chokepoint (404 outside scope, 403 if
    not allowed); without ``pk`` the user needs the ``add`` permission. A service's
    ``ValidationError`` is shown on the form (400). After saving, the view redirects to the
    result's ``get_absolute_url()``, else to :meth:`cancel_url` (``success_url`` by default)."""

    model = None
    action = "change"
    template_name = "platform/form.html"
    title = ""
    success_url = None  # the module's list, e.g. reverse_lazy("crm:customer_list")

    def get_object(self):
        if "pk" not in self.kwargs:
            check_model_permission(self.request.user, self.model, "add")
            return None
        return get_object_for_user(self.request.user, self.model, self.action, pk=self.kwargs["pk"])

    @abstractmethod
    def get_form(self, obj, data=None):
        """The form for ``obj`` (``None`` when adding), bound to ``data`` on POST."""

    @abstractmethod
    def save(self, form, obj):
        """Call the module's service with the valid form's data; return the saved object."""

    def render_form(self, form, obj, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "object": obj,
                "title": self.get_title(obj),
                "cancel_url": self.cancel_url(obj),
                **self.form_context(obj),
            },
            status=status,
        )

    def form_context(self, obj) -> dict:
        """What the page shows besides the form (a preview, the object's parts)."""
        return {}

    def get_title(self, obj):
        return self.title

    def cancel_url(self, obj):
        return str(self.success_url)

    def success_url_for(self, result, obj) -> str:
        """Where a saved form goes: the result's page, else :meth:`cancel_url`."""
        if hasattr(result, "get_absolute_url"):
            return result.get_absolute_url()
        return self.cancel_url(obj)

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        return self.render_form(self.get_form(obj), obj)

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        form = self.get_form(obj, request.POST)
        if form.is_valid():
            try:
                result = self.save(form, obj)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(self.success_url_for(result, obj))
        return self.render_form(form, obj, status=400)


class ServiceDeleteView(TenantRequiredMixin, View, ABC):
    """GET asks for confirmation, POST calls :meth:`delete` (a service) and redirects to
    :meth:`get_success_url` (``success_url``: the module's own list). The object is re-read
    through the chokepoint for ``delete`` (404 outside scope, 403 if not allowed); a service's
    ``ValidationError`` is shown on the confirmation page (400)."""

    model = None
    template_name = "platform/confirm_delete.html"
    success_url = None

    @abstractmethod
    def delete(self, obj) -> None:
        """Call the module's delete service for ``obj``."""

    def get_success_url(self) -> str:
        return str(self.success_url)

    def render_confirm(self, obj, errors=None, status=200):
        return render(
            self.request,
            self.template_name,
            {"object": obj, "errors": errors, "cancel_url": self.get_success_url()},
            status=status,
        )

    def get(self, request, pk):
        return self.render_confirm(get_object_for_user(request.user, self.model, "delete", pk=pk))

    def post(self, request, pk):
        obj = get_object_for_user(request.user, self.model, "delete", pk=pk)
        try:
            self.delete(obj)
        except ValidationError as error:
            return self.render_confirm(obj, error.messages, status=400)
        messages.success(request, _("Deleted."))
        return redirect(self.get_success_url())


def set_language(request):
    """Django's language switch, which also remembers the choice on the login: e-mails are
    written in the language the person last chose."""
    from django.views.i18n import set_language as django_set_language

    response = django_set_language(request)
    language = request.POST.get("language", "")
    user = getattr(request, "user", None)
    if (
        request.method == "POST"
        and user is not None
        and user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and user.language != language
    ):
        get_user_model().objects.filter(pk=user.pk).update(language=language)
    return response


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
        chosen = next((w for w in getattr(request, "workspaces", []) if w.key == choice), None)
        if chosen is not None:
            request.session[SESSION_KEY] = choice
            if chosen.kind == "group":
                where = gettext("HQ: %(group)s") % {"group": chosen.label}
            else:
                where = chosen.label
            messages.success(request, gettext("Switched to: %(workspace)s") % {"workspace": where})
        target = request.POST.get("next") or reverse("dashboard")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("dashboard")
        return HttpResponseRedirect(target)


class JobRunListView(ScopedListView):
    model = JobRun
    table_class = JobRunTable
    template_name = "platform/jobrun_list.html"

    def chosen_state(self) -> str:
        """The state filtered on (one of ``JobRun.State``, e.g. ``missed``), or "" for all."""
        state = self.request.GET.get("state") or ""
        return state if state in JobRun.State.values else ""

    def get_queryset(self):
        return selectors.job_runs_for_user(self.request.user, state=self.chosen_state() or None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["states"] = JobRun.State.choices
        context["jobs_registered"] = bool(all_jobs())
        # a year the holiday calendar does not know: "working day" means Monday to Friday
        from django.utils import timezone

        context["calendar_gap"] = uncovered_years(timezone.localdate())
        # messages to e-mail and WeCom that failed are watched here too (one query)
        from dealership.notifications.selectors import failing_deliveries

        context["failing_deliveries"] = list(failing_deliveries(self.request.user)[:5])
        # is the scheduler alive? the broker, the dispatchers' passes, the runs by state (the
        # viewer's dealerships): a red banner when scheduled work is not being dispatched
        from dealership.health import scheduler_health

        context["health"] = scheduler_health(self.request.user)
        context["state"] = self.chosen_state()
        context["title"] = _("Scheduled job runs")
        return context


class JobRunDetailView(ScopedDetailView):
    model = JobRun
    template_name = "platform/jobrun_detail.html"

    def base_queryset(self):
        return JobRun.objects.select_related("dealership")


class AuditListView(ScopedListView):
    """The audit log: the entries the viewer may read (:mod:`dealership.audit`), filtered by
    who, what and when, each object by the name recorded with the entry; an entry's page names
    and links its object when the viewer may open it. One query reads a page, however many
    kinds of objects it shows."""

    model = AuditEntry
    table_class = AuditTable
    template_name = "platform/audit_list.html"

    def base_queryset(self):
        return AuditEntry.objects.select_related("actor")

    def get_queryset(self):
        self.filter_form = AuditFilterForm(self.request.GET or None)
        return self.filter_form.filter(super().get_queryset())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.filter_form
        context["filter_form"] = form
        if form.is_bound and form.errors:
            messages.warning(
                self.request, gettext("Some filters were not valid and were not applied.")
            )
        return context


class AuditDetailView(ScopedDetailView):
    """One entry: the object by its name (linked when the viewer may open it), its type, and
    its values field by field, with the values the viewer may not read masked."""

    model = AuditEntry
    template_name = "platform/audit_detail.html"

    def base_queryset(self):
        return AuditEntry.objects.select_related("actor")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, entry = self.request.user, self.object
        link = object_links(user, [entry]).get((entry.object_type, entry.object_id))
        context["object_name"] = link[0] if link else entry.object_repr
        context["object_url"] = link[1] if link else None
        context["object_type_label"] = object_type_label(entry.object_type)
        context["changes"] = entry_changes(user, entry)
        return context


# --- error pages ------------------------------------------------------------------------------

logger = logging.getLogger(__name__)

ERROR_TEMPLATES = {400: "400.html", 403: "403.html", 404: "404.html"}
ERROR_TITLES = {400: _("Bad request"), 403: _("Access denied"), 404: _("Page not found")}


def is_api_request(request) -> bool:
    """API clients get the API's JSON error shape, never an HTML page."""
    return request.path.startswith("/api/")


def _back_url(request) -> str | None:
    """The previous page of this site (the Referer), as a path, for the "back" link."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={host}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(referer)
    back = parts.path + (f"?{parts.query}" if parts.query else "")
    return back if back.startswith("/") and back != request.get_full_path() else None


def _detail(status: int, exception) -> str:
    """A 403's own reason (e.g. "you cannot change your own positions") when it says more than
    the page does, and a 400 the code raised on purpose (``BadRequest``: e.g. control characters
    in a search); other errors show no detail (a 404's message may name internals)."""
    if status == 400 and type(exception) is BadRequest and exception.args:
        return str(exception.args[0])
    if status != 403 or exception is None or not exception.args:
        return ""
    detail = str(exception.args[0])
    return "" if detail == gettext("You do not have permission to perform this action.") else detail


def error_page(request, status: int, exception=None) -> HttpResponse:
    """The 400, 403 or 404 page inside the shell (navigation, the user's language), with a link
    to the dashboard and one back to the previous page. The status code is kept."""
    return render(
        request,
        ERROR_TEMPLATES[status],
        {"status": status, "back_url": _back_url(request), "detail": _detail(status, exception)},
        status=status,
    )


API_ERRORS = {
    400: ("bad_request", _("The request is not valid.")),
    403: ("permission_denied", _("You do not have permission to perform this action.")),
    404: ("not_found", _("Not found.")),
    500: ("server_error", _("A server error occurred.")),
}


def api_error(status: int, detail: str = "") -> JsonResponse:
    """The API's error shape (see ``dealership.api.errors``) for errors outside DRF's views,
    e.g. an unknown ``/api/`` URL."""
    code, message = API_ERRORS[status]
    message = detail or message
    return JsonResponse(
        {"error": {"status": status, "code": code, "message": str(message)}}, status=status
    )


def client_error(request, status: int, exception) -> HttpResponse:
    """The 400/403/404 answer: the page in the shell, or the API's error shape."""
    if is_api_request(request):
        return api_error(status, _detail(status, exception) if status == 400 else "")
    try:
        return error_page(request, status, exception)
    except Exception:  # the shell itself failed (e.g. the database is down): a bare page
        logger.exception("Error page %s could not be rendered", status)
        return server_error(request, status=status)


def bad_request(request, exception=None):
    """``handler400`` (without DEBUG; with DEBUG the error middleware answers for views)."""
    return client_error(request, 400, exception)


def permission_denied(request, exception=None):
    """``handler403``."""
    return client_error(request, 403, exception)


def page_not_found(request, exception=None):
    """``handler404``: unknown URLs, and 404s the error middleware did not answer."""
    return client_error(request, 404, exception)


def server_error(request, status: int = 500):
    """``handler500``: a minimal page that needs neither the database nor the context
    processors (the error may be that the database is down)."""
    if is_api_request(request):
        return api_error(500)
    try:
        dashboard_url = reverse("dashboard")
    except NoReverseMatch:
        dashboard_url = "/"
    try:
        html = loader.get_template("500.html").render({"dashboard_url": dashboard_url})
    except Exception:
        logger.exception("Error page 500 could not be rendered")
        html = f'<!doctype html><h1>{status}</h1><p><a href="{dashboard_url}">ERP</a></p>'
    return HttpResponse(html, status=status)
