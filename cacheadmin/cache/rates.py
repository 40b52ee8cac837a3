"""Hit rates of an object-cache model, from the library's per-minute counters."""

import time

import redis

from cacheadmin.objectcache.counters import hit_rates, minute_counts

WINDOWS = {"1m": 1, "15m": 15, "1h": 60}


def model_rates(client: redis.Redis, name: str) -> dict[str, float | None]:
    return hit_rates(client, name, now=time.time(), windows=WINDOWS)


def rate_series(client: redis.Redis, name: str, *, minutes: int = 60) -> list[dict]:
    """Per-minute lookups and hit rate over the last minutes, oldest first, for a chart."""
    counts = minute_counts(client, name, now=time.time(), minutes=minutes)
    series = []
    for back, (hits, misses) in reversed(list(enumerate(counts))):
        lookups = hits + misses
        series.append(
            {
                "ago": back,
                "hits": hits,
                "misses": misses,
                "rate": hits / lookups if lookups else None,
            }
        )
    return series
