"""redis-py clients built from a RedisInstance, the place where its kind is decided: a
standalone server, a Sentinel service's master, or a Redis Cluster (named so, or found
so behind a redis:// URL of one of its nodes).

A malformed URL raises ConfigError when a client is built, so the page that needs it
can say so; start-up never fails because of a service URL.
"""

from urllib.parse import unquote, urlsplit

import redis
import redis.asyncio as aioredis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.cluster import ClusterNode, RedisCluster
from redis.exceptions import RedisClusterException
from redis.retry import Retry
from redis.sentinel import SentinelManagedConnection, SentinelManagedSSLConnection

from cacheadmin.gateways.instances import (
    DEFAULT,
    UNCLEAR_MESSAGE,
    RedisInstance,
    host_list,
    userinfo_unclear,
)
from cacheadmin.gateways.redis_kinds.cluster import ClusterKeyspace
from cacheadmin.gateways.redis_kinds.keyspace import Keyspace
from cacheadmin.gateways.redis_kinds.master_writes import MasterGuard
from cacheadmin.gateways.redis_kinds.sentinels import NewestAsyncSentinel, NewestSentinel
from cacheadmin.gateways.redis_kinds.single import ServerKeyspace


class ConfigError(Exception):
    """A service URL in the settings cannot be used."""


class ServerUnasked(redis.ConnectionError):
    """The server could not be asked what it is (a cluster node or not), or a cluster
    for its slots: .error says why, .keyspace is a plain client's of its (first)
    address, for the message."""

    def __init__(self, error: redis.RedisError, client: redis.Redis):
        super().__init__(str(error))
        self.error, self.keyspace = error, ServerKeyspace(client)


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


def build_keyspace(config: RedisInstance, db: int | None, sentinels=None) -> Keyspace:
    """The keyspace of an instance on a database (None: the one its URL names). A
    Sentinel instance's needs its sentinels (build_sentinels, shared by its databases).
    While the server cannot be asked what it is, ServerUnasked."""
    _clear_userinfo(config)
    if config.kind == "sentinel":
        guard = MasterGuard(sentinels, config.sentinel.service, _master_builder(config, db))
        return ServerKeyspace(_sentinel_master(config, sentinels, db), guard=guard)
    if config.kind == "cluster":
        return _cluster_keyspace(config, db, host_list(config.url))
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
        return _cluster_keyspace(config, db, ((kwargs["host"], kwargs["port"]),))
    return ServerKeyspace(client)


def build_sentinels(config: RedisInstance) -> NewestSentinel | None:
    """The sentinels of a Sentinel instance, one client each; None for another kind."""
    if config.kind != "sentinel":
        return None
    options = _sentinel_options(config) | {"client_name": "cacheadmin", "decode_responses": True}
    return NewestSentinel(list(config.sentinel.sentinels), sentinel_kwargs=options)


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


def _cluster_keyspace(
    config: RedisInstance, db: int | None, nodes: tuple[tuple[str, int], ...]
) -> ClusterKeyspace:
    """A Redis Cluster from some of its nodes; it finds the others. It keeps serving
    what it can while some slots are down. Its nodes all down, or its user refused
    what redis-py asks first (CLUSTER SLOTS, COMMAND): ServerUnasked."""
    options = {"ssl": config.tls, **_credentials(config), **_options(config)}
    try:
        cluster = RedisCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in nodes],
            require_full_coverage=False,
            retry=Retry(NoBackoff(), CLUSTER_RETRIES),
            **options,
        )
    except (redis.RedisError, RedisClusterException) as exc:
        (host, port), *_ = nodes
        raise ServerUnasked(exc, redis.Redis(host=host, port=port, **options)) from None
    return ClusterKeyspace(cluster, database=db)


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


def _sentinel_master(config: RedisInstance, sentinels, db: int | None) -> redis.Redis:
    """The master of a Sentinel service, found again by the sentinels after a failover."""
    address = config.sentinel
    base = SentinelManagedSSLConnection if config.tls else SentinelManagedConnection
    return sentinels.master_for(
        address.service,
        db=address.db if db is None else db,
        connection_class=_no_touch(base),
        **_credentials(config),
        **_options(config),
    )


def _master_builder(config: RedisInstance, db: int | None):
    """build(host, port): a client of the server the sentinels name as the master, for
    writes, which must not go through a pooled link to a master a failover replaced."""
    database = config.sentinel.db if db is None else db

    def build(host: str, port: int) -> redis.Redis:
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

    return build


def live_client(config: RedisInstance) -> aioredis.Redis:
    """A new asyncio client of its own for a live feed (which holds its connection for
    as long as it reads): for a Sentinel service, its master, followed after a failover.
    (A cluster's feeds listen on its nodes: live_node_client.)"""
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


def live_node_client(config: RedisInstance, address: str) -> aioredis.Redis:
    """A new asyncio client of its own of one node of a cluster instance (a feed that
    listens on every primary, or at a sharded channel's primary)."""
    host, _, port = address.rpartition(":")
    options = _live_options(config) | ({"ssl": True} if config.tls else {})
    return aioredis.Redis(host=host, port=int(port), **_credentials(config), **options)


def _live_options(config: RedisInstance) -> dict:
    options = _options(config) | {"client_name": "cacheadmin-live", "socket_keepalive": True}
    # A subscribed connection waits for messages as long as it takes: the feed pings.
    options["socket_timeout"] = None
    return options


def live_sentinel_client(config: RedisInstance, turn: int) -> aioredis.Redis:
    """A new asyncio client of one of a Sentinel instance's sentinels (the turn-th, in a
    round), for a feed of Sentinel's own events."""
    if config.kind != "sentinel":
        raise ConfigError(
            f"The instance {config.name} is not a Sentinel service: it has no sentinels."
        )
    host, port = config.sentinel.sentinels[turn % len(config.sentinel.sentinels)]
    options = _live_options(config)
    if config.tls:
        options["ssl"] = True
    return aioredis.Redis(
        host=host, port=port, password=config.sentinel_password or None, **options
    )
