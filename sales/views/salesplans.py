"""HTML views of sales plans (year, quarter, month: lines by model, actuals against them, the
approval chain and the submission to the OEM), price lists (drafts, their approval, the list in
effect) and the sub-dealer network (sub-dealers and their assessments). They sit under the
sales board's tabs; each page and button is shown only to who may use it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from dealership.access import can, check_model_permission, get_object_for_user, permitted_ids
from dealership.views import (
    FilteredListView,
    ScopedDetailView,
    ServiceFormView,
    TenantRequiredMixin,
    apply_errors,
)
from sales import services
from sales.forms.salesplans import (
    AssessmentForm,
    PlanFilterForm,
    PlanForm,
    PlanLineFormSet,
    PriceListFilterForm,
    PriceListForm,
    SendToOemForm,
    SubDealerFilterForm,
    SubDealerForm,
)
from sales.models import (
    PlanState,
    PriceList,
    PriceListState,
    SalesPlan,
    SubDealer,
    SubDealerAssessment,
)
from sales.selectors import salesplans as selectors
from sales.tables.salesplans import PlanTable, PriceListTable, SubDealerTable
from sales.views.plans import tabs_context


def _request_url(user, obj):
    """The approval request's page, for who may open it (the requester, its approvers …)."""
    from org.approvals.models import ApprovalRequest

    if obj.request_id and permitted_ids(user, ApprovalRequest, "view", [obj.request_id]):
        return reverse("org:approval_detail", kwargs={"pk": obj.request_id})
    return None


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


class _Tabbed:
    tab = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(tabs_context(self.request.user, self.tab))
        return context


# --- sales plans --------------------------------------------------------------------------------


class PlanListView(_Tabbed, FilteredListView):
    model = SalesPlan
    table_class = PlanTable
    template_name = "sales/salesplans/plan_list.html"
    filter_class = PlanFilterForm
    tab = "plans"

    def rows(self, data):
        return selectors.plans_for_user(
            self.request.user,
            period=data.get("period", ""),
            state=data.get("state", ""),
            year=data.get("year"),
        )


class PlanDetailView(_Tabbed, ScopedDetailView):
    model = SalesPlan
    template_name = "sales/salesplans/plan_detail.html"
    tab = "plans"

    def base_queryset(self):
        return selectors.plan_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, plan = self.request.user, self.object
        may_change = bool(permitted_ids(user, SalesPlan, "change", [plan.pk]))
        context.update(
            {
                "actuals": selectors.plan_actuals(user, plan),
                "may_edit": may_change and plan.state in (PlanState.DRAFT, PlanState.REJECTED),
                "may_submit": may_change and plan.state in (PlanState.DRAFT, PlanState.REJECTED),
                "may_send": may_change and plan.state == PlanState.APPROVED,
                "oem_form": SendToOemForm(),
                "request_url": _request_url(user, plan),
            }
        )
        return context


class _PlanFormView(TenantRequiredMixin, View):
    template_name = "sales/salesplans/plan_form.html"

    def render_form(self, form, formset, plan, status=200):
        context = {
            "form": form,
            "formset": formset,
            "object": plan,
            "title": _("Change the sales plan %(plan)s") % {"plan": plan}
            if plan
            else _("New sales plan"),
            "cancel_url": plan.get_absolute_url() if plan else reverse("sales:plan_list"),
        }
        context.update(tabs_context(self.request.user, "plans"))
        return render(self.request, self.template_name, context, status=status)


class PlanCreateView(_PlanFormView):
    model = SalesPlan

    def get(self, request):
        check_model_permission(request.user, SalesPlan, "add")
        return self.render_form(
            PlanForm(initial={"period": "month"}), PlanLineFormSet(prefix="l"), None
        )

    def post(self, request):
        check_model_permission(request.user, SalesPlan, "add")
        form, formset = PlanForm(request.POST), PlanLineFormSet(request.POST, prefix="l")
        if form.is_valid() and formset.is_valid():
            try:
                plan = services.salesplan_create(
                    actor=request.user,
                    period=form.cleaned_data["period"],
                    starts_on=form.cleaned_data["starts_on"],
                    notes=form.cleaned_data["notes"],
                    lines=formset.lines(),
                )
            except ValidationError as error:
                if hasattr(error, "error_dict") and "lines" in error.error_dict:
                    formset.non_form_errors().extend(error.error_dict.pop("lines")[0].messages)
                    error = ValidationError(error.error_dict) if error.error_dict else None
                if error is not None:
                    apply_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(plan.get_absolute_url())
        return self.render_form(form, formset, None, status=400)


