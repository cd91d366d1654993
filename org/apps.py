from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = _("Org chart")
    default_auto_field = "django.db.models.BigAutoField"
    url_prefix = "org"

    def ready(self) -> None:
        from dealership.access_cache import register_access_dependency
        from dealership.demo import register_demo_seeder
        from dealership.policies import set_default_policy
        from dealership.registry import register_access_gate, register_dealership_initializer
        from dealership.security.audience import register_security_audience
        from org import access_rules, audit, bench, demo, navigation, notifications, report_access
        from org.access import PositionPolicy, has_active_position
        from org.approvals import setup as approvals_setup
        from org.office import bench as office_bench
        from org.office import demo as office_demo
        from org.office import navigation as office_navigation
        from org.office import notifications as office_notifications
        from org.office import setup as office_setup
        from org.security import login_event_audience
        from org.services import org_chart_apply_template

        # Positions decide access to every tenant model from now on (fail closed: a model that
        # declares no access rules is open to system code only).
        set_default_policy(PositionPolicy())
        access_rules.register()
        from org.models import Position, PositionAssignment, PositionCapability, StaffMember

        # a user's grants (org.access.compute_user_access) are read from these, then cached
        register_access_dependency(StaffMember, Position, PositionAssignment, PositionCapability)
        report_access.register()
        audit.register()
        notifications.register()
        register_dealership_initializer(org_chart_apply_template)
        approvals_setup.register()  # after the chart: chains name its positions
        # the admin office: notices, meetings, training, the rota
        office_setup.register()
        office_notifications.register()
        office_navigation.register()
        register_demo_seeder(office_demo.seed_office, order=40)
        office_bench.register()
        register_demo_seeder(demo.seed_staff, order=10)
        register_demo_seeder(demo.seed_notifications, order=90)
        bench.register()  # the staff of bench dealerships (manage.py seed_bench)
        navigation.register()
        register_access_gate(has_active_position)
        register_security_audience(login_event_audience)
