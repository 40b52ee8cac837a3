from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CacheadminConfig(AppConfig):
    name = "cacheadmin"
    verbose_name = "cacheadmin"

    def ready(self) -> None:
        # Registers the receiver that rebuilds clients when settings change.
        from cacheadmin import connections  # noqa: F401
        from cacheadmin.roles import ensure_roles

        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="cacheadmin.ensure_roles")
