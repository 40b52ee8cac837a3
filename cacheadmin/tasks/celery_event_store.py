"""Celery's events into the dashboard's database, a batch at a time: the tasks a batch
names are read in one query per chunk, folded (celery_event_states) and written back in
one upsert per chunk; worker heartbeats likewise. Pruned by age and by count with one
delete each."""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q

from cacheadmin.models import CeleryTask, CeleryWorkerBeat
from cacheadmin.tasks.celery_event_states import (
    CUT,
    WORKER_EVENTS,
    apply_task_event,
    apply_worker_event,
    cut,
    new_task,
)

ID_CHARS = 200  # of a task id, as stored
CHUNK = 500  # ids per query: within any database's limit of parameters
TASK_FIELDS = [
    field.name for field in CeleryTask._meta.concrete_fields if field.name not in ("id",)
]
TIME_FIELDS = {field for field in TASK_FIELDS if field.endswith("_at")}
TEXT_FIELDS = {
    field.name
    for field in CeleryTask._meta.concrete_fields
    if field.get_internal_type() in ("CharField", "TextField")
}
UPDATED = [field for field in TASK_FIELDS if field not in ("instance", "task_id")]
BEAT_FIELDS = ["heartbeat_at", "active", "processed", "freq", "offline", "software"]


def record(instance: str, events: Iterable[dict]) -> int:
    """Fold a batch of events into the instance's records; how many tasks it touched."""
    tasks: dict[str, list[dict]] = {}
    workers: dict[str, list[dict]] = {}
    for event in events:
        kind = event["type"]
        task_id, hostname = event.get("uuid"), event.get("hostname")
        if kind.startswith("task-") and isinstance(task_id, str) and task_id:
            tasks.setdefault(task_id[:ID_CHARS], []).append(event)
        elif kind in WORKER_EVENTS and isinstance(hostname, str) and hostname:
            workers.setdefault(cut(hostname, CUT["worker"]), []).append(event)
    ids = list(tasks)
    with transaction.atomic():
        for start in range(0, len(ids), CHUNK):
            _write_tasks(instance, {task_id: tasks[task_id] for task_id in ids[start:][:CHUNK]})
        if workers:
            _write_workers(instance, workers)
    return len(ids)


def _write_tasks(instance: str, events_by_id: dict[str, list[dict]]) -> None:
    rows = CeleryTask.objects.filter(instance=instance, task_id__in=list(events_by_id))
    if connection.features.has_select_for_update:  # two recorders: one merges at a time
        rows = rows.select_for_update()
    known = {row["task_id"]: _as_dict(row) for row in rows.values(*TASK_FIELDS)}
    written = []
    for task_id, events in events_by_id.items():
        task = known.get(task_id) or new_task()
        for event in events:
            apply_task_event(task, event)
        if task["state"] is not None:
            written.append(_as_row(instance, task_id, task))
    CeleryTask.objects.bulk_create(
        written,
        update_conflicts=True,
        unique_fields=["instance", "task_id"],
        update_fields=UPDATED,
    )


def _as_dict(row: dict) -> dict:
    """A stored row as celery_event_states folds it: times as Unix seconds."""
    task = dict(row)
    for name in TIME_FIELDS:
        task[name] = row[name].timestamp() if row[name] is not None else None
    for name in TEXT_FIELDS:
        task[name] = row[name] or None  # "" is what none came as
    return task


def _as_row(instance: str, task_id: str, task: dict) -> CeleryTask:
    values = {name: task.get(name) for name in UPDATED}
    for name in TIME_FIELDS:
        values[name] = _when(values[name])
    for name in TEXT_FIELDS & set(values):
        values[name] = values[name] or ""
    values["retries"] = values["retries"] or 0
    return CeleryTask(instance=instance, task_id=task_id, **values)


def _when(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, tz=UTC)


def _write_workers(instance: str, events_by_name: dict[str, list[dict]]) -> None:
    rows = CeleryWorkerBeat.objects.filter(instance=instance, hostname__in=list(events_by_name))
    known = {
        row["hostname"]: row | {"heartbeat_at": row["heartbeat_at"].timestamp()}
        for row in rows.values("hostname", *BEAT_FIELDS)
    }
    written = []
    for hostname, events in events_by_name.items():
        worker = known.get(hostname) or {}
        for event in events:
            apply_worker_event(worker, event)
        if worker.get("heartbeat_at") is not None:
            values = {name: worker.get(name) for name in BEAT_FIELDS}
            values["heartbeat_at"] = _when(values["heartbeat_at"])
            written.append(CeleryWorkerBeat(instance=instance, hostname=hostname, **values))
    CeleryWorkerBeat.objects.bulk_create(
        written,
        update_conflicts=True,
        unique_fields=["instance", "hostname"],
        update_fields=BEAT_FIELDS,
    )


def prune(instance: str, *, now: datetime | None = None) -> int:
    """Forget what is older than CELERY_EVENTS_KEEP_DAYS, and all but the newest
    CELERY_EVENTS_KEEP_ROWS tasks of the instance: one delete. How many went."""
    now = now or datetime.now(UTC)
    oldest = now - timedelta(days=settings.CELERY_EVENTS_KEEP_DAYS)
    mine = CeleryTask.objects.filter(instance=instance)
    limit = settings.CELERY_EVENTS_KEEP_ROWS
    past = mine.order_by("-event_at").values_list("event_at", flat=True)[limit : limit + 1]
    # too many: the first one past the limit, and older; else those too old
    old = Q(event_at__lte=past[0]) if past and past[0] >= oldest else Q(event_at__lt=oldest)
    gone, _ = mine.filter(old).delete()
    CeleryWorkerBeat.objects.filter(instance=instance, heartbeat_at__lt=oldest).delete()
    return gone
