"""Redis and RabbitMQ clients, one per instance, built once from settings and kept:
an instance's Redis as a Keyspace (redis_kinds decides its kind), its RabbitMQ as a
management client.

A malformed URL raises ConfigError when a client is first asked for, so the page
that needs it can say so; start-up never fails because of a service URL.
"""

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from cacheadmin.gateways.instances import (
    DEFAULT,
    Instances,
    RabbitInstance,
    RedisInstance,
    load_instances,
)
from cacheadmin.gateways.known_answers import KnownAnswers
from cacheadmin.gateways.rabbit_management import ManagementClient, ManagementError
from cacheadmin.gateways.redis_kinds import clients
from cacheadmin.gateways.redis_kinds.clients import ConfigError, ServerUnasked
from cacheadmin.gateways.redis_kinds.keyspace import Keyspace
from cacheadmin.gateways.shared_answers import SharedAnswers

__all__ = ["ConfigError", "ServerUnasked", "UnknownInstance"]


class UnknownInstance(ConfigError):
    """No instance of that name (or it has a mistake, said by check_instances)."""


_lock = threading.Lock()
_clients: dict[str, Any] = {}


REDIS_ANSWER_SECONDS = 5.0


def _shared(name: str, build: Callable[[], Any]) -> Any:
    """One client per process, built by the first thread that asks for it."""
    with _lock:
        if name not in _clients:
            _clients[name] = build()
        return _clients[name]


def instances() -> Instances:
    """The configured instances: `default` from REDIS_URL and RABBITMQ_URL, and those of
    the CACHEADMIN_INSTANCES file, read once."""
    return _shared("instances", _load_instances)


@dataclass(frozen=True)
class Instance:
    """An instance as an entry point (a request, a socket message, a job) resolved it,
    once: its name, its Redis and its RabbitMQ as configured (None where it has none:
    an unknown name has neither). Its clients are asked of it, never by name again."""

    name: str
    redis: RedisInstance | None = None
    rabbitmq: RabbitInstance | None = None

    def __str__(self) -> str:
        return self.name

    @property
    def known(self) -> bool:
        return self.redis is not None or self.rabbitmq is not None

    def redis_config(self) -> RedisInstance:
        if self.redis is None:
            raise UnknownInstance(f"There is no Redis instance named {self.name!r}.")
        return self.redis

    def rabbit_config(self) -> RabbitInstance:
        if self.rabbitmq is None:
            raise UnknownInstance(f"There is no RabbitMQ instance named {self.name!r}.")
        return self.rabbitmq


def instance(name: str = DEFAULT) -> Instance:
    """The instance of that name, as configured now (an unknown name has no services)."""
    configured = instances()
    return Instance(name, configured.redis.get(name), configured.rabbitmq.get(name))


def keyspace(instance: Instance, db: int | None = None) -> Keyspace:
    """The keyspace of an instance's Redis on a database (default: the one its URL
    names). Built outside the lock, since finding out its kind may wait for a server;
    while that server cannot be asked, ServerUnasked, and nothing is kept: the next
    call asks again."""
    config, name = instance.redis_config(), f"redis:{instance.name}:{db}"
    with _lock:
        if name in _clients:
            return _clients[name]
    space = clients.build_keyspace(config, db, sentinel_manager(instance))
    with _lock:
        kept = _clients.setdefault(name, space)
    if kept is not space:
        space.close()
    return kept


def redis_answers() -> SharedAnswers:
    """Redis answers that cost the server (PUBSUB CHANNELS walks every channel),
    shared by every viewer for a few seconds."""
    return _shared("redis_answers", lambda: SharedAnswers(seconds=REDIS_ANSWER_SECONDS))


def rabbit_answers() -> SharedAnswers:
    """Management API answers shared by every viewer for a statistics interval."""
    return _shared(
        "rabbit_answers", lambda: SharedAnswers(seconds=settings.RABBITMQ_STATS_INTERVAL)
    )


def known_answers() -> KnownAnswers:
    """The last known state of the overviews' questions, in this process."""
    return _shared("known_answers", KnownAnswers)


def rabbit_management(instance: Instance) -> ManagementClient:
    """The client for a RabbitMQ instance's management HTTP API."""
    config = instance.rabbit_config()
    return _shared(f"rabbit_management:{instance.name}", lambda: _build_rabbit_management(config))


def _load_instances() -> Instances:
    defaults = {
        name: getattr(settings, name)
        for name in ("REDIS_URL", "RABBITMQ_URL", "RABBITMQ_MANAGEMENT_URL")
    }
    path = settings.CACHEADMIN_INSTANCES or None
    return load_instances(path=path, environ=os.environ, defaults=defaults)


def sentinel_manager(instance: Instance):
    """The sentinels of a Sentinel instance, one client each (redis-py's Sentinel);
    None for another kind."""
    config = instance.redis_config()
    return _shared(f"sentinel:{instance.name}", lambda: clients.build_sentinels(config))


def has_sentinels(instance: Instance) -> bool:
    """Whether an instance's Redis is a Sentinel service: its sentinels' own events
    can be listened to."""
    try:
        return sentinel_manager(instance) is not None
    except ConfigError:
        return False


def live_redis_client(instance: Instance) -> aioredis.Redis:
    """A new asyncio client of its own for a live feed (see clients.live_client)."""
    return clients.live_client(instance.redis_config())


def live_node_client(instance: Instance, address: str) -> aioredis.Redis:
    """A new asyncio client of its own of one node of a cluster instance."""
    return clients.live_node_client(instance.redis_config(), address)


def live_sentinel_client(instance: Instance, turn: int) -> aioredis.Redis:
    """A new asyncio client of one of a Sentinel instance's sentinels, the turn-th."""
    return clients.live_sentinel_client(instance.redis_config(), turn)


def _build_rabbit_management(config: RabbitInstance) -> ManagementClient:
    named = config.named("management_url")
    try:
        return ManagementClient.from_url(
            config.management_url,
            timeout=settings.RABBITMQ_TIMEOUT,
            ca_file=config.ca_file,
            named=named,
            vhost=config.vhost,
        )
    except ManagementError as exc:
        raise ConfigError(f"{named[:1].upper()}{named[1:]} {exc}") from None


def reset() -> None:
    """Close and forget the clients; the next call builds them from the current settings.

    Only for a change of settings (tests): a request still using a client fails.
    """
    with _lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        if hasattr(client, "close"):  # not the instances read from the settings
            client.close()


@receiver(setting_changed)
def _settings_changed(setting: str, **kwargs) -> None:
    if setting.startswith(("REDIS_", "RABBITMQ_", "CACHEADMIN_INSTANCES")):
        reset()
