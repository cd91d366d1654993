"""HTML views of sales: plans — the sales board, the morning/evening meeting sheet (page and
PDF), the month's targets (grid and its editor) and the sales info clerk's day confirmation;
the dashboard panels "My month" and "Sales today".

Every number comes from :mod:`sales.selectors.plans` (read through the access chokepoint); the
pages are opened by whoever may see targets (``sales.view_order``): a consultant gets their
own row, the showroom supervisor and sales manager the floor, the GM the dealership, HQ
reads."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from dealership.access import can, check_model_permission
from dealership.views import TenantRequiredMixin
from sales import services
from sales.forms.plans import TargetFormSet
from sales.models import DayConfirmation, Delivery, Order, SalesTarget
from sales.selectors import plans as selectors
from sales.services.plans import may_confirm_days


def optional_url(name: str, *args) -> str | None:
    """The URL of ``name``, or ``None`` while the page does not exist yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def tabs_context(user, tab: str) -> dict:
    from django.apps import apps

    limits = None
    try:
        limit_model = apps.get_model("sales", "DiscountLimit")
        if can(user, limit_model, "view"):
            limits = optional_url("sales:discount_limits")
    except LookupError:
        pass
    from sales.models import PriceList, SalesPlan, SubDealer

    return {
        "tab": tab,
        "tab_daily": can(user, DayConfirmation, "view") and not selectors.own_only(user),
        "tab_limits_url": limits,
        "tab_plans": can(user, SalesPlan, "view") and not selectors.own_only(user),
        "tab_prices": can(user, PriceList, "view"),
        "tab_network": can(user, SubDealer, "view"),
    }


class PlansView(TenantRequiredMixin, View):
    """Opened by whoever may see sales targets (403 otherwise, before any row is read)."""

    tab = "board"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and getattr(request, "tenant_scope", None) is not None:
            check_model_permission(request.user, SalesTarget, "view")
        return super().dispatch(request, *args, **kwargs)

    def page(self, template, context, status=200):
        context.update(tabs_context(self.request.user, self.tab))
        return render(self.request, template, context, status=status)


def _day_from(request, default: dt.date) -> tuple[dt.date | None, str | None]:
    """``?day=`` (default ``default``), or an error message for a malformed or future day."""
    raw = request.GET.get("day", "").strip()
    if not raw:
        return default, None
    day = selectors.parse_day(raw)
    if day is None:
        return None, _("Give the day as YYYY-MM-DD.")
    if day > selectors.today():
        return None, _("A day in the future has no numbers yet.")
    return day, None


# --- the board ----------------------------------------------------------------------------------


class BoardView(PlansView):
    tab = "board"

    def get(self, request):
        board = selectors.board(request.user)
        from sales.selectors.salesplans import plan_actuals, plan_in_force

        plan = plan_in_force(request.user) if not selectors.own_only(request.user) else None
        return self.page(
            "sales/plans/board.html",
            {
                "board": board,
                "plan_month": plan_actuals(request.user, plan) if plan is not None else None,
                "may_view_stock": board.stock is not None,
                "order_statuses": [
                    (value, label, (board.orders or {}).get(value, 0))
                    for value, label in Order._meta.get_field("status").choices
                ],
            },
        )


# --- the meeting sheet --------------------------------------------------------------------------


class MeetingView(PlansView):
    tab = "meeting"

    def get(self, request):
        day, error = _day_from(request, selectors.yesterday())
        if error:
            messages.error(request, error)
            return self.page(
                "sales/plans/meeting.html",
                {"sheet": None, "day_value": request.GET.get("day", "")[:10]},
                status=400,
            )
        sheet = selectors.meeting_sheet(request.user, day)
        return self.page(
            "sales/plans/meeting.html",
            {
                "sheet": sheet,
                "day_value": day.isoformat(),
                "previous": (day - dt.timedelta(days=1)).isoformat(),
                "next": (day + dt.timedelta(days=1)).isoformat()
                if day < selectors.today()
                else None,
            },
        )


