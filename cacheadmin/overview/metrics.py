"""The history of an instance's Redis hit rate, from the sampler's counts of hits and
misses (cacheadmin.monitoring): the same with or without a page open, and kept across
restarts of the dashboard."""

from cacheadmin.monitoring import history

SPAN = 3600  # the overview's chart: the last hour


def hit_rate_history(*, instance: str, now: float | None = None) -> list[dict]:
    """The hit rate between consecutive samples, oldest first; None where there were no
    lookups, where the counters went back (a restart or CONFIG RESETSTAT), or where the
    sampler did not run."""
    hits = history.points(
        instance=instance, figure="redis.keyspace_hits", subject="", span=SPAN, now=now
    )
    misses = dict(
        history.points(
            instance=instance, figure="redis.keyspace_misses", subject="", span=SPAN, now=now
        )
    )
    counts = [(at, hit, misses.get(at)) for at, hit in hits]
    rates = []
    for (_, old_hits, old_misses), (at, new_hits, new_misses) in zip(
        counts, counts[1:], strict=False
    ):
        if None in (old_hits, old_misses, new_hits, new_misses):
            rates.append({"at": at, "rate": None, "lookups": 0})
            continue
        found, missed = new_hits - old_hits, new_misses - old_misses
        lookups = found + missed
        valid = found >= 0 and missed >= 0 and lookups > 0
        rates.append(
            {"at": at, "rate": found / lookups if valid else None, "lookups": max(0, lookups)}
        )
    return rates
