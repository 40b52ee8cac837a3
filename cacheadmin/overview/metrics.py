"""The history of an instance's Redis hit rate, from the sampler's counts of hits and
misses (cacheadmin.monitoring): the same with or without a page open, and kept across
restarts of the dashboard."""

from cacheadmin.monitoring import history
from cacheadmin.monitoring.figures import REDIS_SERVER

SPAN = 3600  # the overview's chart: the last hour


def hit_rate_history(*, instance: str, now: float | None = None) -> list[dict]:
    """The hit rate between consecutive samples, oldest first; None where there were no
    lookups, where the counters went back (a restart or CONFIG RESETSTAT) or are another
    server's (a failover), or where the sampler did not run."""

    def sampled(figure: str) -> dict:
        return dict(
            history.points(instance=instance, figure=figure, subject="", span=SPAN, now=now)
        )

    hits, misses = sampled("redis.keyspace_hits"), sampled("redis.keyspace_misses")
    servers = sampled(REDIS_SERVER)
    counts = [(at, hit, misses.get(at), servers.get(at)) for at, hit in hits.items()]
    rates = []
    for (_, old_hits, old_misses, old_server), (at, new_hits, new_misses, new_server) in zip(
        counts, counts[1:], strict=False
    ):
        if None in (old_hits, old_misses, new_hits, new_misses) or old_server != new_server:
            rates.append({"at": at, "rate": None, "lookups": 0})
            continue
        found, missed = new_hits - old_hits, new_misses - old_misses
        lookups = found + missed
        valid = found >= 0 and missed >= 0 and lookups > 0
        rates.append(
            {"at": at, "rate": found / lookups if valid else None, "lookups": max(0, lookups)}
        )
    return rates