class PlanEditView(_PlanFormView):
    model = SalesPlan

    def _plan(self, request, pk):
        return get_object_for_user(request.user, SalesPlan, "change", pk=pk)

    def get(self, request, pk):
        plan = self._plan(request, pk)
        form = PlanForm(
            initial={"period": plan.period, "starts_on": plan.label, "notes": plan.notes}
        )
        form.fields["period"].disabled = form.fields["starts_on"].disabled = True
        formset = PlanLineFormSet(
            prefix="l",
            initial=[
                {"model": line.model, "units": line.units, "revenue": line.revenue}
                for line in plan.lines.all()
            ],
        )
        return self.render_form(form, formset, plan)

    def post(self, request, pk):
        plan = self._plan(request, pk)
        form = PlanForm(
            request.POST,
            initial={"period": plan.period, "starts_on": plan.label, "notes": plan.notes},
        )
        form.fields["period"].disabled = form.fields["starts_on"].disabled = True
        formset = PlanLineFormSet(request.POST, prefix="l")
        if form.is_valid() and formset.is_valid():
            try:
                plan = services.salesplan_update(
                    actor=request.user,
                    plan_id=plan.pk,
                    notes=form.cleaned_data["notes"],
                    lines=formset.lines(),
                )
            except ValidationError as error:
                formset.non_form_errors().extend(error.messages)
            else:
                messages.success(request, _("Saved."))
                return redirect(plan.get_absolute_url())
        return self.render_form(form, formset, plan, status=400)


class PlanSubmitView(TenantRequiredMixin, View):
    model = SalesPlan

    def post(self, request, pk):
        plan = get_object_for_user(request.user, SalesPlan, "change", pk=pk)
        try:
            plan = services.salesplan_submit(actor=request.user, plan_id=plan.pk)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("The plan was sent for approval."))
        return redirect(plan.get_absolute_url())


class PlanSendView(TenantRequiredMixin, View):
    model = SalesPlan

    def post(self, request, pk):
        plan = get_object_for_user(request.user, SalesPlan, "change", pk=pk)
        form = SendToOemForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(plan.get_absolute_url())
        try:
            plan = services.salesplan_send_to_oem(
                actor=request.user,
                plan_id=plan.pk,
                submitted_on=form.cleaned_data.get("submitted_on"),
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("The plan is recorded as submitted to the OEM."))
        return redirect(plan.get_absolute_url())


# --- price lists --------------------------------------------------------------------------------


class PriceListListView(_Tabbed, FilteredListView):
    model = PriceList
    table_class = PriceListTable
    template_name = "sales/salesplans/pricelist_list.html"
    filter_class = PriceListFilterForm
    tab = "prices"

    def rows(self, data):
        self.in_effect = selectors.effective_ids()
        return selectors.pricelists_for_user(
            self.request.user,
            q=data.get("q", ""),
            state=data.get("state", ""),
            in_effect=data.get("in_effect", False),
        )

    def get_table_kwargs(self):
        return {"in_effect": self.in_effect}


class PriceListDetailView(_Tabbed, ScopedDetailView):
    model = PriceList
    template_name = "sales/salesplans/pricelist_detail.html"
    tab = "prices"

    def base_queryset(self):
        return selectors.pricelist_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, price_list = self.request.user, self.object
        editable = price_list.state in (PriceListState.DRAFT, PriceListState.REJECTED)
        may_change = editable and bool(permitted_ids(user, PriceList, "change", [price_list.pk]))
        context.update(
            {
                "in_effect": price_list.pk in selectors.effective_ids(),
                "history": selectors.pricelists_for_user(user)
                .filter(model=price_list.model, trim=price_list.trim)
                .exclude(pk=price_list.pk)[:20],
                "may_edit": may_change,
                "may_submit": may_change,
                "request_url": _request_url(user, price_list),
            }
        )
        return context


class PriceListFormView(ServiceFormView):
    model = PriceList

    def get_form(self, obj, data=None):
        initial = {}
        if obj is not None:
            initial = {name: getattr(obj, name) for name in services.PRICE_LIST_FIELDS}
        else:
            from sales.selectors.plans import today

            initial = {"valid_from": today()}
        return PriceListForm(data, initial=initial)

    def save(self, form, obj):
        if obj is None:
            return services.pricelist_create(actor=self.request.user, **form.cleaned_data)
        return services.pricelist_update(
            actor=self.request.user, pricelist_id=obj.pk, **form.cleaned_data
        )

    def get_title(self, obj):
        return _("New price list") if obj is None else _("Change the price list")

    def cancel_url(self, obj):
        return obj.get_absolute_url() if obj is not None else reverse("sales:pricelist_list")


class PriceListSubmitView(TenantRequiredMixin, View):
    model = PriceList

    def post(self, request, pk):
        price_list = get_object_for_user(request.user, PriceList, "change", pk=pk)
        try:
            price_list = services.pricelist_submit(actor=request.user, pricelist_id=price_list.pk)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("The price list was sent for approval."))
        return redirect(price_list.get_absolute_url())


# --- the sub-dealer network ---------------------------------------------------------------------


def _sales_people(dealership_id=None) -> list[tuple[int, str]]:
    from org.models import PositionAssignment

    rows = (
        PositionAssignment.objects.filter(
            position__department__code="sales", staff__is_active=True, staff__user__is_active=True
        )
        .values_list("staff__user_id", "staff__user__name", "staff__user__username")
        .distinct()
    )
    return sorted({(pk, name or username) for pk, name, username in rows}, key=lambda p: p[1])


