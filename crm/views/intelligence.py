"""Pages of crm: market intelligence — competitor observations (竞争对手情报) and advertising
spends (广告投放), each a list filtered by month with forms to record, correct and delete
(through :mod:`crm.services.intelligence`). They feed the monthly OEM submissions
(:mod:`crm.reports.oem`). Buttons are shown only to who may use them."""

from __future__ import annotations

from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.forms.intelligence import (
    AdvertisingSpendForm,
    CompetitorObservationForm,
    ObservationFilterForm,
    SpendFilterForm,
)
from crm.models import AdvertisingSpend, CompetitorObservation
from crm.selectors import intelligence as selectors
from crm.services import intelligence as services
from crm.tables.intelligence import AdvertisingSpendTable, CompetitorObservationTable
from dealership.access import can
from dealership.views import FilteredListView, ServiceDeleteView, ServiceFormView


def tabs(user) -> list[tuple[str, str, str]]:
    """The area's tabs the user may open: (key, label, url)."""
    return [
        (key, label, reverse(url_name))
        for key, label, url_name, model in (
            (
                "competitors",
                _("Competitor intelligence"),
                "crm:observation_list",
                CompetitorObservation,
            ),
            ("advertising", _("Advertising"), "crm:spend_list", AdvertisingSpend),
        )
        if can(user, model, "view")
    ]


class _List(FilteredListView):
    template_name = "crm/intelligence/list.html"
    mark_changeable = True

    def get_tabs(self):
        return tabs(self.request.user)


class ObservationListView(_List):
    model = CompetitorObservation
    table_class = CompetitorObservationTable
    filter_class = ObservationFilterForm
    tab = "competitors"
    title = gettext_lazy("Competitor intelligence")
    new_url = "crm:observation_create"
    new_label = gettext_lazy("Record an observation")

    def rows(self, selection):
        return selectors.observations_for_user(self.request.user, **selection)


class SpendListView(_List):
    model = AdvertisingSpend
    table_class = AdvertisingSpendTable
    filter_class = SpendFilterForm
    tab = "advertising"
    title = gettext_lazy("Advertising")
    new_url = "crm:spend_create"
    new_label = gettext_lazy("Record a spend")

    def rows(self, selection):
        return selectors.spends_for_user(self.request.user, **selection)


class ObservationFormView(ServiceFormView):
    model = CompetitorObservation
    success_url = reverse_lazy("crm:observation_list")

    def get_title(self, obj):
        if obj is None:
            return _("Record a competitor observation")
        return _("Change the observation: %(name)s") % {"name": obj}

    def get_form(self, obj, data=None):
        return CompetitorObservationForm(data, observation=obj)

    def save(self, form, obj):
        kwargs = form.service_kwargs()
        if obj is None:
            return services.competitor_observation_create(actor=self.request.user, **kwargs)
        return services.competitor_observation_update(
            actor=self.request.user, observation_id=obj.pk, **kwargs
        )


class ObservationDeleteView(ServiceDeleteView):
    model = CompetitorObservation
    success_url = reverse_lazy("crm:observation_list")

    def delete(self, obj):
        services.competitor_observation_delete(actor=self.request.user, observation_id=obj.pk)


class SpendFormView(ServiceFormView):
    model = AdvertisingSpend
    success_url = reverse_lazy("crm:spend_list")

    def get_title(self, obj):
        if obj is None:
            return _("Record an advertising spend")
        return _("Change the advertising spend: %(name)s") % {"name": obj}

    def get_form(self, obj, data=None):
        return AdvertisingSpendForm(data, spend=obj)

    def save(self, form, obj):
        kwargs = form.service_kwargs()
        if obj is None:
            return services.advertising_spend_create(actor=self.request.user, **kwargs)
        return services.advertising_spend_update(actor=self.request.user, spend_id=obj.pk, **kwargs)


class SpendDeleteView(ServiceDeleteView):
    model = AdvertisingSpend
    success_url = reverse_lazy("crm:spend_list")

    def delete(self, obj):
        services.advertising_spend_delete(actor=self.request.user, spend_id=obj.pk)


def register_nav() -> None:
    """Navigation entries of the area, each shown only to who may open it."""
    from crm.views import may_open as _may
    from dealership.registry import NavItem, register_nav

    for key, label, url_name, order, model in (
        (
            "crm_competitors",
            gettext_lazy("Competitor intelligence"),
            "crm:observation_list",
            87,
            "CompetitorObservation",
        ),
        ("crm_advertising", gettext_lazy("Advertising"), "crm:spend_list", 88, "AdvertisingSpend"),
    ):
        register_nav(NavItem(key, label, url_name, order=order, visible=_may(model)))


def register_widgets() -> None:
    """Dashboard panels of the area (none)."""


urlpatterns: list = [
    path("competitors/", ObservationListView.as_view(), name="observation_list"),
    path("competitors/new/", ObservationFormView.as_view(), name="observation_create"),
    path("competitors/<int:pk>/edit/", ObservationFormView.as_view(), name="observation_edit"),
    path(
        "competitors/<int:pk>/delete/", ObservationDeleteView.as_view(), name="observation_delete"
    ),
    path("advertising/", SpendListView.as_view(), name="spend_list"),
    path("advertising/new/", SpendFormView.as_view(), name="spend_create"),
    path("advertising/<int:pk>/edit/", SpendFormView.as_view(), name="spend_edit"),
    path("advertising/<int:pk>/delete/", SpendDeleteView.as_view(), name="spend_delete"),
]
