"""HTML views of after-sales: the workshop — the board of today's jobs (by bay and by
technician, refreshed every minute with htmx), a technician's own jobs with big clock on / off /
finish buttons, assigning a job, bays, and the technicians' efficiency."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from aftersales import services
from aftersales.forms.workshop import (
    AssignForm,
    BayFilterForm,
    BayForm,
    BoardFilterForm,
    PeriodForm,
)
from aftersales.models import Bay, Job, JobStatus, RepairOrder
from aftersales.selectors import workshop as selectors
from aftersales.services.workshop import may_assign_jobs, may_change_bays, technicians
from aftersales.tables.workshop import BayTable
from dealership.access import can, check_model_permission, get_object_for_user, permitted_ids
from dealership.views import ScopedListView, ServiceFormView, TenantRequiredMixin


def repair_order_url(pk) -> str | None:
    """The repair order's page (the repairs area's), if its route exists."""
    try:
        return reverse("aftersales:repairorder_detail", kwargs={"pk": pk})
    except NoReverseMatch:
        return None


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


class _Done:
    """What a form view redirects to after saving."""

    def __init__(self, url: str):
        self.url = url

    def get_absolute_url(self) -> str:
        return self.url


def _link_orders(user, jobs) -> None:
    """``job.order_url``: the job's repair order page when the user may open it (one query)."""
    ids = permitted_ids(user, RepairOrder, "view", {j.repair_order_id for j in jobs})
    for job in jobs:
        job.order_url = (
            repair_order_url(job.repair_order_id) if job.repair_order_id in ids else None
        )


# --- the board -----------------------------------------------------------------------------------


class BoardView(TenantRequiredMixin, View):
    """Today's jobs by bay or by technician; ``?technician=&bay=&by=bay|technician``. An htmx
    request (the page refreshing itself every minute) gets the board's partial only."""

    template_name = "aftersales/workshop/board.html"
    partial_name = "aftersales/workshop/_board.html"

    def get(self, request):
        user = request.user
        check_model_permission(user, Job, "view")
        bays = list(selectors.bays_for_user(user, active="1"))
        people = list(technicians())
        form = BoardFilterForm(request.GET or None, technicians=people, bays=bays)
        data = form.cleaned_data if form.is_valid() else {}
        board = selectors.board(user, technician=data.get("technician"), bay=data.get("bay"))
        by = data.get("by") or "bay"
        may_assign = may_assign_jobs(user)
        _link_orders(user, board.jobs)
        context = {
            "board": board,
            "groups": board.by_technician if by == "technician" else board.by_bay,
            "by": by,
            "filter_form": form,
            "may_assign": may_assign,
            "statuses": JobStatus.choices,
            "refresh_url": request.get_full_path(),
            "tab": "board",
            "may_change_bays": may_change_bays(user),
        }
        if request.headers.get("HX-Request"):
            return render(request, self.partial_name, context)
        return render(request, self.template_name, context)


class MyJobsView(TenantRequiredMixin, View):
    """A technician's jobs of today, each with a big clock on / clock off / finish button."""

    template_name = "aftersales/workshop/my_jobs.html"

    def get(self, request):
        user = request.user
        check_model_permission(user, Job, "view")
        jobs = selectors.my_jobs(user)
        _link_orders(user, jobs)
        return render(
            request,
            self.template_name,
            {
                "jobs": jobs,
                "may_clock": can(user, Job, "change"),
                "clocked_on": next((j for j in jobs if j.clocked_on_at), None),
                "tab": "my_jobs",
                "may_assign": may_assign_jobs(user),
            },
        )


