"""The admin office's pages: notices (list, page with acknowledgements, form, acknowledge,
distribute, attachment), meetings with their action items, training sessions with the checks,
the rota grid and the day's attendance."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views import View

from dealership.access import can, check_model_permission, get_object_for_user
from dealership.figures import local_today
from dealership.views import (
    ScopedDetailView,
    ScopedListView,
    ServiceFormView,
    TenantRequiredMixin,
    apply_errors,
)
from org.office import selectors, services
from org.office.forms import (
    ActionItemForm,
    ActionItemStateForm,
    AttendanceForm,
    MeetingForm,
    NoticeForm,
    TrainingResultForm,
    TrainingSessionForm,
)
from org.office.models import (
    ActionItem,
    Meeting,
    Notice,
    RotaShift,
    TrainingRecord,
    TrainingSession,
)
from org.office.tables import (
    ActionItemTable,
    MeetingTable,
    NoticeTable,
    TrainingSessionTable,
)


def _date_param(request, name: str, default: dt.date) -> dt.date:
    raw = request.GET.get(name, "")
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(_("Give the date as YYYY-MM-DD.")) from None


def _bad_request(request, error: ValidationError):
    """400 inside the shell, with the reason."""
    from django.core.exceptions import BadRequest

    from dealership.views import error_page

    return error_page(request, 400, BadRequest(" ".join(error.messages)))


# --- notices ---------------------------------------------------------------------------------


class NoticeListView(ScopedListView):
    """厂家通知 / Notices: what reached me (``?unread=1``: not acknowledged yet) and what I keep."""

    model = Notice
    table_class = NoticeTable
    template_name = "org/office/notice_list.html"

    def get_queryset(self):
        return selectors.notices_for_user(
            self.request.user,
            unread=bool(self.request.GET.get("unread")),
            kind=self.request.GET.get("kind", ""),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=_("Notices and bulletins"),
            unread=bool(self.request.GET.get("unread")),
            kinds=Notice.Kind.choices,
            may_add=can(self.request.user, Notice, "add"),
        )
        return context


class NoticeDetailView(ScopedDetailView):
    model = Notice
    template_name = "org/office/notice_detail.html"

    def base_queryset(self):
        return Notice.objects.select_related("department", "registered_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        notice = context["object"]
        user = self.request.user
        keeps = Notice.objects.for_user(user, "change").filter(pk=notice.pk).exists()
        receipts = list(selectors.notice_receipts(user, notice)) if keeps else []
        context.update(
            receipt=selectors.my_receipt(user, notice),
            keeps=keeps,
            receipts=receipts,
            read=[r for r in receipts if r.read_at],
            unread=[r for r in receipts if not r.read_at],
            targets=notice.targets.select_related("position__department"),
        )
        return context


class NoticeFormView(ServiceFormView):
    model = Notice
    template_name = "org/office/form.html"
    success_url = reverse_lazy("org:notice_list")

    def get_title(self, obj):
        return _("Change the notice") if obj else _("Register a notice")

    def get_form(self, obj, data=None):
        initial = {}
        if obj is not None:
            initial = {
                f: getattr(obj, f)
                for f in ("number", "title", "kind", "issuer", "issued_on", "body")
            }
            initial["positions"] = list(obj.targets.values_list("position_id", flat=True))
        return NoticeForm(data, self.request.FILES if data is not None else None, initial=initial)

    def save(self, form, obj):
        data = dict(form.cleaned_data)
        if obj is None:
            return services.notice_create(actor=self.request.user, **data)
        return services.notice_update(actor=self.request.user, notice_id=obj.pk, **data)


class NoticeAcknowledgeView(TenantRequiredMixin, View):
    """POST: 已阅 — the recipient acknowledges the notice."""

    model = Notice

    def post(self, request, pk):
        notice = get_object_for_user(request.user, Notice, "view", pk=pk)
        services.require_writable(request.user)  # HQ reads only
        try:
            services.notice_acknowledge(actor=request.user, notice_id=notice.pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Acknowledged."))
        return HttpResponseRedirect(notice.get_absolute_url())


class NoticeDistributeView(TenantRequiredMixin, View):
    """POST: send the notice to the holders of its positions who have not got it yet."""

    model = Notice

    def post(self, request, pk):
        notice = get_object_for_user(request.user, Notice, "change", pk=pk)
        try:
            count = services.notice_distribute(actor=request.user, notice_id=notice.pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Sent to %(count)d more people.") % {"count": count})
        return HttpResponseRedirect(notice.get_absolute_url())


class NoticeFileDetailView(TenantRequiredMixin, View):
    """The notice's file, only for who may read the notice."""

    model = Notice

    def get(self, request, pk):
        notice = get_object_for_user(request.user, Notice, "view", pk=pk)
        if not notice.attachment:
            raise Http404(_("Not found."))
        try:
            handle = notice.attachment.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404(_("Not found.")) from None
        response = FileResponse(
            handle,
            content_type=notice.attachment_type or "application/octet-stream",
            as_attachment=True,
            filename=notice.attachment_name or "notice",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        response._csp_exempt = True
        response["Cache-Control"] = "private, no-store"
        return response


# --- meetings --------------------------------------------------------------------------------


class MeetingListView(ScopedListView):
    model = Meeting
    table_class = MeetingTable
    template_name = "org/office/meeting_list.html"

    def get_queryset(self):
        return selectors.meetings_for_user(self.request.user, kind=self.request.GET.get("kind", ""))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=_("Meetings"),
            kinds=Meeting.Kind.choices,
            may_add=can(self.request.user, Meeting, "add"),
        )
        return context


