"""Redis and RabbitMQ clients, built once from settings; the one place that builds them.

A malformed URL raises ConfigError when a client is first asked for, so the page
that needs it can say so; start-up never fails because of a service URL.
"""

import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from cacheadmin.core.rabbit_management import ManagementClient, ManagementError
from cacheadmin.core.shared_answers import SharedAnswers


class ConfigError(Exception):
    """A service URL in the settings cannot be used."""


class NoTouchMixin:
    """Asks Redis (7.2+) not to count the dashboard's reads as accesses, so browsing
    does not change which keys eviction picks. Older servers refuse the command: then
    it is not asked again for this pool's connections."""

    refused = False

    def on_connect(self) -> None:
        super().on_connect()
        if type(self).refused:
            return
        try:
            self.send_command("CLIENT", "NO-TOUCH", "ON")
            self.read_response()
        except redis.ResponseError:
            type(self).refused = True


_lock = threading.Lock()
_clients: dict[str, Any] = {}


REDIS_ANSWER_SECONDS = 5.0


def _shared(name: str, build: Callable[[], Any]) -> Any:
    """One client per process, built by the first thread that asks for it."""
    with _lock:
        if name not in _clients:
            _clients[name] = build()
        return _clients[name]


def redis_client(db: int | None = None) -> redis.Redis:
    """The client for the Redis server the dashboard inspects (REDIS_URL), on a database
    (default: the one REDIS_URL names)."""
    return _shared(f"redis:{db}", lambda: _build_redis(db))


def redis_answers() -> SharedAnswers:
    """Redis answers that cost the server (PUBSUB CHANNELS walks every channel),
    shared by every viewer for a few seconds."""
    return _shared("redis_answers", lambda: SharedAnswers(seconds=REDIS_ANSWER_SECONDS))


def rabbit_answers() -> SharedAnswers:
    """Management API answers shared by every viewer for a statistics interval."""
    return _shared(
        "rabbit_answers", lambda: SharedAnswers(seconds=settings.RABBITMQ_STATS_INTERVAL)
    )


def rabbit_management() -> ManagementClient:
    """The client for the RabbitMQ management HTTP API (RABBITMQ_MANAGEMENT_URL)."""
    return _shared("rabbit_management", _build_rabbit_management)


def _database_in(url: str) -> None:
    """redis-py reads redis://host/notadb as database 0: say it is wrong instead."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return  # from_url says what is wrong with the URL
    if parts.scheme not in ("redis", "rediss"):
        return  # unix:// names a socket path, and its database in the query
    path = unquote(parts.path).strip("/")
    if path and not (path.isascii() and path.isdigit()):
        raise ConfigError(
            f"REDIS_URL names the database {path!r}: a database is a number (redis://host:port/0)."
        )


def _build_redis(db: int | None) -> redis.Redis:
    _database_in(settings.REDIS_URL)
    try:
        pool = redis.ConnectionPool.from_url(
            settings.REDIS_URL,
            socket_timeout=settings.REDIS_TIMEOUT,
            socket_connect_timeout=settings.REDIS_TIMEOUT,
            client_name="cacheadmin",
        )
    except ValueError as exc:
        raise ConfigError(f"REDIS_URL is not a valid Redis URL: {exc}") from None
    if db is not None:
        pool.connection_kwargs["db"] = db
    base = pool.connection_class
    pool.connection_class = type(f"NoTouch{base.__name__}", (NoTouchMixin, base), {})
    return redis.Redis(connection_pool=pool)


def _build_rabbit_management() -> ManagementClient:
    try:
        return ManagementClient.from_url(
            settings.RABBITMQ_MANAGEMENT_URL, timeout=settings.RABBITMQ_TIMEOUT
        )
    except ManagementError as exc:
        raise ConfigError(f"RABBITMQ_MANAGEMENT_URL {exc}") from None


def reset() -> None:
    """Close and forget the clients; the next call builds them from the current settings.

    Only for a change of settings (tests): a request still using a client fails.
    """
    with _lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()


@receiver(setting_changed)
def _settings_changed(setting: str, **kwargs) -> None:
    if setting.startswith(("REDIS_", "RABBITMQ_")):
        reset()
