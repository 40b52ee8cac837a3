"""The two roles: viewers look, operators may also change things.

Roles are Django groups holding the permissions below; superusers have every
permission and so are operators. The groups are made after every migrate by ensure_roles().
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

VIEWER = "viewer"
OPERATOR = "operator"

VIEW_PERMISSION = "cacheadmin.view_dashboard"
OPERATE_PERMISSION = "cacheadmin.operate"

# codename -> the roles (groups) that hold it
ROLE_PERMISSIONS = {
    "view_dashboard": (VIEWER, OPERATOR),
    "operate": (OPERATOR,),
}


def can_view(user: AbstractBaseUser | AnonymousUser) -> bool:
    return user.is_active and user.has_perm(VIEW_PERMISSION)


def can_operate(user: AbstractBaseUser | AnonymousUser) -> bool:
    return user.is_active and user.has_perm(OPERATE_PERMISSION)


def role_name(user: AbstractBaseUser | AnonymousUser) -> str | None:
    if can_operate(user):
        return OPERATOR
    if can_view(user):
        return VIEWER
    return None


def ensure_roles(*, apps=None, **kwargs) -> None:
    """Make the viewer and operator groups hold their permissions; safe to run again.

    Runs after every migrate (and after the test database is flushed), once
    Django has created the permissions of our models.
    """
    from django.apps import apps as global_apps

    apps = apps or global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for codename, roles in ROLE_PERMISSIONS.items():
        permission = Permission.objects.get(content_type__app_label="cacheadmin", codename=codename)
        for role in roles:
            group, _ = Group.objects.get_or_create(name=role)
            group.permissions.add(permission)