class MeetingDetailView(ScopedDetailView):
    model = Meeting
    template_name = "org/office/meeting_detail.html"

    def base_queryset(self):
        return Meeting.objects.select_related("department", "chair__user", "recorded_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting = context["object"]
        user = self.request.user
        keeps = Meeting.objects.for_user(user, "change").filter(pk=meeting.pk).exists()
        items = list(selectors.meeting_items(user, meeting))
        today = local_today()
        context.update(
            keeps=keeps,
            attendees=selectors.meeting_attendees(meeting),
            items=items,
            today=today,
            item_form=ActionItemForm() if keeps else None,
            states=ActionItem.State.choices,
        )
        return context


class MeetingFormView(ServiceFormView):
    model = Meeting
    success_url = reverse_lazy("org:meeting_list")

    def get_title(self, obj):
        return _("Change the meeting") if obj else _("Record a meeting")

    def get_form(self, obj, data=None):
        initial = {"held_on": local_today()}
        if obj is not None:
            initial = {f: getattr(obj, f) for f in ("kind", "title", "held_on", "place", "minutes")}
            initial.update(
                department=obj.department_id,
                chair=obj.chair_id,
                attendees=list(obj.attendance.values_list("staff_id", flat=True)),
            )
        return MeetingForm(data, initial=initial)

    def save(self, form, obj):
        data = dict(form.cleaned_data)
        if obj is None:
            return services.meeting_create(actor=self.request.user, **data)
        return services.meeting_update(actor=self.request.user, meeting_id=obj.pk, **data)


class ActionItemAddView(TenantRequiredMixin, View):
    model = Meeting

    def post(self, request, pk):
        meeting = get_object_for_user(request.user, Meeting, "change", pk=pk)
        form = ActionItemForm(request.POST)
        if form.is_valid():
            try:
                services.action_item_add(
                    actor=request.user, meeting_id=meeting.pk, **form.cleaned_data
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(meeting.get_absolute_url())
        return render(
            request,
            "platform/form.html",
            {
                "form": form,
                "object": meeting,
                "title": _("Add an action item"),
                "cancel_url": meeting.get_absolute_url(),
            },
            status=400,
        )


class ActionItemStateView(TenantRequiredMixin, View):
    """POST: the owner marks their item done; a keeper closes, cancels or reopens it."""

    model = ActionItem

    def post(self, request, pk):
        item = get_object_for_user(request.user, ActionItem, "view", pk=pk)
        services.require_writable(request.user)  # HQ reads only
        form = ActionItemStateForm(request.POST)
        if not form.is_valid():
            return _bad_request(request, ValidationError(_("Choose a valid state.")))
        try:
            services.action_item_set_state(actor=request.user, item_id=item.pk, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Saved."))
        back = request.POST.get("next", "")
        if not back.startswith("/") or back.startswith("//"):
            back = item.get_absolute_url()
        return HttpResponseRedirect(back)


class ActionItemListView(ScopedListView):
    """Action items: mine (``?mine=1``), the open / overdue ones (``?overdue=1``)."""

    model = ActionItem
    table_class = ActionItemTable
    template_name = "org/office/actionitem_list.html"

    def get_queryset(self):
        params = self.request.GET
        return selectors.action_items_for_user(
            self.request.user,
            mine=bool(params.get("mine")),
            state=params.get("state", ""),
            overdue_on=local_today() if params.get("overdue") else None,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=_("Action items"),
            mine=bool(self.request.GET.get("mine")),
            overdue=bool(self.request.GET.get("overdue")),
        )
        return context


# --- training --------------------------------------------------------------------------------


RECHECK_WINDOW = 30  # days: "re-checks due soon" on the training list


class TrainingListView(ScopedListView):
    model = TrainingSession
    table_class = TrainingSessionTable
    template_name = "org/office/training_list.html"

    def get_queryset(self):
        recheck = bool(self.request.GET.get("recheck"))
        return selectors.sessions_for_user(
            self.request.user,
            kind=self.request.GET.get("kind", ""),
            recheck_by=local_today() + dt.timedelta(days=RECHECK_WINDOW) if recheck else None,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=_("Training"),
            kinds=TrainingSession.Kind.choices,
            may_add=can(self.request.user, TrainingSession, "add"),
        )
        return context


class TrainingDetailView(ScopedDetailView):
    model = TrainingSession
    template_name = "org/office/training_detail.html"

    def base_queryset(self):
        return TrainingSession.objects.select_related(
            "trainer__user", "department", "source", "recorded_by"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session = context["object"]
        user = self.request.user
        keeps = TrainingSession.objects.for_user(user, "change").filter(pk=session.pk).exists()
        source_visible = (
            session.source_id
            and TrainingSession.objects.for_user(user, "view").filter(pk=session.source_id).exists()
        )
        context.update(
            keeps=keeps,
            records=selectors.session_records(user, session),
            results=TrainingRecord.Result.choices,
            source_visible=source_visible,
            retrainings=TrainingSession.objects.for_user(user, "view")
            .filter(source=session)
            .select_related("trainer__user"),
        )
        return context


class TrainingFormView(ServiceFormView):
    model = TrainingSession
    success_url = reverse_lazy("org:training_list")

    def get_title(self, obj):
        return _("Change the training") if obj else _("Record a training")

    def get_form(self, obj, data=None):
        initial = {"held_on": local_today(), "hours": 1}
        if obj is not None:
            initial = {
                f: getattr(obj, f)
                for f in ("course", "kind", "held_on", "hours", "trainer_name", "content")
            }
            initial.update(
                trainer=obj.trainer_id,
                source=obj.source_id,
                department=obj.department_id,
                trainees=list(obj.records.values_list("trainee_id", flat=True)),
            )
        return TrainingSessionForm(data, initial=initial)

    def save(self, form, obj):
        data = dict(form.cleaned_data)
        if obj is None:
            return services.training_session_create(actor=self.request.user, **data)
        return services.training_session_update(actor=self.request.user, session_id=obj.pk, **data)


class TrainingResultView(TenantRequiredMixin, View):
    """POST: the check of one trainee (result, score, re-check date)."""

    model = TrainingRecord

    def post(self, request, pk):
        record = get_object_for_user(request.user, TrainingRecord, "change", pk=pk)
        form = TrainingResultForm(request.POST)
        if not form.is_valid():
            errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
            return _bad_request(request, ValidationError(errors))
        try:
            services.training_result_record(
                actor=request.user, record_id=record.pk, **form.cleaned_data
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Saved."))
        return HttpResponseRedirect(record.get_absolute_url())


# --- the rota --------------------------------------------------------------------------------

ROTA_DAYS = {"week": 7, "month": 31}


def _pick_department(request):
    departments = list(selectors.rota_departments(request.user))
    wanted = request.GET.get("department") or request.POST.get("department")
    chosen = None
    if wanted:
        try:
            chosen = next(d for d in departments if str(d.pk) == str(int(wanted)))
        except (StopIteration, ValueError):
            raise Http404(_("Not found.")) from None
    elif departments:
        chosen = departments[0]
    return departments, chosen


def _one_dealership(request) -> None:
    """The rota and the day's attendance are one dealership's working pages; HQ reads the
    monthly attendance sheet (the report) instead."""
    scope = getattr(request, "tenant_scope", None)
    if scope is None or scope.is_hq:
        raise PermissionDenied(
            _("The rota is kept in each dealership; HQ reads the attendance sheet.")
        )


def _sees_department(user) -> bool:
    from org.access import user_access
    from org.capabilities import Capability as C
    from org.capabilities import DataScope

    return user_access(user).scope_for(C.ORG_VIEW_STAFF) not in (None, DataScope.OWN)


class RotaView(TenantRequiredMixin, View):
    """排班 / Rota: a department's people × the days of a week (or a month); keepers plan it
    on the same grid (one select per cell) and save it at once."""

    model = RotaShift
    template_name = "org/office/rota.html"

    def _context(self, request):
        check_model_permission(request.user, RotaShift, "view")
        _one_dealership(request)
        span = request.GET.get("span") or request.POST.get("span") or "week"
        span = span if span in ROTA_DAYS else "week"
        today = local_today()
        raw_start = request.GET.get("start") or request.POST.get("start") or ""
        try:
            start = dt.date.fromisoformat(raw_start) if raw_start else None
        except ValueError:
            raise ValidationError(_("Give the date as YYYY-MM-DD.")) from None
        if start is None:
            start = (
                today - dt.timedelta(days=today.weekday())
                if span == "week"
                else today.replace(day=1)
            )
        departments, department = _pick_department(request)
        days = ROTA_DAYS[span]
        if span == "month":
            start = start.replace(day=1)
            following = (start + dt.timedelta(days=32)).replace(day=1)
            days = (following - start).days
        may_plan = department is not None and services.may_keep_rota(request.user, department)
        grid = (
            selectors.rota_grid(
                request.user,
                department,
                start,
                days,
                everyone=may_plan or _sees_department(request.user),
            )
            if department
            else None
        )
        return {
            "title": _("Rota"),
            "departments": departments,
            "department": department,
            "grid": grid,
            "span": span,
            "start": start,
            "previous": (
                start - dt.timedelta(days=days)
                if span == "week"
                else (start - dt.timedelta(days=1)).replace(day=1)
            ),
            "next": start + dt.timedelta(days=days),
            "kinds": RotaShift.Kind.choices,
            "may_plan": may_plan,
            "today": today,
        }

    def get(self, request):
        try:
            context = self._context(request)
        except ValidationError as error:
            return _bad_request(request, error)
        return render(request, self.template_name, context)

    def post(self, request):
        try:
            context = self._context(request)
        except ValidationError as error:
            return _bad_request(request, error)
        if not context["may_plan"]:
            raise PermissionDenied(_("You do not have permission to perform this action."))
        grid = context["grid"]
        entries = []
        for row in grid.rows:
            for day, cell in row.cells:
                name = f"s{row.staff.pk}_{day.isoformat()}"
                if name not in request.POST:
                    continue
                kind = request.POST.get(name, "")
                if kind != (cell.kind if cell else ""):
                    entries.append((row.staff.pk, day, kind))
        try:
            counts = services.rota_plan(
                actor=request.user, department_id=context["department"].pk, entries=entries
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            context = self._context(request)
            return render(request, self.template_name, context, status=400)
        messages.success(
            request,
            _("Rota saved: %(created)d added, %(changed)d changed, %(removed)d removed.") % counts,
        )
        query = f"?department={context['department'].pk}&span={context['span']}&start={context['start'].isoformat()}"
        return HttpResponseRedirect(reverse("org:rota") + query)


class AttendanceView(TenantRequiredMixin, View):
    """考勤 / The day's attendance of a department: each planned shift with its mark."""

    model = RotaShift
    template_name = "org/office/attendance.html"

    def get(self, request):
        check_model_permission(request.user, RotaShift, "view")
        _one_dealership(request)
        try:
            day = _date_param(request, "day", local_today())
        except ValidationError as error:
            return _bad_request(request, error)
        departments, department = _pick_department(request)
        shifts = []
        if department is not None:
            shifts = list(
                RotaShift.objects.for_user(request.user, "view")
                .filter(department=department, day=day)
                .select_related("staff__user", "marked_by")
                .order_by("staff__employee_no")
            )
        may_mark = department is not None and services.may_keep_rota(request.user, department)
        return render(
            request,
            self.template_name,
            {
                "title": _("Attendance"),
                "departments": departments,
                "department": department,
                "day": day,
                "previous": day - dt.timedelta(days=1),
                "next": day + dt.timedelta(days=1),
                "shifts": shifts,
                "marks": RotaShift.Mark.choices,
                "may_mark": may_mark,
            },
        )


class RotaShiftDetailView(ScopedDetailView):
    """One shift with its attendance; keepers mark it here (POST)."""

    model = RotaShift
    template_name = "org/office/rotashift_detail.html"

    def base_queryset(self):
        return RotaShift.objects.select_related("staff__user", "department", "marked_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shift = context["object"]
        context.update(
            may_mark=RotaShift.objects.for_user(self.request.user, "change")
            .filter(pk=shift.pk)
            .exists(),
            form=AttendanceForm(initial={"mark": shift.mark, "note": shift.note}),
        )
        return context

    def post(self, request, pk):
        shift = get_object_for_user(request.user, RotaShift, "change", pk=pk)
        form = AttendanceForm(request.POST)
        if not form.is_valid():
            return _bad_request(request, ValidationError(_("Choose a valid attendance mark.")))
        try:
            services.attendance_mark(actor=request.user, shift_id=shift.pk, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Saved."))
        back = request.POST.get("next", "")
        if not back.startswith("/") or back.startswith("//"):
            back = shift.get_absolute_url()
        return HttpResponseRedirect(back)


urlpatterns = [
    path("notices/", NoticeListView.as_view(), name="notice_list"),
    path("notices/new/", NoticeFormView.as_view(), name="notice_create"),
    path("notices/<int:pk>/", NoticeDetailView.as_view(), name="notice_detail"),
    path("notices/<int:pk>/edit/", NoticeFormView.as_view(), name="notice_edit"),
    path("notices/<int:pk>/read/", NoticeAcknowledgeView.as_view(), name="notice_acknowledge"),
    path("notices/<int:pk>/distribute/", NoticeDistributeView.as_view(), name="notice_distribute"),
    path("notices/<int:pk>/file/", NoticeFileDetailView.as_view(), name="notice_file"),
    path("meetings/", MeetingListView.as_view(), name="meeting_list"),
    path("meetings/new/", MeetingFormView.as_view(), name="meeting_create"),
    path("meetings/<int:pk>/", MeetingDetailView.as_view(), name="meeting_detail"),
    path("meetings/<int:pk>/edit/", MeetingFormView.as_view(), name="meeting_edit"),
    path("meetings/<int:pk>/items/", ActionItemAddView.as_view(), name="actionitem_add"),
    path("action-items/", ActionItemListView.as_view(), name="actionitem_list"),
    path("action-items/<int:pk>/state/", ActionItemStateView.as_view(), name="actionitem_state"),
    path("training/", TrainingListView.as_view(), name="training_list"),
    path("training/new/", TrainingFormView.as_view(), name="training_create"),
    path("training/<int:pk>/", TrainingDetailView.as_view(), name="training_detail"),
    path("training/<int:pk>/edit/", TrainingFormView.as_view(), name="training_edit"),
    path("training/records/<int:pk>/", TrainingResultView.as_view(), name="training_result"),
    path("rota/", RotaView.as_view(), name="rota"),
    path("rota/attendance/", AttendanceView.as_view(), name="attendance"),
    path("rota/shifts/<int:pk>/", RotaShiftDetailView.as_view(), name="rotashift_detail"),
]
