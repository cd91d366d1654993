from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from dealership.models import Brand, DealerGroup, Dealership, GroupMembership, Membership, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = ((None, {"fields": ("name",)}), *BaseUserAdmin.fieldsets)
    list_display = ("username", "name", "email", "is_active", "is_staff")
    search_fields = ("username", "name", "email")


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