class _JobAction(TenantRequiredMixin, View):
    """POST on one job: re-read through the chokepoint for "change" (404 / 403), call the
    service, back to ``next`` (or the technician's jobs); a refusal answers 400 with why."""

    model = Job

    def call(self, request, job):  # pragma: no cover - overridden
        raise NotImplementedError

    def post(self, request, pk):
        job = get_object_for_user(request.user, Job, "change", pk=pk)
        back = _safe_next(request, reverse("aftersales:my_jobs"))
        try:
            message = self.call(request, job)
        except ValidationError as error:
            return render(
                request,
                "aftersales/workshop/refused.html",
                {"errors": error.messages, "back_url": back},
                status=400,
            )
        messages.success(request, message)
        return redirect(back)


class ClockOnView(_JobAction):
    def call(self, request, job):
        services.job_clock_on(actor=request.user, job_id=job.pk)
        return _("Clocked on.")


class ClockOffView(_JobAction):
    def call(self, request, job):
        services.job_clock_off(actor=request.user, job_id=job.pk)
        return _("Clocked off; the job is paused.")


class FinishView(_JobAction):
    def call(self, request, job):
        services.job_clock_off(actor=request.user, job_id=job.pk, finished=True)
        return _("The job is done.")


class AssignView(ServiceFormView):
    """Assign a job to a technician and a bay (the workshop supervisor, the service manager)."""

    model = Job
    success_url = reverse_lazy("aftersales:workshop_board")

    def get_object(self):
        job = get_object_for_user(
            self.request.user,
            Job,
            "change",
            Job.objects.select_related("repair_order", "line"),
            pk=self.kwargs["pk"],
        )
        if not may_assign_jobs(self.request.user):
            raise PermissionDenied(
                _("Only the workshop supervisor or the service manager assign jobs.")
            )
        return job

    def get_title(self, obj):
        return _("Assign %(operation)s (%(number)s)") % {
            "operation": obj.line.description,
            "number": obj.repair_order.number,
        }

    def cancel_url(self, obj):
        return _safe_next(self.request, str(self.success_url))

    def get_form(self, obj, data=None):
        bays = selectors.bays_for_user(self.request.user, active="1")
        initial = {"technician": obj.technician_id, "bay": obj.bay_id}
        return AssignForm(data, initial=initial, technicians=technicians(), bays=bays)

    def save(self, form, obj):
        services.job_assign(
            actor=self.request.user,
            job_id=obj.pk,
            technician=form.cleaned_data["technician"],
            bay=form.cleaned_data.get("bay"),
        )
        return _Done(self.cancel_url(obj))


# --- bays ----------------------------------------------------------------------------------------


