"""Functions RQ jobs in the tests call: a worker imports them by name."""

import redis


def needs_key(url: str, key: str) -> str:
    """Fails until the key exists: a job that fails, then succeeds when run again."""
    value = redis.Redis.from_url(url).get(key)
    if value is None:
        raise LookupError(f"{key} is not there yet")
    return value.decode()
