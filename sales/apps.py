"""Sales: showroom traffic, leads, test drives, quotes, orders, stock and deliveries.

Builds on: org (positions, approvals), crm (the customer master)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = _("Sales")
    default_auto_field = "django.db.models.BigAutoField"
    url_prefix = "sales"

    def ready(self) -> None:
        from dealership.demo import register_demo_seeder
        from sales import access_rules, bench, demo, figures, kinds, navigation, widgets

        kinds.register()
        access_rules.register()
        navigation.register()
        figures.register()
        widgets.register()
        register_demo_seeder(demo.seed, order=60)
        register_demo_seeder(demo.seed_plans, order=61)
        bench.register()  # manage.py seed_bench
        from sales import search

        search.register()  # what the top bar's search finds (dealership.search)
        from sales import documents

        documents.register()  # what is printed for the customer (dealership.documents)