class BayListView(ScopedListView):
    model = Bay
    table_class = BayTable
    template_name = "aftersales/workshop/bay_list.html"

    def get_queryset(self):
        self.filter_form = BayFilterForm(self.request.GET or None)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.bays_for_user(
            self.request.user,
            q=data.get("q", ""),
            active=data.get("active", ""),
            sort=data.get("sort", ""),
        )

    def get_table_kwargs(self):
        return {"may_change": may_change_bays(self.request.user)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["may_add"] = may_change_bays(self.request.user)
        context["tab"] = "bays"
        context["may_change_bays"] = context["may_add"]
        return context


class BayFormView(ServiceFormView):
    model = Bay
    success_url = reverse_lazy("aftersales:bay_list")

    def get_object(self):
        obj = super().get_object()
        if not may_change_bays(self.request.user):
            raise PermissionDenied(
                _("Only the workshop supervisor or the service manager change bays.")
            )
        return obj

    def get_title(self, obj):
        return _("New bay") if obj is None else _("Change bay %(bay)s") % {"bay": obj}

    def get_form(self, obj, data=None):
        if obj is None:
            return BayForm(data)
        return BayForm(
            data, initial={"code": obj.code, "name": obj.name, "is_active": obj.is_active}
        )

    def save(self, form, obj):
        kwargs = form.service_kwargs()
        if obj is None:
            services.bay_create(actor=self.request.user, **kwargs)
        else:
            services.bay_update(actor=self.request.user, bay_id=obj.pk, **kwargs)
        return _Done(str(self.success_url))


# --- efficiency ----------------------------------------------------------------------------------


def period_of(form: PeriodForm) -> tuple[dt.date, dt.date]:
    """The form's period, this month by default."""
    today = selectors.today()
    data = form.cleaned_data if form.is_valid() else {}
    date_from = data.get("date_from") or selectors.month_start(today)
    date_to = data.get("date_to") or max(today, date_from)
    return date_from, date_to


class EfficiencyView(TenantRequiredMixin, View):
    """Per technician: hours sold, hours clocked, efficiency and productivity over
    ``?from=&to=`` (this month by default)."""

    template_name = "aftersales/workshop/efficiency.html"

    def get(self, request):
        user = request.user
        check_model_permission(user, Job, "view")
        data = {
            "date_from": request.GET.get("from", ""),
            "date_to": request.GET.get("to", ""),
        }
        form = PeriodForm(data if any(data.values()) else None, prefix=None)
        if form.is_bound and not form.is_valid():
            messages.warning(request, _("The period was not valid; this month is shown."))
        date_from, date_to = period_of(form)
        report = selectors.efficiency(user, date_from, date_to)
        return render(
            request,
            self.template_name,
            {
                "report": report,
                "date_from": date_from,
                "date_to": date_to,
                "tab": "efficiency",
                "may_assign": may_assign_jobs(user),
                "may_change_bays": may_change_bays(user),
            },
        )


urlpatterns: list = [
    path("workshop/", BoardView.as_view(), name="workshop_board"),
    path("workshop/my-jobs/", MyJobsView.as_view(), name="my_jobs"),
    path("workshop/efficiency/", EfficiencyView.as_view(), name="efficiency"),
    path("workshop/bays/", BayListView.as_view(), name="bay_list"),
    path("workshop/bays/new/", BayFormView.as_view(), name="bay_create"),
    path("workshop/bays/<int:pk>/edit/", BayFormView.as_view(), name="bay_edit"),
    path("workshop/jobs/<int:pk>/assign/", AssignView.as_view(), name="job_assign"),
    path("workshop/jobs/<int:pk>/clock-on/", ClockOnView.as_view(), name="job_clock_on"),
    path("workshop/jobs/<int:pk>/clock-off/", ClockOffView.as_view(), name="job_clock_off"),
    path("workshop/jobs/<int:pk>/finish/", FinishView.as_view(), name="job_finish"),
]


# --- widgets -------------------------------------------------------------------------------------


def _my_jobs_widget(request) -> dict | None:
    """For technicians (who clock their own jobs): today's assigned jobs with their clock."""
    if getattr(request, "tenant_scope", None) is None:
        return None
    user = request.user
    if not can(user, Job, "change") or may_assign_jobs(user):
        return None
    if not services.is_technician(user.pk):
        return None
    jobs = selectors.my_jobs(user)
    return {"jobs": jobs[:8], "more": max(0, len(jobs) - 8)}


def _workshop_today_widget(request) -> dict | None:
    """For the workshop supervisor and the service manager: the day's jobs and who is on one."""
    if getattr(request, "tenant_scope", None) is None:
        return None
    if not may_assign_jobs(request.user):
        return None
    return selectors.workshop_today(request.user)


def register_widgets() -> None:
    """This area's dashboard panels: "My jobs" (technicians), "Workshop today" (supervisor)."""
    from django.utils.translation import gettext_lazy

    from dealership.registry import Widget, register_widget

    register_widget(
        Widget(
            "aftersales_my_jobs",
            gettext_lazy("My jobs"),
            "aftersales/workshop/widgets/my_jobs.html",
            _my_jobs_widget,
            order=52,
        )
    )
    register_widget(
        Widget(
            "aftersales_workshop_today",
            gettext_lazy("Workshop today"),
            "aftersales/workshop/widgets/today.html",
            _workshop_today_widget,
            order=53,
        )
    )
