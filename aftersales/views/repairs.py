"""HTML views of the service front desk: appointments, check-in and repair orders (lines,
status moves, the invoice summary PDF) and roadside rescues. Every write goes through
:mod:`aftersales.services`; pages show only the links and buttons their viewer may use."""

from __future__ import annotations

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import services
from aftersales.forms.repairs import (
    AppointmentFilterForm,
    AppointmentForm,
    ApproveForm,
    CheckInForm,
    ConfirmForm,
    LineForm,
    QualityCheckForm,
    ReasonForm,
    RepairOrderEditForm,
    RepairOrderFilterForm,
    RescueFilterForm,
    RescueForm,
    RescueRepairOrderForm,
    vehicle_text,
)
from aftersales.models import (
    Appointment,
    AppointmentStatus,
    RepairLine,
    RepairOrder,
    RepairStatus,
    Rescue,
)
from aftersales.selectors import repairs as selectors
from aftersales.services.repairs import EDITABLE_LINES, NEXT_MOVES
from aftersales.tables.repairs import AppointmentTable, RepairOrderTable, RescueTable
from crm.models import Customer
from crm.models import Vehicle as CrmVehicle
from crm.services.privacy import phone_shown
from dealership.access import can, permitted_ids
from dealership.views import ScopedDetailView, ScopedListView, ServiceFormView

FLOW = (
    RepairStatus.OPEN,
    RepairStatus.ESTIMATED,
    RepairStatus.APPROVED,
    RepairStatus.IN_PROGRESS,
    RepairStatus.QUALITY_CHECK,
    RepairStatus.READY,
    RepairStatus.CLOSED,
)


def _int(value) -> int | None:
    return int(value) if str(value or "").isdigit() and len(str(value)) < 18 else None


def _may_change(user, obj) -> bool:
    return bool(permitted_ids(user, type(obj), "change", [obj.pk]))


