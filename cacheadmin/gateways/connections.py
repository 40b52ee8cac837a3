"""Redis and RabbitMQ clients, one per instance, built once from settings; the one
place that builds them.

A malformed URL raises ConfigError when a client is first asked for, so the page
that needs it can say so; start-up never fails because of a service URL.
"""

import os
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
import redis.asyncio as aioredis
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from redis.backoff import NoBackoff
from redis.cluster import ClusterNode, RedisCluster
from redis.exceptions import RedisClusterException
from redis.retry import Retry
from redis.sentinel import Sentinel, SentinelManagedConnection, SentinelManagedSSLConnection

from cacheadmin.gateways.instances import (
    DEFAULT,
    UNCLEAR_MESSAGE,
    Instances,
    RabbitInstance,
    RedisInstance,
    host_list,
    load_instances,
    userinfo_unclear,
)
from cacheadmin.gateways.rabbit_management import ManagementClient, ManagementError
from cacheadmin.gateways.sentinels import NewestAsyncSentinel, NewestSentinel
from cacheadmin.gateways.shared_answers import SharedAnswers


class ConfigError(Exception):
    """A service URL in the settings cannot be used."""


class ServerUnasked(redis.ConnectionError):
    """The server could not be asked what it is (a cluster node or not), or a cluster
    for its slots: .error says why, .client is a plain client of its (first) address,
    for the message."""

    def __init__(self, error: redis.RedisError, client: redis.Redis):
        super().__init__(str(error))
        self.error, self.client = error, client


class UnknownInstance(ConfigError):
    """No instance of that name (or it has a mistake, said by check_instances)."""


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


def instances() -> Instances:
    """The configured instances: `default` from REDIS_URL and RABBITMQ_URL, and those of
    the CACHEADMIN_INSTANCES file, read once."""
    return _shared("instances", _load_instances)


def redis_instance(name: str) -> RedisInstance:
    try:
        return instances().redis[name]
    except KeyError:
        raise UnknownInstance(f"There is no Redis instance named {name!r}.") from None


def rabbit_instance(name: str) -> RabbitInstance:
    try:
        return instances().rabbitmq[name]
    except KeyError:
        raise UnknownInstance(f"There is no RabbitMQ instance named {name!r}.") from None


def redis_client(db: int | None = None, *, instance: str = DEFAULT) -> redis.Redis:
    """The client for a Redis instance, on a database (default: the one its URL names):
    a RedisCluster for a cluster, named so or found so. Built outside the lock, since
    finding out may wait for a server; while that server cannot be asked, ServerUnasked,
    and nothing is kept: the next call asks again."""
    config, name = redis_instance(instance), f"redis:{instance}:{db}"
    with _lock:
        if name in _clients:
            return _clients[name]
    client = _build_redis(config, db)
    with _lock:
        kept = _clients.setdefault(name, client)
    if kept is not client:
        client.close()
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


def rabbit_management(*, instance: str = DEFAULT) -> ManagementClient:
    """The client for a RabbitMQ instance's management HTTP API."""
    config = rabbit_instance(instance)
    return _shared(f"rabbit_management:{instance}", lambda: _build_rabbit_management(config))


def _load_instances() -> Instances:
    defaults = {
        name: getattr(settings, name)
        for name in ("REDIS_URL", "RABBITMQ_URL", "RABBITMQ_MANAGEMENT_URL")
    }
    path = settings.CACHEADMIN_INSTANCES or None
    return load_instances(path=path, environ=os.environ, defaults=defaults)


def _url_name(config: RedisInstance) -> str:
    """How messages name an instance's URL (never the URL: it may hold a password)."""
    return "REDIS_URL" if config.name == DEFAULT else f"The url of the instance {config.name}"


def _database_in(config: RedisInstance) -> None:
    """redis-py reads redis://host/notadb as database 0: say it is wrong instead."""
    try:
        parts = urlsplit(config.url)
    except ValueError:
        return  # from_url says what is wrong with the URL
    if parts.scheme not in ("redis", "rediss"):
        return  # unix:// names a socket path, and its database in the query
    path = unquote(parts.path).strip("/")
    if path and not (path.isascii() and path.isdigit()):
        raise ConfigError(
            f"{_url_name(config)} names the database {path!r}: a database is a number "
            "(redis://host:port/0)."
        )