class MeetingPdfView(PlansView):
    tab = "meeting"

    def get(self, request):
        day, error = _day_from(request, selectors.yesterday())
        if error:
            return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
        sheet = selectors.meeting_sheet(request.user, day)
        html = render_to_string(
            "sales/plans/meeting_pdf.html",
            {"sheet": sheet, "dealership": _dealership_name(request)},
            request=request,
        )
        from weasyprint import HTML

        pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="meeting-{day:%Y-%m-%d}.pdf"'
        return response


def _dealership_name(request) -> str:
    scope = getattr(request, "tenant_scope", None)
    if scope is None or scope.current_id is None:
        return ""
    from dealership.models import Dealership

    dealership = Dealership.objects.filter(pk=scope.current_id).first()
    return str(dealership) if dealership else ""


# --- targets ------------------------------------------------------------------------------------


def _month_from(request) -> dt.date | None:
    raw = request.GET.get("month", "").strip()
    if not raw:
        return selectors.month_start(selectors.today())
    return selectors.parse_month(raw)


def _month_nav(month: dt.date) -> dict:
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return {"previous": f"{previous:%Y-%m}", "following": f"{following:%Y-%m}"}


class TargetListView(PlansView):
    tab = "targets"

    def get(self, request):
        month = _month_from(request)
        if month is None:
            messages.error(request, _("Give the month as YYYY-MM."))
            return self.page("sales/plans/targets.html", {"grid": None}, status=400)
        return self.page(
            "sales/plans/targets.html",
            {
                "grid": selectors.target_grid(request.user, month),
                "month_value": f"{month:%Y-%m}",
                "may_change": can(request.user, SalesTarget, "change"),
                **_month_nav(month),
            },
        )


class TargetEditView(TenantRequiredMixin, View):
    """The month's targets as lines (department / consultant × all models / one model); saving
    replaces the month's targets through ``targets_set``."""

    model = SalesTarget

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and getattr(request, "tenant_scope", None) is not None:
            check_model_permission(request.user, SalesTarget, "change")
        return super().dispatch(request, *args, **kwargs)

    def _month(self, request):
        month = selectors.parse_month(request.GET.get("month", "")) or selectors.month_start(
            selectors.today()
        )
        return month

    def _formset(self, request, month, data=None):
        people = sorted(selectors.sales_people(request.user).items(), key=lambda p: (p[1], p[0]))
        initial = None
        if data is None:
            existing = {
                (t.consultant_id, t.model): t.units
                for t in SalesTarget.objects.for_user(request.user, "view").filter(month=month)
            }
            initial = [{"consultant": None, "model": "", "units": existing.pop((None, ""), None)}]
            for pk, _name in people:
                initial.append(
                    {"consultant": pk, "model": "", "units": existing.pop((pk, ""), None)}
                )
            for (pk, model), units in sorted(
                existing.items(), key=lambda i: (i[0][0] or 0, i[0][1])
            ):
                initial.append({"consultant": pk, "model": model, "units": units})
        return TargetFormSet(data, initial=initial, form_kwargs={"people": people}, prefix="t")

    def _render(self, request, month, formset, status=200):
        context = {"formset": formset, "month": month, "month_value": f"{month:%Y-%m}"}
        context.update(tabs_context(request.user, "targets"))
        return render(request, "sales/plans/target_edit.html", context, status=status)

    def get(self, request):
        month = self._month(request)
        return self._render(request, month, self._formset(request, month))

    def post(self, request):
        month = selectors.parse_month(request.POST.get("month", "")) or self._month(request)
        formset = self._formset(request, month, request.POST)
        if formset.is_valid():
            try:
                services.targets_set(actor=request.user, month=month, rows=formset.rows())
            except ValidationError as error:
                for message in error.messages:
                    formset.non_form_errors().append(message)
            else:
                messages.success(
                    request, _("The targets of %(month)s are saved.") % {"month": f"{month:%Y-%m}"}
                )
                return redirect(reverse("sales:target_list") + f"?month={month:%Y-%m}")
        return self._render(request, month, formset, status=400)


# --- the day confirmation -----------------------------------------------------------------------


