"""The dashboard's own data is never the target of a mutation: its keys (under
dashboard_keys.PREFIX) wherever they are, and its whole database when DASHBOARD_REDIS_URL
gives it one of its own on the server the dashboard inspects."""

import redis
from django.conf import settings

from cacheadmin.core import dashboard_keys
from cacheadmin.core.problems import BAD_REQUEST, Problem


def _database(url: str) -> int | None:
    try:
        return redis.ConnectionPool.from_url(url).connection_kwargs.get("db", 0)
    except ValueError:
        return None


def _run_id(url: str) -> str | None:
    """The server's run_id: one per server process, whatever name or socket reaches it."""
    try:
        client = redis.Redis.from_url(
            url,
            socket_timeout=settings.REDIS_TIMEOUT,
            socket_connect_timeout=settings.REDIS_TIMEOUT,
        )
    except ValueError:
        return None
    try:
        return client.info("server").get("run_id")
    except redis.RedisError:
        return None
    finally:
        client.close()


_same_server: dict[tuple[str, str], bool] = {}


def same_server(first: str, second: str) -> bool:
    """Whether two URLs reach one server (localhost and 127.0.0.1 do); asked once per
    pair, or again while either server cannot be asked."""
    if (first, second) not in _same_server:
        ids = _run_id(first), _run_id(second)
        if None in ids:
            return False  # the mutation itself will fail on a server it cannot reach
        _same_server[first, second] = ids[0] == ids[1]
    return _same_server[first, second]


def dashboard_database() -> int | None:
    """The database number of the dashboard's own keys when it is apart from REDIS_URL's
    on the same server (a database that holds nothing else); None otherwise."""
    ours, inspected = _database(settings.DASHBOARD_REDIS_URL), _database(settings.REDIS_URL)
    if ours is None or inspected is None or ours == inspected:
        return None
    return ours if same_server(settings.DASHBOARD_REDIS_URL, settings.REDIS_URL) else None


def mutation_refusal(*, key: bytes | None = None, db: int | None = None) -> Problem | None:
    """Why this key (in this database; None: REDIS_URL's) may not be changed, if so."""
    if key is not None and dashboard_keys.is_dashboard_key(key):
        return Problem(
            BAD_REQUEST,
            f"Keys under {dashboard_keys.PREFIX} are the dashboard's own: "
            "they cannot be changed from the dashboard.",
        )
    if db is not None and db == dashboard_database():
        return Problem(
            BAD_REQUEST,
            f"Database {db} holds the dashboard's own keys (DASHBOARD_REDIS_URL): "
            "nothing in it can be changed from the dashboard.",
        )
    return None
