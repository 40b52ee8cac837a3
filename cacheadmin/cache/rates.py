"""Hit rates of an object-cache model: now, from the library's per-minute counters;
minute by minute over the last hour, from the sampler's history of its running totals
(the page asks Redis for no history)."""

import time

import redis

from cacheadmin.monitoring import history
from cacheadmin.monitoring.figures import model_subject
from cacheadmin.objectcache.counters import hit_rates

WINDOWS = {"1m": 1, "15m": 15, "1h": 60}


def model_rates(client: redis.Redis, name: str) -> dict[str, float | None]:
    return hit_rates(client, name, now=time.time(), windows=WINDOWS)


def rate_series(
    instance: str, name: str, *, minutes: int = 60, now: float | None = None
) -> list[dict]:
    """Per-minute lookups and hit rate over the last minutes, oldest first, for a chart:
    the rises of the model's sampled totals in each minute; a minute the sampler did not
    see both ends of has no rate (a grey bar)."""
    now = time.time() if now is None else now
    subject = model_subject(name)

    def risen(figure: str) -> dict[int, float]:
        counts = history.points(
            instance=instance, figure=figure, subject=subject, span=minutes * 60 + 60, now=now
        )
        return {int(at): rise for at, rise in history.per_minute(counts) if rise is not None}

    hits, misses = risen("model.hits"), risen("model.misses")
    this_minute = int(now) // 60 * 60
    series = []
    for back in reversed(range(minutes)):
        minute = this_minute - back * 60
        found, missed = hits.get(minute), misses.get(minute)
        lookups = (found or 0) + (missed or 0)
        known = found is not None and missed is not None
        series.append(
            {
                "ago": back,
                "hits": round(found or 0),
                "misses": round(missed or 0),
                "rate": found / lookups if known and lookups else None,
            }
        )
    return series
