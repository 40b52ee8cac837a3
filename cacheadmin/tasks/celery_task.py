"""One Celery task as the dashboard knows it: its record in the result backend (the
outcome, and with result_extended its call) and its recorded events (every step,
even of a task whose app keeps no results, or whose result expired). The task page
and GET /api/tasks/<id>?framework=celery show this."""

from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.problems import Problem
from cacheadmin.tasks.celery_events import task_history
from cacheadmin.tasks.celery_reads import celery_task

# What the events tell that the backend's record may lack (or never had).
FROM_EVENTS = (
    "name",
    "queue",
    "args",
    "kwargs",
    "result",
    "traceback",
    "retries",
    "worker",
    "ended_at",
    "parent_id",
    "root_id",
    "error",
)
# Every answer has every field, null where neither source tells it.
FIELDS = (
    *FROM_EVENTS,
    *("state", "backend_state", "event_state", "enqueued_at", "started_at", "runtime"),
    *("last_event_at", "children"),
)


def celery_task_told(*, instance: Instance, task_id: str) -> tuple[dict | None, Problem | None]:
    """The task, or None when neither the backend nor the events know it; the problem
    of reading the backend (the events, in the dashboard's database, may still tell)."""
    kept, problem = celery_task(instance=instance, task_id=task_id)
    history = task_history(instance.name, task_id)
    if kept is None and history is None:
        return None, problem
    task = dict.fromkeys(FIELDS) | {"retryable": False, "extended": False, "events": []}
    task |= {"id": task_id, "kept": kept is not None, "recorded": history is not None}
    if history is not None:
        task |= {name: history[name] for name in (*FROM_EVENTS, "enqueued_at", "started_at")}
        task |= {"event_state": history["state"], "runtime": history["runtime"]}
        task |= {"state": history["state"], "last_event_at": history["last_event_at"]}
    # The backend's record holds the outcome as the worker stored it: it wins.
    task |= {name: value for name, value in (kept or {}).items() if value is not None}
    task["events"] = history["events"] if history else []
    return task, problem