class DailyView(TenantRequiredMixin, View):
    """The day's orders and deliveries for the sales info clerk to check, and the button that
    confirms them."""

    def get(self, request):
        check_model_permission(request.user, Order, "view")
        day, error = _day_from(request, selectors.yesterday())
        if error:
            messages.error(request, error)
            return daily_page(request, None, status=400)
        return daily_page(request, day)


def daily_page(request, day, status=200):
    context = tabs_context(request.user, "daily")
    if day is None:
        context.update({"records": None, "day_value": request.GET.get("day", "")[:10]})
        return render(request, "sales/plans/daily.html", context, status=status)
    records = selectors.day_records(request.user, day)
    context.update(
        {
            "records": records,
            "day": day,
            "day_value": day.isoformat(),
            "previous": (day - dt.timedelta(days=1)).isoformat(),
            "next": (day + dt.timedelta(days=1)).isoformat() if day < selectors.today() else None,
            "orders": [(o, optional_url("sales:order_detail", o.pk)) for o in records["orders"]],
            "deliveries": [
                (d, optional_url("sales:delivery_detail", d.pk)) for d in records["deliveries"]
            ],
            "add_order_url": optional_url("sales:order_create")
            if can(request.user, Order, "add")
            else None,
            "add_delivery_url": optional_url("sales:delivery_create")
            if can(request.user, Delivery, "add")
            else None,
            "may_confirm": may_confirm_days(request.user),
        }
    )
    return render(request, "sales/plans/daily.html", context, status=status)


class DayConfirmView(TenantRequiredMixin, View):
    """POST ``day``: confirm that day's numbers (``day_confirm``); a bad or future day answers
    400 with the day's page and the message."""

    model = DayConfirmation

    def post(self, request):
        check_model_permission(request.user, DayConfirmation, "add")
        if not may_confirm_days(request.user):
            raise PermissionDenied(
                _("Only the sales info clerk or a sales manager may confirm a day's numbers.")
            )
        raw = request.POST.get("day", "")
        try:
            confirmation = services.day_confirm(actor=request.user, day=raw)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            day = selectors.parse_day(raw)
            shown = day if day is not None and day <= selectors.today() else None
            return daily_page(request, shown, status=400)
        messages.success(
            request,
            _("%(day)s confirmed: %(orders)d orders, %(deliveries)d deliveries.")
            % {
                "day": f"{confirmation.day:%Y-%m-%d}",
                "orders": confirmation.orders,
                "deliveries": confirmation.deliveries,
            },
        )
        return redirect(confirmation.get_absolute_url())


urlpatterns: list = [
    path("board/", BoardView.as_view(), name="board"),
    path("meeting/", MeetingView.as_view(), name="meeting"),
    path("meeting/pdf/", MeetingPdfView.as_view(), name="meeting_pdf"),
    path("targets/", TargetListView.as_view(), name="target_list"),
    path("targets/edit/", TargetEditView.as_view(), name="target_edit"),
    path("daily/", DailyView.as_view(), name="daily"),
    path("daily/confirm/", DayConfirmView.as_view(), name="day_confirm"),
]


# --- dashboard widgets --------------------------------------------------------------------------


def _may_open_board(request) -> bool:
    return getattr(request, "tenant_scope", None) is not None and can(
        request.user, SalesTarget, "view"
    )


def _my_month(request):
    if not _may_open_board(request) or not selectors.own_only(request.user):
        return None
    return selectors.my_month(request.user)


def _sales_today(request):
    if not _may_open_board(request) or selectors.own_only(request.user):
        return None
    return selectors.sales_today(request.user)


def register_widgets() -> None:
    """This area's dashboard panels: "My month" (consultants) and "Sales today" (the floor's
    supervisors, managers, the GM), each only for who may open the board."""
    from dealership.registry import Widget, register_widget

    register_widget(
        Widget(
            "sales_my_month",
            gettext_lazy("My month"),
            "sales/plans/widgets/my_month.html",
            _my_month,
            order=30,
        )
    )
    register_widget(
        Widget(
            "sales_today",
            gettext_lazy("Sales today"),
            "sales/plans/widgets/sales_today.html",
            _sales_today,
            order=31,
        )
    )
