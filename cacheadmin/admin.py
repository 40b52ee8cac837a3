from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from cacheadmin.models import AuditEntry, DeclaredModel, InstanceRole


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "username", "instance", "action", "target", "count", "outcome"]
    list_filter = ["outcome", "instance", "action"]
    search_fields = ["username", "target"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DeclaredModel)
class DeclaredModelAdmin(admin.ModelAdmin):
    list_display = ["name", "instance", "rule", "rule_size", "inverted", "ttl"]
    list_filter = ["instance"]


class InstanceRoleInline(admin.TabularInline):
    """Roles per instance: a user with any sees only those instances, with those roles."""

    model = InstanceRole
    extra = 1
    verbose_name = "role on an instance"
    verbose_name_plural = (
        "roles per instance (when any is given, the user sees only these instances, "
        "and the groups no longer apply)"
    )


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserWithInstanceRolesAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, InstanceRoleInline]
