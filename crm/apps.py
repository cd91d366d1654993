from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Customer relations")
    default_auto_field = "django.db.models.BigAutoField"
    url_prefix = "crm"

    def ready(self) -> None:
        from crm import (
            access_rules,
            bench,
            demo,
            demo_intelligence,
            figures,
            kinds,
            navigation,
            notifications,
        )
        from crm import desk as service_desk
        from crm.models import ContactCheck
        from crm.services.surveys import questionnaires_seed
        from dealership.access_cache import register_access_dependency
        from dealership.demo import register_demo_seeder
        from dealership.registry import register_dealership_initializer

        # the menu shows "contact checks" to a consultant once one was sent to them
        # (crm.views.followups._may_view_checks, kept in the access cache)
        register_access_dependency(ContactCheck)

        notifications.register()
        kinds.register()  # the SMS campaign's approval kind
        access_rules.register()
        navigation.register()
        figures.register()
        register_demo_seeder(demo.seed, order=40)
        register_demo_seeder(demo.seed_followups, order=80)  # after sales and after-sales
        register_demo_seeder(demo_intelligence.seed, order=85)  # before the reports (95)
        bench.register()  # manage.py seed_bench
        service_desk.register()  # enquiries, proposals, thank-you letters, customer tiers
        register_dealership_initializer(questionnaires_seed)  # default SSI / CSI questionnaires
        from crm import demo_targets

        demo_targets.register()  # data checks and SSI/CSI targets: demo and bench data
        from crm import demo_marketing

        demo_marketing.register()  # marketing's demo and bench data
        from crm import search

        search.register()  # what the top bar's search finds (dealership.search)