def _options(config: RedisInstance) -> dict:
    """Timeouts, our name, and TLS for rediss://."""
    options = {
        "socket_timeout": settings.REDIS_TIMEOUT,
        "socket_connect_timeout": settings.REDIS_TIMEOUT,
        "client_name": "cacheadmin",
    }
    if config.tls:
        options |= {
            "ssl_ca_certs": config.ca_file or None,
            "ssl_certfile": config.cert_file or None,
            "ssl_keyfile": config.key_file or None,
            "ssl_cert_reqs": config.ssl_cert_reqs,
        }
    return options


def _no_touch(base: type) -> type:
    return type(f"NoTouch{base.__name__}", (NoTouchMixin, base), {})


def _clear_userinfo(config: RedisInstance) -> None:
    if userinfo_unclear(config.url):
        raise ConfigError(f"{_url_name(config)} {UNCLEAR_MESSAGE}.")


def _build_redis(config: RedisInstance, db: int | None) -> redis.Redis:
    _clear_userinfo(config)
    if config.kind == "sentinel":
        return _build_sentinel_master(config, db)
    if config.kind == "cluster":
        return _build_cluster(config, host_list(config.url))
    _database_in(config)
    try:
        pool = redis.ConnectionPool.from_url(config.url, **_options(config))
    except ValueError as exc:
        raise ConfigError(f"{_url_name(config)} is not a valid Redis URL: {exc}") from None
    if db is not None:
        pool.connection_kwargs["db"] = db
    pool.connection_class = _no_touch(pool.connection_class)
    client = redis.Redis(connection_pool=pool)
    if _is_cluster_node(client):  # a redis:// URL of one node of a cluster: that cluster
        client.close()
        kwargs = pool.connection_kwargs
        return _build_cluster(config, ((kwargs["host"], kwargs["port"]),))
    return client


def _is_cluster_node(client: redis.Redis) -> bool:
    """INFO says cluster_enabled. A user who may not run INFO is taken for a standalone
    server; a server that cannot be asked is ServerUnasked."""
    if "path" in client.connection_pool.connection_kwargs:
        return False  # a unix socket
    try:
        return bool(client.info("cluster").get("cluster_enabled"))
    except redis.ResponseError:
        return False
    except redis.RedisError as exc:
        raise ServerUnasked(exc, client) from None


# A question to a cluster is asked once: redis-py's default asks three times more,
# which costs a dead or hung primary four timeouts a question (with the slots learned
# again each time), and may do a write twice. On a failure redis-py learns the slots
# again, so the next question goes to the replica that took over; the pages that read
# every primary ask again themselves, once (cluster_scan.on_owner).
CLUSTER_RETRIES = 0


def _build_cluster(config: RedisInstance, nodes: tuple[tuple[str, int], ...]) -> RedisCluster:
    """A Redis Cluster from some of its nodes; it finds the others. It keeps serving
    what it can while some slots are down. Its nodes all down, or its user refused
    what redis-py asks first (CLUSTER SLOTS, COMMAND): ServerUnasked."""
    options = {"ssl": config.tls, **_credentials(config), **_options(config)}
    try:
        return RedisCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in nodes],
            require_full_coverage=False,
            retry=Retry(NoBackoff(), CLUSTER_RETRIES),
            **options,
        )
    except (redis.RedisError, RedisClusterException) as exc:
        (host, port), *_ = nodes
        raise ServerUnasked(exc, redis.Redis(host=host, port=port, **options)) from None


def _credentials(config: RedisInstance) -> dict:
    """The data nodes' user and password, from a URL that lists several hosts (which
    redis-py cannot read itself)."""
    parts = urlsplit(config.url)
    return {
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
    }


def _sentinel_options(config: RedisInstance) -> dict:
    """How to reach the sentinels themselves: their own password, our timeouts, TLS."""
    options = _options(config)
    return {
        "socket_timeout": settings.REDIS_TIMEOUT,
        "socket_connect_timeout": settings.REDIS_TIMEOUT,
        "password": config.sentinel_password or None,
        **{name: value for name, value in options.items() if name.startswith("ssl")},
        **({"ssl": True} if config.tls else {}),
    }


def cluster_node_client(cluster: RedisCluster, address: str) -> redis.Redis:
    """A client of one node of a cluster (a replica too), with the cluster's credentials
    and TLS, kept like the others. It does not retry (redis-py's default tries a node
    that refuses connections ten times, for 3.5 s): its callers say the node is down."""
    host, _, port = address.rpartition(":")
    kwargs = dict(cluster.nodes_manager.connection_kwargs)
    return _shared(
        f"cluster-node:{id(cluster)}:{address}",
        lambda: redis.Redis(host=host, port=int(port), retry=Retry(NoBackoff(), 0), **kwargs),
    )


