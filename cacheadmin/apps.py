from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.urls import register_converter


class CacheadminConfig(AppConfig):
    name = "cacheadmin"
    verbose_name = "cacheadmin"

    def ready(self) -> None:
        # Registers the receivers: clients rebuilt when settings change, lockouts audited.
        from cacheadmin.accounts import lockouts  # noqa: F401
        from cacheadmin.gateways import connections  # noqa: F401
        from cacheadmin.web.converters import KeyConverter
        from cacheadmin.web.roles import ensure_roles

        # Before any URLconf is loaded: the packages' URLs use <key:...>.
        register_converter(KeyConverter, "key")
        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="cacheadmin.ensure_roles")
