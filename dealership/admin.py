from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from dealership.jobs import forget_holiday_overrides
from dealership.models import (
    Brand,
    DealerGroup,
    Dealership,
    GroupMembership,
    HolidayOverride,
    Membership,
    OemChannel,
    SecurityEvent,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = ((None, {"fields": ("name",)}), *BaseUserAdmin.fieldsets)
    list_display = ("username", "name", "email", "is_active", "is_staff")
    search_fields = ("username", "name", "email")
    actions = ["unlock_logins", "sign_out_everywhere"]

    @admin.action(description=_("Unlock the login (after too many failed attempts)"))
    def unlock_logins(self, request, queryset):
        from dealership.security.services import user_unlock

        for user in queryset:
            user_unlock(actor=request.user, user=user, request=request)
        self.message_user(request, _("Unlocked."))

    @admin.action(description=_("End all sessions and API tokens"))
    def sign_out_everywhere(self, request, queryset):
        from dealership.security.services import user_sign_out_everywhere

        for user in queryset:
            user_sign_out_everywhere(user, actor=request.user, request=request, reason="admin")
        self.message_user(request, _("Signed out everywhere."))


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """The log of logins: read-only."""

    list_display = ("created_at", "kind", "username", "user", "ip_address", "actor", "detail")
    list_filter = ("kind",)
    search_fields = ("username", "ip_address", "user_agent")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# django-axes' failed attempts: deleting them (lifting a lockout) is recorded as an unlock.
if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class RecordedAccessAttemptAdmin(AccessAttemptAdmin):
    def delete_model(self, request, obj):
        self._unlock(request, [obj.username])

    def delete_queryset(self, request, queryset):
        self._unlock(request, set(queryset.values_list("username", flat=True)))

    def _unlock(self, request, usernames):
        from dealership.security.services import user_unlock

        for username in usernames:
            user = User.objects.filter(username=username).first()
            user_unlock(actor=request.user, user=user, username=username or "", request=request)


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "oem_name_zh")


@admin.register(DealerGroup)
class DealerGroupAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en")


@admin.register(Dealership)
class DealershipAdmin(admin.ModelAdmin):
    list_display = ("code", "login_prefix", "name_zh", "brand", "group", "time_zone", "is_active")
    list_filter = ("brand", "group", "is_active")
    search_fields = ("code", "name_zh", "name_en")

    def save_model(self, request, obj, form, change):
        from dealership.services import dealership_initialize

        super().save_model(request, obj, form, change)
        if not change:  # a new dealership starts from the standard org chart
            dealership_initialize(dealership=obj)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "dealership", "is_active")
    list_filter = ("dealership", "is_active")
    raw_id_fields = ("user",)


@admin.register(GroupMembership)
class GroupMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "group", "position_code", "is_active")
    raw_id_fields = ("user",)


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(admin.ModelAdmin):
    """A year's holidays and make-up working days, for a year the installed calendar does not
    cover (or to correct it). The scheduler reads them within a minute."""

    list_display = ["date", "is_working_day", "name"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        forget_holiday_overrides()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        forget_holiday_overrides()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        forget_holiday_overrides()


@admin.register(OemChannel)
class OemChannelAdmin(admin.ModelAdmin):
    """Where each brand's car maker takes the monthly submissions."""

    list_display = ["brand", "kind", "url", "email", "is_active"]
    list_filter = ["kind", "is_active"]
