"""Pages of crm: the e-CRB board (看板) and the log of phone numbers shown.

* ``crm:board`` ``/crm/board/`` — yesterday's orders, deliveries and 5K/10K check-ins; today's
  follow-up calls (due, done, overdue, unreachable); this month's SSI and CSI with their trend
  chart (inline SVG, no script), the contact rate against the target, retention and the owner
  club; the open complaints by age. ``?day=YYYY-MM-DD`` shows the board as it was that day.
  For the dealership's CRM managers, CSI/SSI admin, deputy GM and GM (``crm.view_followup``
  at dealership scope); HQ gets one row per dealership of its group and the group's total.
* ``crm:phone_log`` ``/crm/privacy/phone-log/`` — who saw whose full phone number, when and
  where (``crm.view_phone_log``: the CRM director), filtered by user, customer and dates.

The dashboard panel "e-CRB board" shows the headline figures to the same people."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from crm.forms.privacy import PhoneLogFilterForm
from crm.models import Customer, PhoneReveal
from crm.selectors import board as selectors
from crm.selectors import privacy as privacy_selectors
from crm.tables.privacy import PhoneRevealTable
from dealership.access import permitted_ids
from dealership.views import ScopedListView, TenantRequiredMixin


def day_from(raw: str, default: dt.date) -> tuple[dt.date | None, str | None]:
    """``?day=`` (default ``default``), or an error message for a malformed or future day."""
    raw = (raw or "").strip()
    if not raw:
        return default, None
    day = selectors.parse_day(raw)
    if day is None:
        return None, _("Give the day as YYYY-MM-DD.")
    if day > default:
        return None, _("A day in the future has no numbers yet.")
    return day, None


class BoardView(TenantRequiredMixin, View):
    template_name = "crm/board/board.html"

    def dispatch(self, request, *args, **kwargs):
        if (
            request.user.is_authenticated
            and getattr(request, "tenant_scope", None) is not None
            and not selectors.may_open_board(request.user)
        ):
            raise PermissionDenied(_("The e-CRB board is for the CRM managers and the management."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        today = selectors.today()
        day, error = day_from(request.GET.get("day", ""), today)
        context = {"day_value": request.GET.get("day", "")[:10], "error": error, "today": today}
        if error:
            return render(request, self.template_name, {**context, "board": None}, status=400)
        board = selectors.board(request.user, day)
        context.update(board=board, chart=board.chart)
        return render(request, self.template_name, context)


class PhoneLogView(ScopedListView):
    model = PhoneReveal
    table_class = PhoneRevealTable
    template_name = "crm/privacy/phone_log.html"
    paginate_by = 50

    def get_queryset(self):
        self.filter_form = PhoneLogFilterForm(self.request.GET or None, user=self.request.user)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return privacy_selectors.phone_log(
            self.request.user,
            user_id=data.get("user"),
            customer=data.get("customer", ""),
            since=data.get("since"),
            until=data.get("until"),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        table = context["table"]
        rows = table.paginated_rows if hasattr(table, "page") else table.rows
        table.customer_links = permitted_ids(
            self.request.user, Customer, "view", [row.record.customer_id for row in rows]
        )
        return context


urlpatterns = [
    path("board/", BoardView.as_view(), name="board"),
    path("privacy/phone-log/", PhoneLogView.as_view(), name="phone_log"),
]


def _may_open_board(request) -> bool:
    return getattr(request, "tenant_scope", None) is not None and selectors.may_open_board(
        request.user
    )


def _may_read_phone_log(request) -> bool:
    from dealership.access import can

    return getattr(request, "tenant_scope", None) is not None and can(
        request.user, PhoneReveal, "view"
    )


def register_nav() -> None:
    """The board for who may open it; the phone log for who may read it."""
    from dealership.registry import NavItem, register_nav

    register_nav(
        NavItem(
            "crm_board", gettext_lazy("e-CRB board"), "crm:board", order=78, visible=_may_open_board
        )
    )
    register_nav(
        NavItem(
            "crm_phone_log",
            gettext_lazy("Phone numbers shown"),
            "crm:phone_log",
            order=79,
            visible=_may_read_phone_log,
        )
    )


def _headline(request):
    if not _may_open_board(request):
        return None
    board = selectors.board(request.user, selectors.today(), codes=selectors.HEADLINE, trend=False)
    return {"cells": [cell for section in board.sections for cell in section.cells], "board": board}


def register_widgets() -> None:
    """The panel "e-CRB board": the headline figures (HQ: the group's total)."""
    from dealership.registry import Widget, register_widget

    register_widget(
        Widget(
            "crm_board",
            gettext_lazy("e-CRB board"),
            "crm/board/widget.html",
            _headline,
            order=35,
        )
    )
