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


def instance_roles(user: AbstractBaseUser | AnonymousUser) -> dict[str, str]:
    """The user's roles by instance (InstanceRole), read once per user object."""
    if not user.is_authenticated:
        return {}
    if not hasattr(user, "_instance_roles"):
        rows = user.instance_roles.values_list("instance", "role")
        user._instance_roles = dict(rows)
    return user._instance_roles


def instance_role(user: AbstractBaseUser | AnonymousUser, instance: str) -> str | None:
    """The user's role on an instance: a superuser's is operator; with roles per
    instance, the one given there (none: the instance is hidden); else the group's."""
    if not user.is_active:
        return None
    if user.is_superuser:
        return OPERATOR
    by_instance = instance_roles(user)
    if by_instance:
        return by_instance.get(instance)
    return _group_role(user)


def can_view(user: AbstractBaseUser | AnonymousUser, instance: str | None = None) -> bool:
    """On the instance; with None, on some instance (the dashboard lets them in)."""
    if instance is None:
        return user.is_active and (user.has_perm(VIEW_PERMISSION) or bool(instance_roles(user)))
    return instance_role(user, instance) is not None


def can_operate(user: AbstractBaseUser | AnonymousUser, instance: str) -> bool:
    return instance_role(user, instance) == OPERATOR


role_name = instance_role  # the name the templates' context has always used


def _group_role(user: AbstractBaseUser) -> str | None:
    if user.has_perm(OPERATE_PERMISSION):
        return OPERATOR
    if user.has_perm(VIEW_PERMISSION):
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
