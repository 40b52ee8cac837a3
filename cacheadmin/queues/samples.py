"""Depth history of Redis queues, sampled into the dashboard's database while someone
watches them (the queue list refreshes, a queue's page), one sample a queue for each
interval of SAMPLE_EVERY."""

import hashlib
from datetime import datetime, timedelta

from cacheadmin.gateways.connections import Instance
from cacheadmin.models import QueueSample

SAMPLE_EVERY = timedelta(seconds=10)
KEEP = timedelta(hours=1)


def queue_id(server: str, key: bytes) -> str:
    return hashlib.sha256(server.encode() + b"\0" + key).hexdigest()


def record(*, server: str, instance: Instance, rows: list[dict], now: datetime) -> None:
    """Store the depths for the interval now falls in, unless some viewer already did;
    forget samples older than KEEP. One insert and one delete, whatever the rows."""
    if not rows:
        return
    seconds = SAMPLE_EVERY.total_seconds()
    slot = datetime.fromtimestamp(now.timestamp() // seconds * seconds, tz=now.tzinfo)
    QueueSample.objects.bulk_create(
        [
            QueueSample(
                queue=queue_id(server, row["key"]),
                instance=instance.name,
                at=slot,
                ready=row["messages_ready"] or 0,
                unacked=row["messages_unacknowledged"] or 0,
            )
            for row in rows
        ],
        ignore_conflicts=True,
    )
    QueueSample.objects.filter(at__lt=now - KEEP).delete()


def depth_history(*, server: str, key: bytes) -> dict[str, list]:
    """Ready and processing/pending depths, oldest first, with a gap where nobody
    watched: a line across it would claim figures nobody measured."""
    samples = QueueSample.objects.filter(queue=queue_id(server, key)).order_by("at")
    ready, unacked, before = [], [], None
    for sample in samples:
        at = sample.at.timestamp()
        if before is not None and at - before > 2 * SAMPLE_EVERY.total_seconds():
            ready.append((before + 1, None))
            unacked.append((before + 1, None))
        ready.append((at, sample.ready))
        unacked.append((at, sample.unacked))
        before = at
    return {"ready": ready, "processing / pending": unacked}
