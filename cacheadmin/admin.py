from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from cacheadmin.models import AuditEntry, DeclaredModel, InstanceRole
from cacheadmin.web.access import known_instances


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


class InstanceRoleForm(forms.ModelForm):
    """The instance is one of the configured names: a typo in free text would hide every
    instance from the user. A role saved on a name no longer configured stays (it
    grants nothing) and shows so; it cannot be given anew."""

    instance = forms.ChoiceField(help_text="The instances configured now.")

    class Meta:
        model = InstanceRole
        fields = ["instance", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        configured = known_instances()
        choices = [("", "---------"), *((name, name) for name in configured)]
        saved = self.instance.instance if self.instance.pk else ""
        if saved and saved not in configured:
            choices.append((saved, f"{saved} (no longer configured)"))
        self.fields["instance"].choices = choices


class InstanceRoleInline(admin.TabularInline):
    """Roles per instance: a user with any sees only those instances, with those roles."""

    model = InstanceRole
    form = InstanceRoleForm
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
