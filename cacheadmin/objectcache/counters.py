"""Hit and miss counters per model per minute, batched into the cache's own round trips."""

import threading
import time
from collections import defaultdict
from collections.abc import Callable

import redis

from cacheadmin.objectcache.layout import stats_key, totals_key

KEEP_SECONDS = 2 * 3600  # the longest window shown is an hour


class HitCounter:
    """Counts in memory; flush_into() adds the increments to a pipeline that is about to
    go to Redis anyway, once per flush_every seconds or max_pending lookups."""

    def __init__(
        self,
        *,
        flush_every: float = 1.0,
        max_pending: int = 1000,
        clock: Callable[[], float] = time.time,
    ):
        self.flush_every = flush_every
        self.max_pending = max_pending
        self.clock = clock
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
        self._pending = 0
        self._last_flush = clock()

    def record(self, model: str, *, hits: int = 0, misses: int = 0) -> None:
        minute = int(self.clock() // 60)
        with self._lock:
            counts = self._counts[(model, minute)]
            counts[0] += hits
            counts[1] += misses
            self._pending += hits + misses

    def due(self) -> bool:
        return self._pending >= self.max_pending or (
            self._pending and self.clock() - self._last_flush >= self.flush_every
        )

    def flush_into(self, pipe: redis.client.Pipeline, *, force: bool = False) -> None:
        """Queue the counts on pipe when due (or forced) and forget them here."""
        if not (force or self.due()):
            return
        with self._lock:
            counts, self._counts = self._counts, defaultdict(lambda: [0, 0])
            self._pending = 0
            self._last_flush = self.clock()
        for (model, minute), (hits, misses) in counts.items():
            for key in (stats_key(model, minute), totals_key(model)):
                if hits:
                    pipe.hincrby(key, "hits", hits)
                if misses:
                    pipe.hincrby(key, "misses", misses)
            pipe.expire(stats_key(model, minute), KEEP_SECONDS)


def minute_counts(
    client: redis.Redis, model: str, *, now: float, minutes: int
) -> list[tuple[int, int]]:
    """(hits, misses) of each of the last minutes, newest first. One round trip."""
    minute = int(now // 60)
    with client.pipeline(transaction=False) as pipe:
        for back in range(minutes):
            pipe.hmget(stats_key(model, minute - back), "hits", "misses")
        return [(int(h or 0), int(m or 0)) for h, m in pipe.execute()]


def hit_rates(
    client: redis.Redis, model: str, *, now: float, windows: dict[str, int]
) -> dict[str, float | None]:
    """Hits over lookups in each trailing window of minutes (the current one included);
    None for a window with no lookups. One round trip."""
    per_minute = minute_counts(client, model, now=now, minutes=max(windows.values()))
    rates = {}
    for name, size in windows.items():
        hits = sum(h for h, _ in per_minute[:size])
        lookups = hits + sum(m for _, m in per_minute[:size])
        rates[name] = hits / lookups if lookups else None
    return rates


def totals(client: redis.Redis, models: list[str]) -> dict[str, tuple[int, int]]:
    """Each model's (hits, misses) since its first lookup. One round trip."""
    with client.pipeline(transaction=False) as pipe:
        for model in models:
            pipe.hmget(totals_key(model), "hits", "misses")
        answers = pipe.execute()
    return {
        model: (int(h or 0), int(m or 0)) for model, (h, m) in zip(models, answers, strict=True)
    }
