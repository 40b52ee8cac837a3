"""The dashboard's own data is never the target of a mutation: its keys (under
dashboard_keys.PREFIX) wherever they are, and its whole database when DASHBOARD_REDIS_URL
gives it one of its own on the server the dashboard inspects."""

import redis
from django.conf import settings

from cacheadmin.gateways import connections, dashboard_keys
from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.problems import BAD_REQUEST, TIMEOUT, UNREACHABLE, Problem
from cacheadmin.gateways.service_calls import call_redis


def _run_id(client: redis.Redis) -> str | None:
    """The server's run_id: one per server process, whatever name or socket reaches it."""
    try:
        return client.info("server").get("run_id")
    except redis.RedisError:
        return None


def _dashboard_server() -> tuple[str | None, int | None]:
    """The run_id and database of DASHBOARD_REDIS_URL's server."""
    try:
        client = redis.Redis.from_url(
            settings.DASHBOARD_REDIS_URL,
            socket_timeout=settings.REDIS_TIMEOUT,
            socket_connect_timeout=settings.REDIS_TIMEOUT,
        )
    except ValueError:
        return None, None
    try:
        return _run_id(client), client.connection_pool.connection_kwargs.get("db", 0)
    finally:
        client.close()


def dashboard_database(instance: Instance) -> int | None:
    """The database number of the dashboard's own keys when it is apart from the
    instance's on the instance's server (a database that holds nothing else); None
    otherwise. One server is known by its run_id, whatever name or socket reaches it
    (localhost and 127.0.0.1 are one)."""
    ours, our_db = _dashboard_server()
    try:
        database = connections.keyspace(instance).database
    except (connections.ConfigError, redis.RedisError):
        return None
    if database is None:
        return None  # a cluster's one database: the dashboard's keys are told by their prefix
    if ours is None or our_db == database:
        return None
    theirs, _ = call_redis(lambda space: _run_id(space.client), instance=instance)
    return our_db if ours == theirs else None


def replica_refusal(instance: Instance) -> Problem | None:
    """A replica is read-only here: a change made on it would be lost at the next sync,
    or refused. None when the instance is a master, or does not say (a user who may not
    run INFO: the change itself then says what it lacks). A server that does not answer
    is that problem now: asking again for the change would wait out a second timeout."""
    info, problem = call_redis(lambda space: space.client.info("replication"), instance=instance)
    if problem and problem.kind in (TIMEOUT, UNREACHABLE):
        return problem
    if not info or info.get("role") != "slave":
        return None
    master = f"{info.get('master_host')}:{info.get('master_port')}"
    return Problem(
        BAD_REQUEST,
        f"The instance {instance} is a replica of {master}: the dashboard changes nothing "
        "on a replica. Make the change on its master.",
    )


def mutation_refusal(
    *, instance: Instance, key: bytes | None = None, db: int | None = None
) -> Problem | None:
    """Why this key (in this database; None: the instance's own) may not be changed."""
    if key is not None and dashboard_keys.is_dashboard_key(key):
        return Problem(
            BAD_REQUEST,
            f"Keys under {dashboard_keys.PREFIX} are the dashboard's own: "
            "they cannot be changed from the dashboard.",
        )
    if db is not None and db == dashboard_database(instance):
        return Problem(
            BAD_REQUEST,
            f"Database {db} holds the dashboard's own keys (DASHBOARD_REDIS_URL): "
            "nothing in it can be changed from the dashboard.",
        )
    return replica_refusal(instance)
