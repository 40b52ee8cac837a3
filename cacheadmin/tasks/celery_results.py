"""A Celery task as its result backend on Redis keeps it (`celery-task-meta-<id>`,
JSON; with `result_extended` also its name, arguments, queue and worker), read without
Celery's backend: one GET, decoded as JSON only (a pickled result is named, not read);
and the task sent again, as a retry an operator asks for."""

import json
from uuid import uuid4

import redis
from celery import Celery
from celery.backends.base import KeyValueStoreBackend

from cacheadmin.tasks.errors import last_line

META_PREFIX = KeyValueStoreBackend.task_keyprefix.encode()  # celery-task-meta-
SHOWN = 300  # characters of an argument list, a result or a message shown
RETRYABLE = ("FAILURE", "REVOKED")
# The backend's states in the events' words, as /api/tasks lists them; others lowered.
EVENT_STATES = {
    "SUCCESS": "succeeded",
    "FAILURE": "failed",
    "RETRY": "retried",
    "REVOKED": "revoked",
    "STARTED": "started",
    "RECEIVED": "received",
    "REJECTED": "rejected",
}


class Unreadable(Exception):
    """The stored meta is not Celery's JSON."""


def task_meta(client: redis.Redis, task_id: str) -> dict | None:
    """The backend's record of a task, as Celery wrote it; None when there is none
    (no result backend here, the task not done yet, or its result expired)."""
    raw = client.get(META_PREFIX + task_id.encode())
    if raw is None:
        return None
    try:
        meta = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise Unreadable("not JSON (a pickle, or another serializer's): not read") from None
    if not isinstance(meta, dict) or "status" not in meta:
        raise Unreadable("not a Celery result")
    return meta


def task_view(task_id: str, meta: dict) -> dict:
    """The record as the task page and API show it: texts shortened, nothing trusted."""
    result = meta.get("result")
    failed = isinstance(result, dict) and "exc_type" in result
    return {
        "id": task_id,
        "name": _text(meta.get("name")),
        "state": event_state(meta.get("status")),
        "backend_state": _text(meta.get("status")),
        "queue": _text(meta.get("queue")),
        "args": _shown(meta.get("args")),
        "kwargs": _shown(meta.get("kwargs")),
        "result": None if failed else _shown(result),
        "error": (last_line(meta.get("traceback")) or _error(result)) if failed else None,
        "traceback": _text(meta.get("traceback")),
        "retries": meta.get("retries") if isinstance(meta.get("retries"), int) else None,
        "worker": _text(meta.get("worker")),
        "ended_at": _text(meta.get("date_done")),
        "parent_id": _text(meta.get("parent_id")),
        "root_id": _text(meta.get("root_id")),
        "children": len(meta.get("children") or []),
        "retryable": meta.get("status") in RETRYABLE and isinstance(meta.get("name"), str),
        "extended": "name" in meta,
    }


def event_state(status: object) -> str | None:
    """A state the backend stored, in the words of the events (succeeded, failed...)."""
    if not isinstance(status, str):
        return None
    return EVENT_STATES.get(status, status.lower())


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _shown(value: object) -> str | None:
    if value is None:
        return None
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= SHOWN else text[:SHOWN] + "…"


def _error(result: dict) -> str:
    message = result.get("exc_message")
    if isinstance(message, list | tuple):
        message = ", ".join(str(part) for part in message)
    return f"{result.get('exc_type')}: {message}"[:SHOWN]


class NotRetryable(Exception):
    """The task cannot be sent again as it was (its message says why)."""


def send_again(app: Celery, task_id: str, meta: dict) -> str:
    """Send a failed task again with its name, arguments and queue, under a new id whose
    parent is the old task; the new id."""
    if meta.get("status") not in RETRYABLE:
        raise NotRetryable(
            f"The task {task_id} is {meta.get('status')}: only a failed one is sent again."
        )
    name, args, kwargs = meta.get("name"), meta.get("args"), meta.get("kwargs")
    if not isinstance(name, str) or not isinstance(args, list) or not isinstance(kwargs, dict):
        raise NotRetryable(
            "Its result backend does not keep the task's name and arguments: the app must "
            "set result_extended = True for a task to be sent again from here."
        )
    new_id = str(uuid4())
    options = {"queue": meta["queue"]} if isinstance(meta.get("queue"), str) else {}
    app.send_task(
        name,
        args=args,
        kwargs=kwargs,
        task_id=new_id,
        parent_id=task_id,
        root_id=meta.get("root_id") or task_id,
        **options,
    )
    return new_id
