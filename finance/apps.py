from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("Finance")
    default_auto_field = "django.db.models.BigAutoField"
    url_prefix = "finance"

    def ready(self) -> None:
        from dealership.demo import register_demo_seeder
        from finance import access_rules, bench, demo, kinds, navigation

        kinds.register()
        access_rules.register()
        navigation.register()
        register_demo_seeder(demo.seed, order=50)
        bench.register()  # manage.py seed_bench
