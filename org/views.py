"""HTML views of the org chart: thin, every read through the chokepoint, every write a service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from dealership.access import (
    can,
    check_model_permission,
    get_object_for_user,
    permitted_ids,
    restricted_queryset,
)
from dealership.models import Dealership
from dealership.views import (
    ScopedDetailView,
    ScopedListView,
    ServiceDeleteView,
    ServiceFormView,
    TenantRequiredMixin,
)
from org import ceiling, selectors, services
from org.access import user_access
from org.capabilities import CAPABILITY_GROUPS, SHORT_SCOPE_LABELS, Capability, DataScope
from org.forms import (
    CapabilityCellForm,
    DepartmentForm,
    EndStaffForm,
    LetterheadForm,
    PositionForm,
    StaffForm,
)
from org.models import (
    Department,
    Position,
    PositionAssignment,
    PositionCapability,
    StaffMember,
)
from org.tables import StaffTable


class ChartView(TenantRequiredMixin, TemplateView):
    template_name = "org/chart.html"

    def get_template_names(self):
        htmx = self.request.htmx
        if htmx and not htmx.boosted and not htmx.history_restore_request:  # one dealership
            return [f"{self.template_name}#dealership"]
        return [self.template_name]

    def get(self, request, *args, **kwargs):
        check_model_permission(request.user, Position, "view")
        response = super().get(request, *args, **kwargs)
        patch_vary_headers(response, ("HX-Request",))
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # HQ's group chart: one dealership open (``?dealership=<code>``, else the first), the
        # others closed, each loaded on demand; so the page does not grow with the group
        dealerships, dealership = _one_dealership(self.request, Department)
        charts = selectors.org_chart_for_user(
            self.request.user, dealership.pk if dealership else None
        )
        context["charts"] = charts
        context["dealerships"] = dealerships
        context["dealership"] = dealership
        context["chart"] = charts[0] if charts else None
        context["can_edit"] = can(self.request.user, Position, "change")
        context["can_edit_letterhead"] = services.may_change_letterhead(self.request.user)
        context["editable_department_ids"] = permitted_ids(
            self.request.user,
            Department,
            "change",
            [node.department.pk for chart in context["charts"] for node in chart.departments],
        )
        return context


class PositionDetailView(ScopedDetailView):
    model = Position
    template_name = "org/position_detail.html"

    def base_queryset(self):
        return Position.objects.select_related("department", "reports_to", "dealership")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, position = self.request.user, self.object
        context.update(selectors.position_detail(user, position))
        # link only to what the viewer may open: the position this one reports to may be outside
        # their data scope (a sales manager's page reports to the GM's), holders need staff rights
        context["reports_to_visible"] = bool(
            permitted_ids(user, Position, "view", [position.reports_to_id])
        )
        context["can_view_staff"] = can(user, StaffMember, "view")
        context["can_edit"] = bool(permitted_ids(user, Position, "change", [position.pk]))
        return context


class ChartFormView(ServiceFormView):
    """A form of the org chart: cancelling goes back to the chart."""

    success_url = reverse_lazy("org:chart")


class ChartDeleteView(ServiceDeleteView):
    """Deleting a department or a position returns to the chart."""

    success_url = reverse_lazy("org:chart")


def _departments(user):
    return restricted_queryset(user, Department, "change")


def _positions(user):
    return restricted_queryset(user, Position, "view").select_related("department")


class DepartmentFormView(ChartFormView):
    model = Department

    def get_title(self, obj):
        return _("Edit department") if obj else _("New department")

    def get_form(self, obj, data=None):
        return DepartmentForm(data, instance=obj)

    def save(self, form, obj):
        data = form.cleaned_data
        if obj is None:
            return services.department_create(actor=self.request.user, **data)
        return services.department_update(actor=self.request.user, department_id=obj.pk, **data)


class PositionFormView(ChartFormView):
    model = Position

    def get_title(self, obj):
        return _("Edit position") if obj else _("New position")

    def cancel_url(self, obj):
        return obj.get_absolute_url() if obj else super().cancel_url(obj)

    def get_form(self, obj, data=None):
        positions = _positions(self.request.user)
        if obj is not None:
            positions = positions.exclude(pk=obj.pk)
        return PositionForm(
            data, instance=obj, departments=_departments(self.request.user), positions=positions
        )

    def save(self, form, obj):
        data = {field: form.cleaned_data[field] for field in form.Meta.fields}
        if obj is None:
            return services.position_create(actor=self.request.user, **data)
        return services.position_update(actor=self.request.user, position_id=obj.pk, **data)


class PositionDeleteView(ChartDeleteView):
    model = Position

    def delete(self, obj):
        services.position_delete(actor=self.request.user, position_id=obj.pk)


class DepartmentDeleteView(ChartDeleteView):
    model = Department

    def delete(self, obj):
        services.department_delete(actor=self.request.user, department_id=obj.pk)


class StaffListView(ScopedListView):
    model = StaffMember
    table_class = StaffTable
    template_name = "org/staff_list.html"

    def get_queryset(self):
        return selectors.staff_directory(
            self.request.user,
            query=self.request.GET.get("q", "").strip(),
            include_ended=self.request.GET.get("ended") == "1",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_hire"] = can(self.request.user, StaffMember, "change")
        return context


class StaffDetailView(ScopedDetailView):
    model = StaffMember
    template_name = "org/staff_detail.html"

    def base_queryset(self):
        return StaffMember.objects.select_related("user", "dealership").prefetch_related(
            Prefetch(
                "assignments",
                queryset=PositionAssignment.objects.select_related("position__department"),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # may this viewer change this record (not only some records)? else no buttons or forms
        changeable = bool(permitted_ids(self.request.user, StaffMember, "change", [self.object.pk]))
        if changeable:
            context["shared_with"] = selectors.staff_shared_with(self.object)
            context["share_candidates"] = selectors.share_candidates(self.request.user, self.object)
        context["can_edit"] = self.object.is_active and changeable
        # positions link to their page only for those who may open it (one query)
        context["visible_position_ids"] = permitted_ids(
            self.request.user,
            Position,
            "view",
            [a.position_id for a in self.object.assignments.all()],
        )
        context["can_end"] = context["can_edit"] and _allowed(
            services.staff_end_check, self.request.user, self.object
        )
        # the person's training (org/office): what the viewer may see of it
        from org.office.selectors import training_history

        attended, given = training_history(self.request.user, self.object)
        context["training_attended"], context["training_given"] = attended[:20], given[:20]
        return context


class StaffShareView(TenantRequiredMixin, View):
    """Share one staff record with a colleague (POST ``staff``: the colleague's record), or stop
    sharing it (POST ``revoke``: the colleague's user id)."""

    model = StaffMember  # the record in the URL (the generated isolation tests cover it)

    def post(self, request, pk):
        staff = get_object_for_user(request.user, StaffMember, "change", pk=pk)
        if "revoke" in request.POST:
            shared = {user.pk: user for user in selectors.staff_shared_with(staff)}
            colleague = shared.get(_int(request.POST["revoke"]))
            if colleague is None:
                raise Http404(_("Not found."))
            service = services.object_permission_revoke
        elif not request.POST.get("staff"):
            messages.error(request, _("Choose the colleague to share this record with."))
            return redirect(staff.get_absolute_url())
        else:
            colleague_pk = _int(request.POST.get("staff"))
            colleague = get_object_for_user(request.user, StaffMember, "view", pk=colleague_pk).user
            service = services.object_permission_grant
        try:
            service(actor=request.user, user=colleague, obj=staff)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Saved."))
        return redirect(staff.get_absolute_url())


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404(_("Not found.")) from None


class StaffFormView(ServiceFormView):
    model = StaffMember
    success_url = reverse_lazy("org:staff_list")

    def get_title(self, obj):
        return _("Edit %(name)s") % {"name": obj} if obj else _("Hire a staff member")

    def cancel_url(self, obj):
        return obj.get_absolute_url() if obj else super().cancel_url(obj)

    def get_form(self, obj, data=None):
        user = self.request.user
        visible = list(_positions(user))
        offered = ceiling.assignable_position_ids(user, visible)
        initial = {"start_date": timezone.localdate()}
        locked = ""
        kwargs = {}
        if obj is None:
            kwargs["colleagues"] = selectors.group_colleagues(user)
            kwargs["login_prefix"] = _current_dealership(self.request).login_prefix
        else:
            assignments = list(obj.assignments.all())
            held = {a.position_id for a in assignments}
            offered |= held
            initial = {
                "employee_no": obj.employee_no,
                "phone": obj.phone,
                "positions": sorted(held),
                "primary": next((a.position_id for a in assignments if a.is_primary), None),
            }
            if obj.user_id == user.pk:
                locked = _("You cannot change your own positions; ask the general manager or HR.")
            elif not held <= ceiling.assignable_position_ids(
                user, [a.position for a in assignments]
            ):
                locked = _(
                    "This person holds a position that grants more than you hold: only someone "
                    "who holds all of it (e.g. the general manager) changes their positions."
                )
        return StaffForm(
            data,
            initial=initial,
            positions=Position.objects.filter(pk__in=offered).select_related("department"),
            editing=obj is not None,
            locked_positions=locked,
            **kwargs,
        )

    def save(self, form, obj):
        data = form.cleaned_data
        positions = list(data["positions"])
        if obj is None:
            colleague = data["colleague"]
            return services.staff_hire(
                actor=self.request.user,
                colleague_id=colleague.pk if colleague else None,
                username=data["username"],
                name=data["name"],
                email=data["email"],
                employee_no=data["employee_no"],
                phone=data["phone"],
                start_date=data["start_date"],
                positions=positions,
                primary=data["primary"],
                password=data["password"] or None,
            )
        return services.staff_update(
            actor=self.request.user,
            staff_id=obj.pk,
            employee_no=data["employee_no"],
            phone=data["phone"],
            positions=positions,
            primary=data["primary"],
        )


class StaffEndView(ServiceFormView):
    model = StaffMember

    def get_title(self, obj):
        return _("End the employment of %(name)s") % {"name": obj}

    def get_object(self):
        staff = super().get_object()
        services.staff_end_check(self.request.user, staff)  # 403: oneself, or someone above
        return staff

    def cancel_url(self, obj):
        return obj.get_absolute_url()

    def get_form(self, obj, data=None):
        return EndStaffForm(data, initial={"end_date": timezone.localdate()})

    def save(self, form, obj):
        return services.staff_end(
            actor=self.request.user, staff_id=obj.pk, end_date=form.cleaned_data["end_date"]
        )


class CapabilityMatrixView(TenantRequiredMixin, TemplateView):
    """The permission matrix, one capability group (``?group=sales``) at a time; each cell a
    small select of the scopes the editor may grant, saved in place by htmx."""

    template_name = "org/capabilities.html"

    def get(self, request, *args, **kwargs):
        check_model_permission(request.user, Position, "view")
        response = super().get(request, *args, **kwargs)
        patch_vary_headers(response, ("HX-Request",))
        return response

    def get_template_names(self):
        htmx = self.request.htmx
        if htmx and not htmx.boosted and not htmx.history_restore_request:  # a tab: its pane
            return [f"{self.template_name}#pane"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        group = self.request.GET.get("group")
        if group not in CAPABILITY_GROUPS:
            group = next(iter(CAPABILITY_GROUPS))
        capabilities = [c for c in Capability if c.app == group]
        user = self.request.user
        # one dealership (of a group) and one department at a time: the page does not grow
        # with the group nor with the org chart (``?department=<code>``, else the first)
        dealerships, dealership = _one_dealership(self.request, Position)
        departments = selectors.matrix_departments(user, dealership.pk if dealership else None)
        chosen = self.request.GET.get("department")
        department = next((d for d in departments if d.code == chosen), None)
        if department is None and departments:
            department = departments[0]
        positions, cells = selectors.capability_matrix(
            user,
            [c.value for c in capabilities],
            dealership.pk if dealership else None,
            department.pk if department else 0,
        )

        def link(**changed):
            query = {
                "group": group,
                "dealership": dealership.code if dealership else None,
                "department": department.code if department else None,
                **changed,
            }
            return (
                f"{reverse('org:capabilities')}?{urlencode({k: v for k, v in query.items() if v})}"
            )

        can_edit = can(user, PositionCapability, "change")
        access = user_access(user)
        editable = _editable_positions(user, access, positions) if can_edit else set()
        context.update(
            groups=[(key, label, link(group=key)) for key, label in CAPABILITY_GROUPS.items()],
            dealership_tabs=[(d, link(dealership=d.code)) for d in dealerships],
            department_tabs=[(d, link(department=d.code)) for d in departments],
            department=department,
            group=group,
            capabilities=capabilities,
            rows=[
                (
                    position,
                    position.pk in editable,
                    [
                        (
                            c,
                            cells.get((position.pk, c.value)),
                            _matrix_scopes(access, c.value, position.department_id)
                            if position.pk in editable
                            else [],
                        )
                        for c in capabilities
                    ],
                )
                for position in positions
            ],
            scopes=_matrix_scopes(),
            can_edit=can_edit,
            dealerships=dealerships,
            dealership=dealership,
            show_dealership=dealership is not None,
        )
        return context

    def post(self, request, *args, **kwargs):
        """Set one cell. Answers with the cell itself: saved, or with the reason it was not
        (then with the status 400 or 403; the page's script lets htmx swap it in)."""
        form = CapabilityCellForm(request.POST)
        if not form.is_valid():
            return HttpResponse(_("Invalid cell."), status=400)
        data = form.cleaned_data
        try:
            row = services.position_capability_set(
                actor=request.user,
                position_id=data["position"],
                capability=data["capability"],
                scope=data["scope"],
            )
        except ValidationError as error:
            return self._cell(request, data, " ".join(error.messages), status=400)
        except PermissionDenied as error:
            return self._cell(request, data, " ".join(error.args) or _("Not allowed."), 403)
        return self._cell(request, data, scope=row.scope if row else None)

    def _cell(self, request, data, error="", status=200, scope=None):
        position = Position.objects.for_user(request.user, "view").filter(pk=data["position"])
        position = position.first()
        if position is None:
            return HttpResponse(error, status=status)
        access = user_access(request.user)
        cell_scopes = _matrix_scopes(access, data["capability"], position.department_id)
        if error:  # the cell as it stands
            scope = (
                PositionCapability.objects.filter(position=position, capability=data["capability"])
                .values_list("scope", flat=True)
                .first()
            )
            if not _editable_positions(request.user, access, [position]):
                cell_scopes = []
        return render(
            request,
            "org/capabilities.html#cell",
            {
                "position_id": position.pk,
                "capability": data["capability"],
                "scope": scope,
                "scopes": _matrix_scopes(),
                "cell_scopes": cell_scopes,
                "can_edit": True,
                "saved": not error,
                "error": error,
            },
            status=status,
        )


def _one_dealership(request, model) -> tuple[list[Dealership], Dealership | None]:
    """For a page over several dealerships (HQ's group): the dealerships in which the user sees
    ``model`` rows and the one to show (``?dealership=<code>``, else the first); one query.
    ``([], None)`` in a single dealership's workspace, where there is nothing to choose."""
    scope = request.tenant_scope
    if not scope.is_hq and len(scope.dealership_ids) <= 1:
        return [], None
    dealerships = selectors.dealerships_with(request.user, model)
    chosen = request.GET.get("dealership")
    dealership = next((d for d in dealerships if d.code == chosen), None)
    if dealership is None and dealerships:
        dealership = dealerships[0]
    return dealerships, dealership


def _editable_positions(user, access, positions) -> set[int]:
    """The ids of ``positions`` whose matrix row the user may change (what
    :func:`ceiling.check_position_in_reach` lets through), in one query."""
    positions = list(positions)
    if access.is_system:
        return {p.pk for p in positions}
    return ceiling.assignable_position_ids(user, positions) - set(access.position_ids)


def _matrix_scopes(access=None, capability: str = "", department_id: int | None = None):
    """(value, short label, label) of the scopes a cell may take; with ``access``, only the
    scopes the user may grant (never wider than their own)."""
    return [
        (s.value, SHORT_SCOPE_LABELS[s], s.label)
        for s in DataScope
        if s != DataScope.GROUP
        and (access is None or ceiling.covers(access, capability, s, department_id))
    ]


def _allowed(check, *args) -> bool:
    """Would ``check(*args)`` pass? (to show a button only to those it would let through)"""
    try:
        check(*args)
    except PermissionDenied:
        return False
    return True


def _current_dealership(request):
    return Dealership.objects.select_related("brand").get(pk=request.tenant_scope.current_id)


class ProfileView(TenantRequiredMixin, TemplateView):
    template_name = "org/profile.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["assignments"] = selectors.my_positions(self.request.user)
        access = user_access(self.request.user)
        labels = dict(Capability.choices)
        context["capabilities"] = sorted(
            (
                (labels.get(code, code), DataScope(scope).label)
                for code, scope in access.grants.items()
            ),
            key=lambda item: str(item[0]),
        )
        return context


class LetterheadView(ServiceFormView):
    """信头 / Letterhead: the address and the logo printed at the head of the customer's
    documents, for the dealership the user works in now (never one named in the URL), by holders
    of ``org.change_dealership`` at dealership scope; the current logo shown as it prints."""

    template_name = "org/letterhead.html"
    success_url = reverse_lazy("org:letterhead")

    def get_object(self):
        if not services.may_change_letterhead(self.request.user):  # HQ's group view: no
            raise PermissionDenied(_("You do not have permission to perform this action."))
        return _current_dealership(self.request)

    def get_title(self, obj):
        return _("Letterhead")

    def get_form(self, obj, data=None):
        files = self.request.FILES if data is not None else None
        return LetterheadForm(data, files, initial={"address": obj.address})

    def save(self, form, obj):
        data = form.cleaned_data
        return services.dealership_letterhead_update(
            actor=self.request.user,
            dealership=obj,
            address=data["address"],
            logo=data["logo"],
            remove_logo=data["remove_logo"],
        )

    def form_context(self, obj) -> dict:
        from dealership.documents.service import logo_data_uri

        # "cancel" leaves the page; a save comes back to it (success_url)
        return {"dealership": obj, "logo": logo_data_uri(obj), "cancel_url": reverse("dashboard")}
