"""The dashboard's own data is never the target of a mutation: its keys (under
dashboard_keys.PREFIX) wherever they are, and its whole database when DASHBOARD_REDIS_URL
gives it one of its own on the server the dashboard inspects."""

import redis
from django.conf import settings

from cacheadmin.core import dashboard_keys
from cacheadmin.core.problems import BAD_REQUEST, Problem


def _address(url: str) -> tuple[str, int, int] | None:
    try:
        kwargs = redis.ConnectionPool.from_url(url).connection_kwargs
    except ValueError:
        return None
    return (kwargs.get("host", "localhost"), kwargs.get("port", 6379), kwargs.get("db", 0))


def dashboard_database() -> int | None:
    """The database number of the dashboard's own keys when it is apart from REDIS_URL's
    on the same server (a database that holds nothing else); None otherwise."""
    ours, inspected = _address(settings.DASHBOARD_REDIS_URL), _address(settings.REDIS_URL)
    if not ours or not inspected or ours[:2] != inspected[:2] or ours[2] == inspected[2]:
        return None
    return ours[2]


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