class SubDealerListView(_Tabbed, FilteredListView):
    model = SubDealer
    table_class = SubDealerTable
    template_name = "sales/salesplans/subdealer_list.html"
    filter_class = SubDealerFilterForm
    tab = "network"

    def rows(self, data):
        return selectors.subdealers_for_user(
            self.request.user, q=data.get("q", ""), state=data.get("state", "")
        )


class SubDealerDetailView(_Tabbed, ScopedDetailView):
    model = SubDealer
    template_name = "sales/salesplans/subdealer_detail.html"
    tab = "network"

    def base_queryset(self):
        return selectors.subdealer_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, dealer = self.request.user, self.object
        may_change = bool(permitted_ids(user, SubDealer, "change", [dealer.pk]))
        context.update(
            {
                "assessments": selectors.assessments_of(user, dealer),
                "may_change": may_change,
                "may_assess": may_change and can(user, SubDealerAssessment, "add"),
            }
        )
        return context


class SubDealerFormView(ServiceFormView):
    model = SubDealer

    def get_form(self, obj, data=None):
        initial = {"manager": self.request.user.pk, "state": "prospect"}
        if obj is not None:
            initial = {name: getattr(obj, name) for name in services.SUBDEALER_FIELDS}
            initial["manager"] = obj.manager_id
        return SubDealerForm(data, initial=initial, people=_sales_people())

    def save(self, form, obj):
        if obj is None:
            return services.subdealer_create(actor=self.request.user, **form.cleaned_data)
        return services.subdealer_update(
            actor=self.request.user, subdealer_id=obj.pk, **form.cleaned_data
        )

    def get_title(self, obj):
        return _("New sub-dealer") if obj is None else _("Change the sub-dealer")

    def cancel_url(self, obj):
        return obj.get_absolute_url() if obj is not None else reverse("sales:subdealer_list")


class AssessmentCreateView(TenantRequiredMixin, View):
    model = SubDealer

    template_name = "platform/form.html"

    def _dealer(self, request, pk):
        dealer = get_object_for_user(request.user, SubDealer, "change", pk=pk)
        check_model_permission(request.user, SubDealerAssessment, "add")
        return dealer

    def _render(self, request, dealer, form, status=200):
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "title": _("Assess %(name)s") % {"name": dealer.name},
                "cancel_url": dealer.get_absolute_url(),
            },
            status=status,
        )

    def get(self, request, pk):
        dealer = self._dealer(request, pk)
        return self._render(request, dealer, AssessmentForm())

    def post(self, request, pk):
        dealer = self._dealer(request, pk)
        form = AssessmentForm(request.POST)
        if form.is_valid():
            try:
                services.subdealer_assess(
                    actor=request.user, subdealer_id=dealer.pk, **form.cleaned_data
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(dealer.get_absolute_url())
        return self._render(request, dealer, form, status=400)


urlpatterns: list = [
    path("plans/", PlanListView.as_view(), name="plan_list"),
    path("plans/new/", PlanCreateView.as_view(), name="plan_create"),
    path("plans/<int:pk>/", PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/edit/", PlanEditView.as_view(), name="plan_edit"),
    path("plans/<int:pk>/submit/", PlanSubmitView.as_view(), name="plan_submit"),
    path("plans/<int:pk>/oem/", PlanSendView.as_view(), name="plan_send"),
    path("price-lists/", PriceListListView.as_view(), name="pricelist_list"),
    path("price-lists/new/", PriceListFormView.as_view(), name="pricelist_create"),
    path("price-lists/<int:pk>/", PriceListDetailView.as_view(), name="pricelist_detail"),
    path("price-lists/<int:pk>/edit/", PriceListFormView.as_view(), name="pricelist_edit"),
    path("price-lists/<int:pk>/submit/", PriceListSubmitView.as_view(), name="pricelist_submit"),
    path("sub-dealers/", SubDealerListView.as_view(), name="subdealer_list"),
    path("sub-dealers/new/", SubDealerFormView.as_view(), name="subdealer_create"),
    path("sub-dealers/<int:pk>/", SubDealerDetailView.as_view(), name="subdealer_detail"),
    path("sub-dealers/<int:pk>/edit/", SubDealerFormView.as_view(), name="subdealer_edit"),
    path("sub-dealers/<int:pk>/assess/", AssessmentCreateView.as_view(), name="subdealer_assess"),
]


# --- dashboard widget ---------------------------------------------------------------------------


def _plan_month(request):
    """The month's plan against deliveries, for who may see plans (the floor's managers, the GM
    office)."""
    if getattr(request, "tenant_scope", None) is None or not can(request.user, SalesPlan, "view"):
        return None
    plan = selectors.plan_in_force(request.user)
    if plan is None:
        return None
    return {"plan": plan, "actuals": selectors.plan_actuals(request.user, plan)}


def register_widgets() -> None:
    from dealership.registry import Widget, register_widget

    register_widget(
        Widget(
            "sales_plan_month",
            gettext_lazy("Sales plan this month"),
            "sales/salesplans/widgets/plan_month.html",
            _plan_month,
            order=32,
        )
    )
