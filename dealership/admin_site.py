"""The Django admin is for the platform's superusers only (staff flags grant nothing there);
its login goes through the same lockout as the other logins."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class SuperuserAdminSite(admin.AdminSite):
    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser


class PlatformAdminConfig(AdminConfig):
    default_site = "dealership.admin_site.SuperuserAdminSite"
