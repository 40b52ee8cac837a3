"""Celery's failures and retries a minute over the last hour, counted from the recorded
events: they are the history already, so no sampler round is needed for them.

A task fails once (its failed_at), but may retry many times: each retry is an entry of
its history (the newest 50 events of a task). Minutes when the recorder did not run
count no failure: the chart says so."""

import time
from datetime import UTC, datetime

from django.db.models import Count
from django.db.models.functions import TruncMinute

from cacheadmin.display.charts import Series, line_chart
from cacheadmin.models import CeleryTask

SPAN = 3600  # an hour
RETRIED_ROWS = 20_000  # tasks retried in the span whose histories are read, at most


def failures_chart(instance: str, *, now: float | None = None, span: int = SPAN) -> dict:
    """The instance's Celery tasks failed and retried in each minute of the span."""
    now = now or time.time()
    failed, retried = failures_a_minute(instance, now=now, span=span)
    series = [Series("failed", "tone-orange", failed), Series("retried", "tone-blue", retried)]
    return line_chart(series, span_seconds=span, end=now)


Points = list[tuple[float, float | None]]


def failures_a_minute(instance: str, *, now: float, span: int) -> tuple[Points, Points]:
    """Tasks failed, and retries, in each minute of the span, stamped at its start."""
    first = int(now - span) - int(now - span) % 60
    since = datetime.fromtimestamp(first, tz=UTC)
    recorded = CeleryTask.objects.filter(instance=instance)
    failed = {
        int(row["minute"].timestamp()): row["count"]
        for row in recorded.filter(failed_at__gte=since)
        .annotate(minute=TruncMinute("failed_at"))
        .values("minute")
        .annotate(count=Count("id"))
    }
    retried: dict[int, int] = {}
    histories = recorded.filter(retried_at__gte=since).values_list("history", flat=True)
    for history in histories[:RETRIED_ROWS]:
        for kind, at in history:
            if kind == "retried" and at >= first:
                minute = int(at) - int(at) % 60
                retried[minute] = retried.get(minute, 0) + 1
    minutes = range(first, int(now) + 1, 60)
    return (
        [(at, failed.get(at, 0)) for at in minutes],
        [(at, retried.get(at, 0)) for at in minutes],
    )
