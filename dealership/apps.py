from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformConfig(AppConfig):
    name = "dealership"
    label = "dealership"
    verbose_name = _("Platform")
    default_auto_field = "django.db.models.BigAutoField"
    # Domain apps set these to have their urls.py / api/urls.py mounted by the platform.
    url_prefix = None

    def ready(self) -> None:
        from django.db.models.signals import post_migrate
        from django.utils.module_loading import autodiscover_modules

        # imported for what they register: the system checks, the tasks (in dealership.queue)
        from dealership import checks, tasks  # noqa: F401
        from dealership.access_cache import invalidate, register_access_dependency
        from dealership.audit import AuditPolicy
        from dealership.exports import setup as exports
        from dealership.models import AuditEntry
        from dealership.navigation import register_platform_entries
        from dealership.notifications import setup as notifications
        from dealership.policies import register_policy
        from dealership.reports import setup as reports
        from dealership.security import setup as security
        from dealership.tenancy.rls import apply_after_migrate

        register_policy(AuditEntry, AuditPolicy())
        from dealership.models import DealerGroup, Dealership, GroupMembership, Membership

        # who works where: the workspaces every request reads from the access cache
        register_access_dependency(DealerGroup, Dealership, Membership, GroupMembership)
        post_migrate.connect(
            lambda **kwargs: invalidate(), weak=False, dispatch_uid="dealership.access_cache"
        )
        notifications.register()
        exports.register()
        register_platform_entries()
        security.register()
        autodiscover_modules("jobs")
        reports.register()  # after the jobs: each report adds its job
        # row-level security on every tenant table, those of models added later included
        post_migrate.connect(apply_after_migrate, sender=self, dispatch_uid="dealership.rls")
