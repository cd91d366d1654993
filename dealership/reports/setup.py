"""What the report framework plugs into the platform at start-up (called from
``PlatformConfig.ready()``): its notification kinds and the apps' ``reports.py`` modules."""

from __future__ import annotations

from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

from dealership.notifications.kinds import Email, NotificationKind, register_kind
from dealership.reports.registry import set_scheduled_run
from dealership.reports.services import report_run_scheduled

REPORT_READY = NotificationKind(
    "platform.report_ready",
    _("A report is ready"),
    description=_("A scheduled report you receive (daily, weekly, monthly) has been generated."),
    email=Email.EACH,
)
REPORT_FAILED = NotificationKind(
    "platform.report_failed",
    _("A report failed"),
    description=_("A report you own could not be generated or submitted to the car maker."),
    email=Email.EACH,
    wecom=True,
)


def register() -> None:
    from dealership.registry import NavItem, register_nav
    from dealership.reports.hq_views import hq_nav_visible
    from dealership.reports.views import reports_nav_visible

    register_nav(
        NavItem(
            "reports", _("Reports"), "platform:report_list", order=800, visible=reports_nav_visible
        )
    )
    register_nav(
        NavItem(
            "group_reports",
            _("Group reports"),
            "platform:hq_matrix",
            order=801,
            visible=hq_nav_visible,
        )
    )
    from dealership.demo import register_demo_seeder
    from dealership.reports.demo import seed_reports

    register_demo_seeder(seed_reports, order=95)  # after every app's records
    register_kind(REPORT_READY)
    register_kind(REPORT_FAILED)
    set_scheduled_run(report_run_scheduled)  # before the apps' reports add their jobs
    autodiscover_modules("reports")