class _FilteredList(ScopedListView):
    filter_class = None
    tab = ""

    def filter_data(self) -> dict:
        self.filter_form = self.filter_class(self.request.GET or None, user=self.request.user)
        return self.filter_form.cleaned_data if self.filter_form.is_valid() else {}

    def get_table_kwargs(self):
        return {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["tab"] = self.tab
        context["may_add"] = can(self.request.user, self.model, "add")
        return context


# --- appointments -------------------------------------------------------------------------------


class AppointmentListView(_FilteredList):
    """Today's and the coming days' appointments (or one day's), filtered."""

    model = Appointment
    table_class = AppointmentTable
    filter_class = AppointmentFilterForm
    template_name = "aftersales/repairs/appointment_list.html"
    tab = "appointments"

    def get_queryset(self):
        data = self.filter_data()
        return selectors.appointments_for_user(
            self.request.user,
            day=data.get("day"),
            advisor=data.get("advisor"),
            service_type=data.get("service_type", ""),
            status=data.get("status", ""),
            q=data.get("q", ""),
        )


class AppointmentDetailView(ScopedDetailView):
    model = Appointment
    template_name = "aftersales/repairs/appointment_detail.html"

    def base_queryset(self):
        return Appointment.objects.select_related("customer", "vehicle", "advisor")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, obj = self.request.user, self.object
        booked = obj.status == AppointmentStatus.BOOKED
        may_change = booked and _may_change(user, obj)
        context["mobile"] = phone_shown(user=user, customer=obj.customer, context=self.request.path)
        context["may_change"] = may_change
        context["may_no_show"] = may_change and obj.starts_at <= timezone.now()
        context["may_checkin"] = booked and can(user, RepairOrder, "add")
        orders = list(obj.repair_orders.all())
        seen = permitted_ids(user, RepairOrder, "view", [o.pk for o in orders])
        context["orders"] = [(o, o.pk in seen) for o in orders]
        context["customer_link"] = bool(permitted_ids(user, Customer, "view", [obj.customer_id]))
        return context


FORM = "aftersales/repairs/form.html"


class AppointmentFormView(ServiceFormView):
    model = Appointment
    template_name = FORM
    success_url = reverse_lazy("aftersales:appointment_list")

    def get_object(self):
        obj = super().get_object()
        if obj is not None and obj.status != AppointmentStatus.BOOKED:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied(_("Only a booked appointment can be changed."))
        return obj

    def get_title(self, obj):
        return _("Book an appointment") if obj is None else _("Change the appointment")

    def cancel_url(self, obj):
        return obj.get_absolute_url() if obj is not None else str(self.success_url)

    def get_form(self, obj, data=None):
        user = self.request.user
        if obj is None:
            initial = {}
            vehicle = _int(self.request.GET.get("vehicle"))
            if vehicle:
                car = CrmVehicle.objects.for_user(user, "view").filter(pk=vehicle).first()
                initial["vehicle"] = vehicle_text(car)
            return AppointmentForm(data, initial=initial, user=user)
        tz = timezone.get_current_timezone()
        initial = {
            "vehicle": vehicle_text(obj.vehicle),
            "starts_at": obj.starts_at.astimezone(tz),
            "ends_at": obj.ends_at.astimezone(tz),
            "service_type": obj.service_type,
            "advisor": obj.advisor_id,
            "concerns": obj.concerns,
        }
        return AppointmentForm(data, initial=initial, user=user)

    def save(self, form, obj):
        kwargs = form.service_kwargs()
        if obj is None:
            return services.appointment_create(actor=self.request.user, **kwargs)
        if kwargs.get("advisor") is None:
            kwargs["advisor"] = obj.advisor_id
        return services.appointment_update(actor=self.request.user, appointment_id=obj.pk, **kwargs)


class AppointmentCancelView(ServiceFormView):
    model = Appointment
    template_name = FORM

    def get_title(self, obj):
        return _("Cancel the appointment of %(when)s") % {
            "when": f"{timezone.localtime(obj.starts_at):%Y-%m-%d %H:%M}"
        }

    def cancel_url(self, obj):
        return obj.get_absolute_url()

    def get_form(self, obj, data=None):
        return ReasonForm(data)

    def save(self, form, obj):
        return services.appointment_cancel(
            actor=self.request.user, appointment_id=obj.pk, reason=form.cleaned_data["reason"]
        )


class AppointmentNoShowView(AppointmentCancelView):
    def get_title(self, obj):
        return _("The customer did not come: %(when)s") % {
            "when": f"{timezone.localtime(obj.starts_at):%Y-%m-%d %H:%M}"
        }

    def get_form(self, obj, data=None):
        return ConfirmForm(data)

    def save(self, form, obj):
        return services.appointment_no_show(actor=self.request.user, appointment_id=obj.pk)


# --- repair orders ------------------------------------------------------------------------------


class RepairOrderListView(_FilteredList):
    model = RepairOrder
    table_class = RepairOrderTable
    filter_class = RepairOrderFilterForm
    template_name = "aftersales/repairs/repairorder_list.html"
    tab = "repairs"

    def get_queryset(self):
        data = self.filter_data()
        return selectors.repairorders_for_user(
            self.request.user,
            q=data.get("q", ""),
            status=data.get("status") or selectors.LIVE,
            service_type=data.get("service_type", ""),
            advisor=data.get("advisor"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            sort=data.get("sort", ""),
        )


def status_bar(order: RepairOrder) -> list[tuple[str, str, str]]:
    """(status, label, done|current|todo) along the flow."""
    if order.status == RepairStatus.CANCELLED:
        return [(RepairStatus.CANCELLED, RepairStatus.CANCELLED.label, "current")]
    at = FLOW.index(order.status)
    return [
        (s, s.label, "done" if n < at else "current" if n == at else "todo")
        for n, s in enumerate(FLOW)
    ]


MOVE_LABELS = {
    "estimate": _("Estimate"),
    "approve": _("Customer approved"),
    "start": _("Start the work"),
    "quality_check": _("Quality check"),
    "close": _("Hand over and close"),
    "cancel": _("Cancel the repair order"),
}


class RepairOrderDetailView(ScopedDetailView):
    """The whole order: check-in data, lines and totals, the jobs with their technicians, the
    parts' state, the status bar and the moves the viewer may make."""

    model = RepairOrder
    template_name = "aftersales/repairs/repairorder_detail.html"

    def base_queryset(self):
        return selectors.repairorder_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, order = self.request.user, self.object
        may_change = _may_change(user, order)
        lines = list(order.lines.all())
        jobs = list(order.jobs.all())
        context["lines"] = lines
        context["jobs"] = jobs
        context["mobile"] = phone_shown(
            user=user, customer=order.customer, context=self.request.path
        )
        context["status_bar"] = status_bar(order)
        context["may_change"] = may_change and order.status not in (
            RepairStatus.CLOSED,
            RepairStatus.CANCELLED,
        )
        context["may_lines"] = may_change and order.status in EDITABLE_LINES
        context["moves"] = (
            [
                (move, MOVE_LABELS[move], f"aftersales:repairorder_{move}")
                for move in NEXT_MOVES[order.status]
            ]
            if may_change
            else []
        )
        context["may_invoice"] = order.status in (RepairStatus.READY, RepairStatus.CLOSED)
        context["walk_around"] = [
            label
            for code, label in services.WalkAround.choices
            if code in (order.walk_around or [])
        ]
        context["customer_link"] = bool(permitted_ids(user, Customer, "view", [order.customer_id]))
        context["vehicle_link"] = bool(permitted_ids(user, CrmVehicle, "view", [order.vehicle_id]))
        context["appointment_link"] = bool(
            permitted_ids(user, Appointment, "view", [order.appointment_id])
        )
        context["errors"] = kwargs.get("errors")
        return context


class RepairOrderCheckInView(ServiceFormView):
    """Check a car in: a new repair order (``?appointment=<pk>`` fills it from a booking)."""

    model = RepairOrder
    success_url = reverse_lazy("aftersales:repairorder_list")
    template_name = "aftersales/repairs/repairorder_form.html"

    def get_title(self, obj):
        return _("Check a car in")

    def _appointment(self):
        pk = _int(self.request.GET.get("appointment") or self.request.POST.get("appointment"))
        if pk is None:
            return None
        return (
            Appointment.objects.for_user(self.request.user, "view")
            .select_related("vehicle")
            .filter(pk=pk, status=AppointmentStatus.BOOKED)
            .first()
        )

    def get_form(self, obj, data=None):
        user = self.request.user
        initial = {}
        appointment = self._appointment()
        if appointment is not None:
            initial = {
                "vehicle": vehicle_text(appointment.vehicle),
                "service_type": appointment.service_type,
                "concerns": appointment.concerns,
                "mileage": appointment.vehicle.mileage,
                "appointment": appointment.pk,
            }
            if appointment.advisor_id != user.pk:
                initial["advisor"] = appointment.advisor_id
        else:
            vehicle = _int(self.request.GET.get("vehicle"))
            if vehicle:
                car = CrmVehicle.objects.for_user(user, "view").filter(pk=vehicle).first()
                if car is not None:
                    initial = {"vehicle": vehicle_text(car), "mileage": car.mileage}
        return CheckInForm(data, initial=initial, user=user)

    def save(self, form, obj):
        return services.repairorder_checkin(actor=self.request.user, **form.service_kwargs())


class _OrderAction(ServiceFormView):
    model = RepairOrder
    template_name = FORM
    form_class = ConfirmForm
    title_text = ""

    def get_title(self, obj):
        return f"{self.title_text} · {obj.number}"

    def cancel_url(self, obj):
        return obj.get_absolute_url()

    def get_form(self, obj, data=None):
        return self.form_class(data)


class RepairOrderEditView(_OrderAction):
    title_text = _("Change the check-in")

    def get_form(self, obj, data=None):
        tz = timezone.get_current_timezone()
        initial = {name: getattr(obj, name) for name in services.repairs.ORDER_FIELDS}
        if obj.promised_at:
            initial["promised_at"] = obj.promised_at.astimezone(tz)
        return RepairOrderEditForm(data, initial=initial)

    def save(self, form, obj):
        return services.repairorder_update(
            actor=self.request.user, repair_order_id=obj.pk, **form.service_kwargs()
        )


class RepairOrderEstimateView(_OrderAction):
    title_text = _("Estimate")

    def save(self, form, obj):
        return services.repairorder_estimate(actor=self.request.user, repair_order_id=obj.pk)


class RepairOrderApproveView(_OrderAction):
    title_text = _("Customer approved")
    form_class = ApproveForm

    def save(self, form, obj):
        return services.repairorder_approve(
            actor=self.request.user, repair_order_id=obj.pk, note=form.cleaned_data["note"]
        )


class RepairOrderStartView(_OrderAction):
    title_text = _("Start the work")

    def save(self, form, obj):
        return services.repairorder_start(actor=self.request.user, repair_order_id=obj.pk)


class RepairOrderQualityCheckView(_OrderAction):
    title_text = _("Quality check")
    form_class = QualityCheckForm

    def save(self, form, obj):
        return services.repairorder_quality_check(
            actor=self.request.user, repair_order_id=obj.pk, **form.cleaned_data
        )


class RepairOrderCloseView(_OrderAction):
    title_text = _("Hand over and close")

    def save(self, form, obj):
        return services.repairorder_close(actor=self.request.user, repair_order_id=obj.pk)


class RepairOrderCancelView(_OrderAction):
    title_text = _("Cancel the repair order")
    form_class = ReasonForm

    def save(self, form, obj):
        return services.repairorder_cancel(
            actor=self.request.user, repair_order_id=obj.pk, reason=form.cleaned_data["reason"]
        )


class RepairLineAddView(_OrderAction):
    title_text = _("Add a line")
    template_name = "aftersales/repairs/line_form.html"

    def get_form(self, obj, data=None):
        return LineForm(data, user=self.request.user, initial={"kind": "labour"})

    def save(self, form, obj):
        services.repairline_add(
            actor=self.request.user, repair_order_id=obj.pk, **form.service_kwargs()
        )
        return obj


class RepairLineRemoveView(ServiceFormView):
    model = RepairLine
    template_name = FORM

    def get_title(self, obj):
        return _("Remove the line “%(line)s”") % {"line": obj}

    def cancel_url(self, obj):
        return obj.get_absolute_url()

    def get_form(self, obj, data=None):
        return ConfirmForm(data)

    def save(self, form, obj):
        return services.repairline_remove(actor=self.request.user, line_id=obj.pk)


def _dealership_name(request) -> str:
    scope = getattr(request, "tenant_scope", None)
    if scope is None or scope.current_id is None:
        return ""
    from dealership.models import Dealership

    dealership = Dealership.objects.filter(pk=scope.current_id).first()
    return str(dealership) if dealership else ""


class RepairOrderInvoiceDetailView(ScopedDetailView):
    """The invoice summary (PDF) of an order ready for pick-up or closed; before that the same
    sheet is printed as the estimate for the customer (marked so)."""

    model = RepairOrder

    def base_queryset(self):
        return selectors.repairorder_detail_queryset()

    def get(self, request, *args, **kwargs):
        order = self.get_object()
        final = order.status in (RepairStatus.READY, RepairStatus.CLOSED)
        lines = [line for line in order.lines.all() if line.part_state != "returned"]
        html = render_to_string(
            "aftersales/repairs/invoice_pdf.html",
            {
                "order": order,
                "final": final,
                "lines": lines,
                "dealership": _dealership_name(request),
                "mobile": phone_shown(
                    user=request.user, customer=order.customer, context=request.path
                ),
                "printed_at": timezone.localtime(),
            },
            request=request,
        )
        from weasyprint import HTML

        pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        kind = "invoice" if final else "estimate"
        response["Content-Disposition"] = f'inline; filename="{order.number}-{kind}.pdf"'
        return response


# --- rescues ------------------------------------------------------------------------------------


class RescueListView(_FilteredList):
    model = Rescue
    table_class = RescueTable
    template_name = "aftersales/repairs/rescue_list.html"
    tab = "rescues"

    def filter_data(self) -> dict:
        self.filter_form = RescueFilterForm(self.request.GET or None)
        return self.filter_form.cleaned_data if self.filter_form.is_valid() else {}

    def get_table_kwargs(self):
        return {}

    def get_queryset(self):
        data = self.filter_data()
        return selectors.rescues_for_user(
            self.request.user,
            q=data.get("q", ""),
            result=data.get("result", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


class RescueDetailView(ScopedDetailView):
    model = Rescue
    template_name = "aftersales/repairs/rescue_detail.html"

    def base_queryset(self):
        return Rescue.objects.select_related(
            "customer", "vehicle", "dispatched", "repair_order", "created_by"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, obj = self.request.user, self.object
        may_change = _may_change(user, obj)
        context["may_change"] = may_change
        context["may_open_order"] = bool(
            may_change
            and obj.repair_order_id is None
            and obj.vehicle_id
            and can(user, RepairOrder, "add")
        )
        context["order_link"] = bool(
            permitted_ids(user, RepairOrder, "view", [obj.repair_order_id])
        )
        return context


class RescueFormView(ServiceFormView):
    model = Rescue
    template_name = FORM
    success_url = reverse_lazy("aftersales:rescue_list")

    def get_title(self, obj):
        return _("Roadside rescue call") if obj is None else _("Change the rescue")

    def cancel_url(self, obj):
        return obj.get_absolute_url() if obj is not None else str(self.success_url)

    def get_form(self, obj, data=None):
        user = self.request.user
        if obj is None:
            initial = {"called_at": timezone.localtime().replace(second=0, microsecond=0)}
            return RescueForm(data, initial=initial, user=user)
        tz = timezone.get_current_timezone()
        initial = {
            name: getattr(obj, name)
            for name in ("caller_name", "caller_phone", "location", "problem", "crew", "result")
        }
        for name in ("called_at", "departed_at", "arrived_at", "finished_at"):
            value = getattr(obj, name)
            initial[name] = value.astimezone(tz) if value else None
        initial["vehicle"] = vehicle_text(obj.vehicle)
        initial["dispatched"] = obj.dispatched_id
        return RescueForm(data, initial=initial, user=user)

    def save(self, form, obj):
        kwargs = form.service_kwargs()
        if obj is None:
            return services.rescue_create(actor=self.request.user, **kwargs)
        return services.rescue_update(actor=self.request.user, rescue_id=obj.pk, **kwargs)


class RescueRepairOrderView(ServiceFormView):
    model = Rescue
    template_name = FORM

    def get_title(self, obj):
        return _("Check the rescued car in")

    def cancel_url(self, obj):
        return obj.get_absolute_url()

    def get_form(self, obj, data=None):
        mileage = obj.vehicle.mileage if obj.vehicle_id else None
        return RescueRepairOrderForm(data, initial={"mileage": mileage})

    def save(self, form, obj):
        return services.rescue_open_repair_order(
            actor=self.request.user, rescue_id=obj.pk, **form.cleaned_data
        )


urlpatterns: list = [
    path("appointments/", AppointmentListView.as_view(), name="appointment_list"),
    path("appointments/new/", AppointmentFormView.as_view(), name="appointment_create"),
    path("appointments/<int:pk>/", AppointmentDetailView.as_view(), name="appointment_detail"),
    path("appointments/<int:pk>/edit/", AppointmentFormView.as_view(), name="appointment_edit"),
    path(
        "appointments/<int:pk>/cancel/", AppointmentCancelView.as_view(), name="appointment_cancel"
    ),
    path(
        "appointments/<int:pk>/no-show/",
        AppointmentNoShowView.as_view(),
        name="appointment_no_show",
    ),
    path("repair-orders/", RepairOrderListView.as_view(), name="repairorder_list"),
    path("repair-orders/new/", RepairOrderCheckInView.as_view(), name="repairorder_create"),
    path("repair-orders/<int:pk>/", RepairOrderDetailView.as_view(), name="repairorder_detail"),
    path("repair-orders/<int:pk>/edit/", RepairOrderEditView.as_view(), name="repairorder_edit"),
    path(
        "repair-orders/<int:pk>/estimate/",
        RepairOrderEstimateView.as_view(),
        name="repairorder_estimate",
    ),
    path(
        "repair-orders/<int:pk>/approve/",
        RepairOrderApproveView.as_view(),
        name="repairorder_approve",
    ),
    path("repair-orders/<int:pk>/start/", RepairOrderStartView.as_view(), name="repairorder_start"),
    path(
        "repair-orders/<int:pk>/quality-check/",
        RepairOrderQualityCheckView.as_view(),
        name="repairorder_quality_check",
    ),
    path("repair-orders/<int:pk>/close/", RepairOrderCloseView.as_view(), name="repairorder_close"),
    path(
        "repair-orders/<int:pk>/cancel/",
        RepairOrderCancelView.as_view(),
        name="repairorder_cancel",
    ),
    path(
        "repair-orders/<int:pk>/lines/new/",
        RepairLineAddView.as_view(),
        name="repairorder_line_add",
    ),
    path("repair-lines/<int:pk>/remove/", RepairLineRemoveView.as_view(), name="repairline_remove"),
    path(
        "repair-orders/<int:pk>/invoice.pdf",
        RepairOrderInvoiceDetailView.as_view(),
        name="repairorder_invoice",
    ),
    path("rescues/", RescueListView.as_view(), name="rescue_list"),
    path("rescues/new/", RescueFormView.as_view(), name="rescue_create"),
    path("rescues/<int:pk>/", RescueDetailView.as_view(), name="rescue_detail"),
    path("rescues/<int:pk>/edit/", RescueFormView.as_view(), name="rescue_edit"),
    path(
        "rescues/<int:pk>/repair-order/",
        RescueRepairOrderView.as_view(),
        name="rescue_repair_order",
    ),
]


def register_widgets() -> None:
    """This area's dashboard panels (none yet: the service board is the claims area's)."""


def invoice_url(order) -> str:
    return reverse("aftersales:repairorder_invoice", kwargs={"pk": order.pk})
