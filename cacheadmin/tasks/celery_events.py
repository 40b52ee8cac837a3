"""Celery's task states as the recorder (celery_recorder) kept them from the events: a
page of tasks newest first, one task's history, and the Tasks page's summary. Read
from the dashboard's database only: no broker is asked."""

from datetime import UTC, datetime, timedelta

from django.db.models import Count, Max

from cacheadmin.models import CeleryTask, CeleryWorkerBeat
from cacheadmin.tasks.celery_event_states import STATES
from cacheadmin.tasks.errors import last_line

PAGE_SIZE = 50
SUMMARY_HOURS = 24  # the Tasks page counts the states of this many last hours
ENDED = ("succeeded", "failed", "rejected", "revoked")
FAILED = ("failed", "retried")
SHOWN_WORKERS = 50
TEXTS = ("args", "kwargs", "result", "exception", "traceback", "root_id", "parent_id")


def _at(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _item(task: CeleryTask) -> dict:
    """A task in the fields /api/tasks gives every framework's (null where unknown)."""
    ended = getattr(task, f"{task.state}_at") if task.state in ENDED else None
    return {
        "id": task.task_id,
        "name": task.name or None,
        "state": task.state,
        "queue": task.queue or None,
        "enqueued_at": _at(task.sent_at or task.received_at),
        "started_at": _at(task.started_at),
        "ended_at": _at(ended),
        "retries": task.retries,
        "worker": task.worker or None,
        # the exception of a task that failed; one that succeeded after retries has none
        "error": (last_line(task.traceback) or task.exception or None)
        if task.state in FAILED
        else None,
    }


def tasks_page(
    *, instance: str, queue: str = "", state: str = "", page: int = 1, page_size: int = PAGE_SIZE
) -> dict:
    """A page of the instance's recorded tasks, newest event first, of one queue and
    one state where given: counted and cut in the database."""
    found = CeleryTask.objects.filter(instance=instance)
    if queue:
        found = found.filter(queue=queue)
    if state:
        found = found.filter(state=state)
    total = found.count()
    start = (page - 1) * page_size
    rows = found.order_by("-event_at", "-id")[start : start + page_size]
    pages = max(1, -(-total // page_size))
    return {"items": [_item(row) for row in rows], "page": page, "pages": pages, "total": total}


def task_history(instance: str, task_id: str) -> dict | None:
    """One task as its events told it, with those events in order; None when no event
    of it was recorded."""
    task = CeleryTask.objects.filter(instance=instance, task_id=task_id).first()
    if task is None:
        return None
    return _item(task) | {
        **{name: getattr(task, name) or None for name in TEXTS},
        "runtime": task.runtime,
        "last_event_at": _at(task.event_at),
        "events": [
            {"type": f"task-{kind}", "at": _at(datetime.fromtimestamp(at, tz=UTC))}
            for kind, at in task.history
        ],
    }


def events_summary(instance: str, *, now: datetime | None = None) -> dict:
    """The counts of the last SUMMARY_HOURS by queue and state, the newest event, and
    the workers' newest heartbeats: what the Tasks page shows of the recorded events."""
    since = (now or datetime.now(UTC)) - timedelta(hours=SUMMARY_HOURS)
    recent = CeleryTask.objects.filter(instance=instance, event_at__gte=since)
    counts: dict[str | None, dict[str, int]] = {}
    for row in recent.values("queue", "state").annotate(count=Count("id")):
        counts.setdefault(row["queue"], {})[row["state"]] = row["count"]
    workers = CeleryWorkerBeat.objects.filter(instance=instance).order_by("-heartbeat_at")
    last_task = CeleryTask.objects.filter(instance=instance).aggregate(last=Max("event_at"))
    beats = list(workers[:SHOWN_WORKERS])
    seen = [at for at in (last_task["last"], beats[0].heartbeat_at if beats else None) if at]
    states = [state for state in STATES if any(state in row for row in counts.values())]
    return {
        "states": states,
        "queues": [
            {
                "queue": queue or None,
                "counts": by_state,
                "cells": [(state, by_state.get(state, 0)) for state in states],
                "total": sum(by_state.values()),
            }
            for queue, by_state in sorted(counts.items(), key=lambda item: item[0] or "")
        ],
        "workers": beats,
        "last_event_at": max(seen) if seen else None,
        "hours": SUMMARY_HOURS,
    }
