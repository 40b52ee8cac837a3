"""Celery's events folded into one record per task and one per worker, as plain dicts.

Two recorders may hear the same events, and events may come late or twice: every rule
here gives the same record whatever the order and however often an event is applied.
The state and the worker are those of the newest event (a tie goes to the later state
in a task's life; a worker's event before a sender's task-sent); each kind of time is
the newest of its kind; retries the most seen; a name, arguments and ids, once known,
stay; the exception is the newest failure's or retry's; the history is the set of
(type, time) seen, in time order, its newest kept.
"""

import math

# The states a task's events give it, in the order of a task's life (ties: the later).
STATES = ("sent", "received", "started", "retried", "failed", "rejected", "revoked", "succeeded")
TIMES = {state: f"{state}_at" for state in STATES}
CUT = {
    **{"name": 200, "queue": 200, "worker": 200, "root_id": 200, "parent_id": 200},
    **{"args": 1000, "kwargs": 1000, "result": 1000, "exception": 2000, "traceback": 8000},
}
HISTORY = 50  # events kept per task
SENDER_FIELDS = ("name", "args", "kwargs", "root_id", "parent_id")
WORKER_EVENTS = ("worker-online", "worker-heartbeat", "worker-offline")


def cut(value: object, limit: int) -> str | None:
    """Text as sent, shortened; None for nothing. Celery sends reprs: they stay text."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def event_time(event: dict) -> float | None:
    stamp = event.get("timestamp")
    if isinstance(stamp, bool) or not isinstance(stamp, int | float) or not math.isfinite(stamp):
        return None
    return float(stamp)


def task_state_of(event: dict) -> str | None:
    kind = event.get("type", "")
    state = kind[5:] if kind.startswith("task-") else None
    return state if state in STATES else None


def new_task() -> dict:
    return {"state": None, "event_at": None, "retries": 0, "history": []}


def apply_task_event(task: dict, event: dict) -> None:
    """Fold one task event (task-sent, -received, ... -revoked) into the task's record."""
    state, at = task_state_of(event), event_time(event)
    if state is None or at is None:
        return
    if task["event_at"] is None or _order(state, at) >= _order(task["state"], task["event_at"]):
        task["state"], task["event_at"] = state, at
        if state != "sent" and event.get("hostname"):  # a sent event names the client
            task["worker"] = cut(event["hostname"], CUT["worker"])
    _outcome_fields(task, event, state, at)  # before the times: it compares with them
    field = TIMES[state]
    task[field] = max(task.get(field) or at, at)
    _sender_fields(task, event, state)
    _remember(task, event["type"], at)


def _order(state: str | None, at: float) -> tuple:
    """Which event gives the state: a worker's, the newest (ties: the later state). A
    sender's task-sent gives it only until a worker says anything: the sender sends it
    after the task, and a fast worker may have run the task by then."""
    return (state != "sent", at, STATES.index(state) if state in STATES else -1)


def _sender_fields(task: dict, event: dict, state: str) -> None:
    for field in SENDER_FIELDS:
        if task.get(field) is None and event.get(field) is not None:
            task[field] = cut(event[field], CUT[field])
    queue = event.get("queue") or event.get("routing_key")
    if state == "sent" and task.get("queue") is None and queue:
        task["queue"] = cut(queue, CUT["queue"])
    retries = event.get("retries")
    if isinstance(retries, int) and not isinstance(retries, bool):
        task["retries"] = max(task.get("retries") or 0, retries)


def _outcome_fields(task: dict, event: dict, state: str, at: float) -> None:
    """The exception of the newest failure or retry; the result of the newest success."""
    if state in ("failed", "retried"):
        last = max(task.get("failed_at") or -math.inf, task.get("retried_at") or -math.inf)
        if at >= last:
            task["exception"] = cut(event.get("exception"), CUT["exception"])
            task["traceback"] = cut(event.get("traceback"), CUT["traceback"])
    if state == "succeeded" and at >= (task.get("succeeded_at") or -math.inf):
        task["result"] = cut(event.get("result"), CUT["result"])
        runtime = event.get("runtime")
        if isinstance(runtime, int | float) and not isinstance(runtime, bool):
            task["runtime"] = float(runtime)


def _remember(task: dict, kind: str, at: float) -> None:
    entry = [kind[5:], at]
    if entry not in task["history"]:
        task["history"] = sorted([*task["history"], entry], key=lambda seen: seen[1])[-HISTORY:]


def apply_worker_event(worker: dict, event: dict) -> None:
    """Fold a worker-online, -heartbeat or -offline event into the worker's record:
    the newest event's figures."""
    at = event_time(event)
    if at is None or event.get("type") not in WORKER_EVENTS:
        return
    if worker.get("heartbeat_at") is not None and at < worker["heartbeat_at"]:
        return
    worker["heartbeat_at"] = at
    worker["offline"] = event["type"] == "worker-offline"
    for field in ("active", "processed"):
        value = event.get(field)
        ok = isinstance(value, int) and not isinstance(value, bool)
        worker[field] = value if ok else None
    freq = event.get("freq")
    worker["freq"] = float(freq) if isinstance(freq, int | float) else None
    software = " ".join(str(event.get(part) or "") for part in ("sw_ident", "sw_ver")).strip()
    worker["software"] = cut(software, 100) or ""
