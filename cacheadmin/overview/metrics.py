"""The history of a Redis server's hit rate, sampled from INFO into the dashboard's
database, so it survives a restart of the dashboard."""

from datetime import datetime, timedelta

from cacheadmin.gateways.connections import Instance
from cacheadmin.models import MetricSample

SAMPLE_EVERY = timedelta(seconds=10)  # whoever is watching, at most this often
KEEP = timedelta(hours=1)


def sample_record(
    *, server: str, instance: Instance, hits: int, misses: int, now: datetime
) -> bool:
    """Store a reading unless one was stored for this server in the last interval."""
    if MetricSample.objects.filter(server=server, at__gt=now - SAMPLE_EVERY).exists():
        return False
    MetricSample.objects.create(
        server=server, instance=instance.name, at=now, hits=hits, misses=misses
    )
    MetricSample.objects.filter(server=server, at__lt=now - KEEP).delete()
    return True


def hit_rate_history(*, server: str) -> list[dict]:
    """The hit rate between consecutive readings, oldest first; None where there were
    no lookups, or where the counters went back (a restart or CONFIG RESETSTAT)."""
    samples = list(
        MetricSample.objects.filter(server=server)
        .order_by("at")
        .values_list("at", "hits", "misses")
    )
    history = []
    for before, (at, hits, misses) in zip(samples, samples[1:], strict=False):
        new_hits, new_misses = hits - before[1], misses - before[2]
        lookups = new_hits + new_misses
        valid = new_hits >= 0 and new_misses >= 0 and lookups > 0
        history.append(
            {"at": at, "rate": new_hits / lookups if valid else None, "lookups": lookups}
        )
    return history
