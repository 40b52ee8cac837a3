from django.contrib import admin

from cacheadmin.models import AuditEntry, DeclaredModel


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "username", "action", "target", "count", "outcome"]
    list_filter = ["outcome", "action"]
    search_fields = ["username", "target"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DeclaredModel)
class DeclaredModelAdmin(admin.ModelAdmin):
    list_display = ["name", "rule", "rule_size", "inverted", "ttl"]
