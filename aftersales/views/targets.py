"""HTML views of after-sales targets per person: the month's targets with each person's actual
figures (everyone sees their own; the service manager their departments'), the form that sets
one person's target, its deletion, and the dashboard panel "My target"."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from aftersales import services
from aftersales.forms.targets import ServiceTargetForm, TargetMonthForm
from aftersales.models import ServiceTarget, TargetRole
from aftersales.selectors import targets as selectors
from aftersales.views.claims import tabs_context
from dealership.access import can, check_model_permission, permitted_ids
from dealership.views import ServiceDeleteView, ServiceFormView, TenantRequiredMixin


def _people() -> list[tuple[int, str]]:
    """The holders of the positions that get targets, by name (one query)."""
    from org.models import PositionAssignment

    rows = (
        PositionAssignment.objects.filter(
            position__code__in=TargetRole.values,
            staff__is_active=True,
            staff__user__is_active=True,
        )
        .values_list("staff__user_id", "staff__user__name", "staff__user__username")
        .distinct()
    )
    return sorted({(pk, name or username) for pk, name, username in rows}, key=lambda p: p[1])


class TargetListView(TenantRequiredMixin, View):
    """``?month=YYYY-MM`` (this month by default), ``role``."""

    template_name = "aftersales/targets/target_list.html"

    def get(self, request):
        check_model_permission(request.user, ServiceTarget, "view")
        form = TargetMonthForm(request.GET or None)
        month, role, status = selectors.month_start(selectors.today()), "", 200
        if request.GET:
            if form.is_valid():
                parsed = selectors.parse_month(form.cleaned_data["month"])
                if parsed is None:
                    form.add_error("month", _("Give the month as YYYY-MM."))
                    status = 400
                else:
                    month, role = parsed, form.cleaned_data.get("role", "")
            else:
                status = 400
        if status == 400:
            messages.error(request, _("Give the month as YYYY-MM."))
        rows = selectors.target_rows(request.user, month, role=role) if status == 200 else []
        changeable = permitted_ids(
            request.user, ServiceTarget, "change", [row.target.pk for row in rows]
        )
        previous = (month - dt.timedelta(days=1)).replace(day=1)
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "rows": rows,
                "changeable": changeable,
                "month": month,
                "month_value": f"{month:%Y-%m}",
                "previous": f"{previous:%Y-%m}",
                "following": f"{selectors.next_month(month):%Y-%m}",
                "may_add": can(request.user, ServiceTarget, "add"),
                **tabs_context(request.user, "targets"),
            },
            status=status,
        )


class TargetFormView(ServiceFormView):
    model = ServiceTarget

    def get_form(self, obj, data=None):
        if obj is not None:
            initial = {
                "month": f"{obj.month:%Y-%m}",
                "person": obj.person_id,
                "role": obj.role,
                "revenue": obj.revenue,
                "repair_orders": obj.repair_orders,
                "parts_sales": obj.parts_sales,
                "checkins": obj.checkins,
            }
        else:
            month = selectors.parse_month(self.request.GET.get("month", ""))
            month = month or selectors.month_start(selectors.today())
            initial = {"month": f"{month:%Y-%m}"}
        form = ServiceTargetForm(data, initial=initial, people=_people())
        if obj is not None:
            form.fields["month"].disabled = form.fields["person"].disabled = True
        return form

    def save(self, form, obj):
        return services.servicetarget_set(actor=self.request.user, **form.cleaned_data)

    def get_title(self, obj):
        return _("Set a target") if obj is None else _("Change the target")

    def cancel_url(self, obj):
        url = reverse("aftersales:target_list")
        return f"{url}?month={obj.month:%Y-%m}" if obj is not None else url


class TargetDeleteView(ServiceDeleteView):
    model = ServiceTarget

    def delete(self, obj) -> None:
        self.month = obj.month
        services.servicetarget_delete(actor=self.request.user, target_id=obj.pk)

    def get_success_url(self) -> str:
        return reverse("aftersales:target_list")


urlpatterns: list = [
    path("targets/", TargetListView.as_view(), name="target_list"),
    path("targets/new/", TargetFormView.as_view(), name="target_create"),
    path("targets/<int:pk>/edit/", TargetFormView.as_view(), name="target_edit"),
    path("targets/<int:pk>/delete/", TargetDeleteView.as_view(), name="target_delete"),
]


def _my_target(request):
    if getattr(request, "tenant_scope", None) is None:
        return None
    if not can(request.user, ServiceTarget, "view"):
        return None
    return selectors.my_target(request.user)


def register_widgets() -> None:
    """ "My target": the person's own after-sales target of the month with the actual figures."""
    from dealership.registry import Widget, register_widget

    register_widget(
        Widget(
            "aftersales_my_target",
            gettext_lazy("My target this month"),
            "aftersales/targets/widgets/my_target.html",
            _my_target,
            order=42,
        )
    )
