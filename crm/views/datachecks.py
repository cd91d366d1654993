"""Pages of the day-N+1 data check (核对前日交车/入库客户资料):

* ``crm:datacheck_list`` — the checks the viewer may see (a specialist: their follow-ups'),
  open first by day listed; filters state, kind, day listed;
* ``crm:datacheck_detail`` — the customer's phone and address, and the three answers:
  ``crm:datacheck_confirm`` (right), ``crm:datacheck_correct`` (corrected through the customer
  services, audited), ``crm:datacheck_unreachable`` (could not verify)."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.forms.targets import DataCheckCorrectForm, DataCheckFilterForm, DataCheckNoteForm
from crm.models import DataCheck, FollowUp
from crm.selectors import datachecks as selectors
from crm.services import datachecks as services
from crm.services.calls import may_correct_customer
from crm.services.privacy import phones_shown
from crm.tables.targets import DataCheckTable
from dealership import registry
from dealership.access import can, permitted_ids
from dealership.registry import NavItem
from dealership.views import ScopedDetailView, ScopedListView, ServiceFormView
from org.access import user_access


class DataCheckListView(ScopedListView):
    model = DataCheck
    table_class = DataCheckTable
    template_name = "crm/datachecks/list.html"

    def get_queryset(self):
        self.filter_form = DataCheckFilterForm(self.request.GET or None)
        data = self.filter_form.values()
        return selectors.datachecks_for_user(
            self.request.user,
            day=data.get("day"),
            state=data.get("state", ""),
            kind=data.get("kind", ""),
        )

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        table.phones = phones_shown(
            user=self.request.user,
            customers=[getattr(row, "record", row).customer for row in table.page.object_list],
            context="crm:datacheck_list",
        )
        return table

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        return context


class DataCheckDetailView(ScopedDetailView):
    model = DataCheck
    template_name = "crm/datachecks/detail.html"

    def base_queryset(self):
        return DataCheck.objects.select_related(
            "customer", "followup", "followup__specialist", "followup__vehicle", "checked_by"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, check = self.request.user, self.object
        context["phones"] = phones_shown(
            user=user,
            customers=[check.customer],
            context="crm:datacheck_detail",
            fields=("mobile", "mobile_alt"),
        )[check.customer_id]
        may_change = user_access(user).writable and bool(
            permitted_ids(user, DataCheck, "change", [check.pk])
        )
        context["may_answer"] = may_change and check.is_open
        context["may_correct"] = may_change and may_correct_customer(user, check.followup)
        context["may_open_call"] = bool(permitted_ids(user, FollowUp, "view", [check.followup_id]))
        return context


class _AnswerView(ServiceFormView):
    model = DataCheck

    def cancel_url(self, obj):
        return obj.get_absolute_url()

    def get_form(self, obj, data=None):
        return DataCheckNoteForm(data)


class DataCheckConfirmView(_AnswerView):
    def get_title(self, obj):
        return _("The details are right: %(customer)s") % {"customer": obj.customer}

    def save(self, form, obj):
        return services.datacheck_confirm(
            actor=self.request.user, check_id=obj.pk, note=form.cleaned_data["note"]
        )


class DataCheckUnreachableView(_AnswerView):
    def get_title(self, obj):
        return _("Could not verify the details: %(customer)s") % {"customer": obj.customer}

    def save(self, form, obj):
        return services.datacheck_unreachable(
            actor=self.request.user, check_id=obj.pk, note=form.cleaned_data["note"]
        )


class DataCheckCorrectView(_AnswerView):
    def get_title(self, obj):
        return _("Correct the details: %(customer)s") % {"customer": obj.customer}

    def get_form(self, obj, data=None):
        return DataCheckCorrectForm(data, customer=obj.customer)

    def save(self, form, obj):
        return services.datacheck_correct(
            actor=self.request.user,
            check_id=obj.pk,
            changes=form.changes(),
            note=form.cleaned_data["note"],
        )


def _may_view(request) -> bool:
    return getattr(request, "tenant_scope", None) is not None and can(
        request.user, DataCheck, "view"
    )


def register_nav() -> None:
    registry.register_nav(
        NavItem(
            "datacheck_list",
            gettext_lazy("Data checks"),
            "crm:datacheck_list",
            order=54,
            visible=_may_view,
        )
    )


def register_widgets() -> None:
    pass


urlpatterns: list = [
    path("data-checks/", DataCheckListView.as_view(), name="datacheck_list"),
    path("data-checks/<int:pk>/", DataCheckDetailView.as_view(), name="datacheck_detail"),
    path("data-checks/<int:pk>/confirm/", DataCheckConfirmView.as_view(), name="datacheck_confirm"),
    path("data-checks/<int:pk>/correct/", DataCheckCorrectView.as_view(), name="datacheck_correct"),
    path(
        "data-checks/<int:pk>/unreachable/",
        DataCheckUnreachableView.as_view(),
        name="datacheck_unreachable",
    ),
]
