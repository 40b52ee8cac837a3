"""Depth history of Redis queues, sampled into the dashboard's database while someone
watches them (the queue list refreshes, a queue's page), at most once an interval."""

import hashlib
from datetime import datetime, timedelta

from cacheadmin.charts import Series
from cacheadmin.models import QueueSample

SAMPLE_EVERY = timedelta(seconds=10)
KEEP = timedelta(hours=1)


def queue_id(server: str, key: bytes) -> str:
    return hashlib.sha256(server.encode() + b"\0" + key).hexdigest()


def record(*, server: str, rows: list[dict], now: datetime) -> int:
    """Store the depths of the queues not sampled in the last interval; forget old ones.
    Two queries whatever the number of rows, and one insert."""
    if not rows:
        return 0
    ids = {queue_id(server, row["key"]): row for row in rows}
    recent = set(
        QueueSample.objects.filter(queue__in=ids, at__gt=now - SAMPLE_EVERY).values_list(
            "queue", flat=True
        )
    )
    fresh = [
        QueueSample(
            queue=queue,
            at=now,
            ready=row["messages_ready"] or 0,
            unacked=row["messages_unacknowledged"] or 0,
        )
        for queue, row in ids.items()
        if queue not in recent
    ]
    if fresh:
        QueueSample.objects.bulk_create(fresh)
        QueueSample.objects.filter(at__lt=now - KEEP).delete()
    return len(fresh)


def depth_history(*, server: str, key: bytes) -> list[Series]:
    """Ready and processing/pending depths, oldest first."""
    samples = QueueSample.objects.filter(queue=queue_id(server, key)).order_by("at")
    points = [(sample.at.timestamp(), sample.ready, sample.unacked) for sample in samples]
    return [
        Series("ready", "tone-blue", [(at, ready) for at, ready, _ in points]),
        Series("processing / pending", "tone-orange", [(at, unacked) for at, _, unacked in points]),
    ]
