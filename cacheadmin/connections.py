"""Redis and RabbitMQ clients, built once from settings; the one place that builds them.

A malformed URL raises ConfigError when a client is first asked for, so the page
that needs it can say so; start-up never fails because of a service URL.
"""

from functools import cache

import redis
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from cacheadmin.rabbit.management import ManagementClient, ManagementError


class ConfigError(Exception):
    """A service URL in the settings cannot be used."""


@cache
def redis_client() -> redis.Redis:
    """The client for the Redis server the dashboard inspects (REDIS_URL)."""
    try:
        return redis.Redis.from_url(
            settings.REDIS_URL,
            socket_timeout=settings.REDIS_TIMEOUT,
            socket_connect_timeout=settings.REDIS_TIMEOUT,
            client_name="cacheadmin",
        )
    except ValueError as exc:
        raise ConfigError(f"REDIS_URL is not a valid Redis URL: {exc}") from None


@cache
def rabbit_management() -> ManagementClient:
    """The client for the RabbitMQ management HTTP API (RABBITMQ_MANAGEMENT_URL)."""
    try:
        return ManagementClient.from_url(
            settings.RABBITMQ_MANAGEMENT_URL, timeout=settings.RABBITMQ_TIMEOUT
        )
    except ManagementError as exc:
        raise ConfigError(f"RABBITMQ_MANAGEMENT_URL {exc}") from None


def reset() -> None:
    """Forget the clients, so the next call builds them from the current settings."""
    for built in (redis_client, rabbit_management):
        if built.cache_info().currsize:
            client = built()
            client.close()
        built.cache_clear()


@receiver(setting_changed)
def _settings_changed(setting: str, **kwargs) -> None:
    if setting.startswith(("REDIS_", "RABBITMQ_")):
        reset()