def sentinel_manager(instance: str) -> Sentinel:
    """The sentinels of a Sentinel instance, one client each (redis-py's Sentinel)."""
    config = redis_instance(instance)
    if config.kind != "sentinel":
        raise ConfigError(f"The instance {instance} is not a Sentinel service.")
    return _shared(f"sentinel:{instance}", lambda: _build_sentinel(config))


def _build_sentinel(config: RedisInstance) -> Sentinel:
    options = _sentinel_options(config) | {"client_name": "cacheadmin", "decode_responses": True}
    return NewestSentinel(list(config.sentinel.sentinels), sentinel_kwargs=options)


def _build_sentinel_master(config: RedisInstance, db: int | None) -> redis.Redis:
    """The master of a Sentinel service, found again by the sentinels after a failover."""
    address = config.sentinel
    base = SentinelManagedSSLConnection if config.tls else SentinelManagedConnection
    return sentinel_manager(config.name).master_for(
        address.service,
        db=address.db if db is None else db,
        connection_class=_no_touch(base),
        **_credentials(config),
        **_options(config),
    )


def has_sentinels(instance: str) -> bool:
    """Whether an instance's Redis is a Sentinel service: its writes are guarded, and
    its sentinels' own events can be listened to."""
    try:
        return redis_instance(instance).kind == "sentinel"
    except ConfigError:
        return False


def sentinel_master_at(instance: str, db: int | None, address: tuple[str, int]) -> redis.Redis:
    """A client of the server at address, which the sentinels of a Sentinel instance
    name as its master: for writes, which must not go through a pooled link to a master
    that a failover has replaced. One per address (a set has few servers)."""
    config = redis_instance(instance)
    host, port = address
    database = config.sentinel.db if db is None else db

    def build() -> redis.Redis:
        base = redis.SSLConnection if config.tls else redis.Connection
        pool = redis.ConnectionPool(
            connection_class=_no_touch(base),
            host=host,
            port=port,
            db=database,
            **_credentials(config),
            **_options(config),
        )
        return redis.Redis(connection_pool=pool)

    return _shared(f"sentinel-master:{instance}:{database}:{host}:{port}", build)


def live_redis_client(instance: str) -> aioredis.Redis:
    """A new asyncio client of its own for a live feed (which holds its connection for
    as long as it reads): for a Sentinel service, its master, followed after a failover."""
    config = redis_instance(instance)  # a cluster's feeds listen on nodes: live_node_client
    _clear_userinfo(config)
    options = _live_options(config)
    if config.kind != "sentinel":
        _database_in(config)
        try:
            return aioredis.Redis.from_url(config.url, **options)
        except ValueError as exc:
            raise ConfigError(f"{_url_name(config)} is not a valid Redis URL: {exc}") from None
    address = config.sentinel
    watchers = _sentinel_options(config)
    sentinels = NewestAsyncSentinel(list(address.sentinels), sentinel_kwargs=watchers)
    return sentinels.master_for(
        address.service, db=address.db, ssl=config.tls, **_credentials(config), **options
    )


def live_node_client(instance: str, address: str) -> aioredis.Redis:
    """A new asyncio client of its own of one node of a cluster instance (a feed that
    listens on every primary, or at a sharded channel's primary)."""
    config = redis_instance(instance)
    host, _, port = address.rpartition(":")
    options = _live_options(config) | ({"ssl": True} if config.tls else {})
    return aioredis.Redis(host=host, port=int(port), **_credentials(config), **options)


def _live_options(config: RedisInstance) -> dict:
    options = _options(config) | {"client_name": "cacheadmin-live", "socket_keepalive": True}
    # A subscribed connection waits for messages as long as it takes: the feed pings.
    options["socket_timeout"] = None
    return options


def live_sentinel_client(instance: str, turn: int) -> aioredis.Redis:
    """A new asyncio client of one of a Sentinel instance's sentinels (the turn-th, in a
    round), for a feed of Sentinel's own events."""
    config = redis_instance(instance)
    if config.kind != "sentinel":
        raise ConfigError(
            f"The instance {instance} is not a Sentinel service: it has no sentinels."
        )
    host, port = config.sentinel.sentinels[turn % len(config.sentinel.sentinels)]
    options = _live_options(config)
    if config.tls:
        options["ssl"] = True
    return aioredis.Redis(
        host=host, port=port, password=config.sentinel_password or None, **options
    )


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
