"""After-sales: appointments, check-in and repair orders, the workshop, parts, warranty claims,
roadside rescue and the day's numbers.

Builds on: org (positions), crm (customers, vehicles, the events of the satisfaction call)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    name = "aftersales"
    verbose_name = _("After-sales")
    default_auto_field = "django.db.models.BigAutoField"
    url_prefix = "aftersales"

    def ready(self) -> None:
        from aftersales import access_rules, bench, demo, figures, navigation, widgets
        from dealership.demo import register_demo_seeder

        access_rules.register()
        navigation.register()
        figures.register()
        widgets.register()
        from aftersales import notifications as claims_notifications

        claims_notifications.register()
        register_demo_seeder(demo.seed, order=70)
        register_demo_seeder(demo.seed_targets, order=71)
        bench.register()  # manage.py seed_bench
        from aftersales import search

        search.register()  # what the top bar's search finds (dealership.search)
        from aftersales import documents

        documents.register()  # what is printed for the customer (dealership.documents)
