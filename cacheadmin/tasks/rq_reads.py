"""RQ as its own package reads it: each queue with the count of every registry, and the
workers with their state and current job. Read only: RQ's registries clean themselves
up when counted by default (moving expired jobs to failed), a write a monitoring tool
must not make, so every count here asks for none."""

import pickle
import warnings
from datetime import datetime

import redis
from rq import worker_registration
from rq.exceptions import DeserializationError, NoSuchJobError
from rq.job import Job
from rq.queue import Queue
from rq.registry import ScheduledJobRegistry
from rq.results import Result
from rq.worker import Worker

from cacheadmin.tasks.errors import last_line
from cacheadmin.tasks.safe_pickle import PlainValues, Refused

# A queue's registries, by the name the pages give them, as RQ's Queue names them.
REGISTRIES = {
    "started": "started_job_registry",
    "deferred": "deferred_job_registry",
    "scheduled": "scheduled_job_registry",
    "finished": "finished_job_registry",
    "failed": "failed_job_registry",
    "canceled": "canceled_job_registry",
}


def rq_queues(client: redis.Redis) -> list[dict]:
    """Every RQ queue (RQ's own set of them), with its waiting jobs and the count of
    each registry, by name."""
    rows = []
    for queue in sorted(Queue.all(connection=client), key=lambda queue: queue.name):
        counts = {"queued": queue.count}
        for name, attribute in REGISTRIES.items():
            counts[name] = getattr(queue, attribute).get_job_count(cleanup=False)
        rows.append({"name": queue.name, "key": queue.key.encode(), "counts": counts})
    return rows


def rq_workers(client: redis.Redis) -> list[dict]:
    """Every RQ worker that registered itself and has not expired: its state, queues,
    current job, last heartbeat, counts and birth. (Worker.all would also drop the
    expired ones from RQ's set of workers: a write, which is not ours to make.)"""
    keys = sorted(worker_registration.get_keys(connection=client))
    with client.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.exists(key)
        alive = [key for key, there in zip(keys, pipe.execute(), strict=True) if there]
    found = (Worker.find_by_key(key, connection=client) for key in alive)
    workers = [worker for worker in found if worker is not None]
    return [
        {
            "name": worker.name,
            "state": _text(worker.get_state()),
            "queues": worker.queue_names(),
            "current_job": worker.get_current_job_id(),
            "last_heartbeat": _iso(worker.last_heartbeat),
            "successful": worker.successful_job_count,
            "failed": worker.failed_job_count,
            "birth": _iso(worker.birth_date),
            "hostname": worker.hostname,
            "pid": worker.pid,
        }
        for worker in workers
    ]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


PAGE_SIZE = 50
SHOWN = 300  # characters of a job's description (its call, as RQ wrote it) shown


STATES = ("queued", *REGISTRIES)


def rq_jobs(
    client: redis.Redis, queue: str, state: str, *, page: int, page_size: int = PAGE_SIZE
) -> dict:
    """A page of a queue's jobs in one state, read on the server: the ids of that page
    (waiting jobs in the queue's order; a registry's newest first: RQ sorts it by when
    each job expires or is due, to the second), the jobs in one pipeline, each one's
    latest result for its exception, and the page by when each ended. Job data is read
    with PlainValues: never unpickled."""
    rq_queue = Queue(queue, connection=client, serializer=PlainValues)
    start = (page - 1) * page_size
    if state == "queued":
        total = rq_queue.count
        ids = rq_queue.get_job_ids(offset=start, length=page_size)
    else:
        registry = getattr(rq_queue, REGISTRIES[state])
        total = registry.get_job_count(cleanup=False)
        ids = registry.get_job_ids(start, start + page_size - 1, desc=True, cleanup=False)
    jobs = Job.fetch_many(ids, connection=client, serializer=PlainValues)
    results = latest_results(client, ids)
    rows = [
        _task_row(job_id, job, queue, state, results[job_id])
        for job_id, job in zip(ids, jobs, strict=True)
    ]
    if state != "queued":
        rows.sort(key=lambda row: row.get("ended_at") or "", reverse=True)  # within a second
    return {"items": rows, "page": page, "pages": max(1, -(-total // page_size)), "total": total}


def failed_jobs(client: redis.Redis, queue: str, *, page: int, page_size: int = PAGE_SIZE) -> dict:
    """A page of a queue's failed jobs, newest first (see rq_jobs)."""
    return rq_jobs(client, queue, "failed", page=page, page_size=page_size)


def latest_results(client: redis.Redis, ids: list[str]) -> dict[str, Result | None]:
    """Each job's latest result, read in one pipeline (RQ's own Result.fetch_latest asks
    job by job), decoded by RQ's Result.restore; a result whose value is a pickle of
    anything but plain values is left unread (None)."""
    with client.pipeline(transaction=False) as pipe:
        for job_id in ids:
            pipe.xrevrange(Result.get_key(job_id), "+", "-", count=1)
        entries = pipe.execute()
    return {
        job_id: _restored(client, job_id, entry) for job_id, entry in zip(ids, entries, strict=True)
    }


def _restored(client: redis.Redis, job_id: str, entry: list) -> Result | None:
    if not entry:
        return None
    result_id, payload = entry[0]
    try:
        return Result.restore(
            job_id, result_id.decode(), payload, connection=client, serializer=PlainValues
        )
    except (DeserializationError, ValueError, Refused, pickle.UnpicklingError, KeyError):
        return None


def _task_row(job_id: str, job: Job | None, queue: str, state: str, result: Result | None) -> dict:
    """A job as the task API shows it; a job whose hash expired, with its id only."""
    if job is None:
        return {"id": job_id, "name": None, "state": state, "queue": queue, "gone": True}
    description = job.description or ""
    return {
        "id": job_id,
        "name": description.split("(", 1)[0] or None,
        "call": description[:SHOWN] + ("…" if len(description) > SHOWN else ""),
        "state": _text(job.get_status(refresh=False)),
        "queue": job.origin or queue,
        "enqueued_at": _iso(job.enqueued_at),
        "started_at": _iso(job.started_at),
        "ended_at": _iso(job.ended_at),
        "retries": job.retries_left,
        "worker": job.worker_name,
        "error": last_line(_exception(job, result)),
    }


def _exception(job: Job, result: Result | None) -> str:
    """The exception of a job's latest result; else the one RQ kept on the job itself
    (a job RQ moved to failed by its own hand: abandoned by a dead worker, say)."""
    if result and result.exc_string:
        return result.exc_string
    with warnings.catch_warnings():  # exc_info is deprecated for the result's, read first
        warnings.simplefilter("ignore", DeprecationWarning)
        return job.exc_info or ""


def _text(status: object) -> str:
    """An RQ status (an enum, or its text in older versions) as its value."""
    return str(getattr(status, "value", status))


def rq_job(client: redis.Redis, job_id: str) -> dict | None:
    """One job, whole: its call, its arguments when they are plain values (PlainValues
    refuses anything else), times, status, worker, retries left, and every result RQ
    kept (newest first: a failure's traceback, a success's value when plain). None when
    RQ has no such job (it expired, or never was)."""
    try:
        job = Job.fetch(job_id, connection=client, serializer=PlainValues)
    except NoSuchJobError:
        return None
    latest = latest_results(client, [job_id])[job_id]
    row = _task_row(job_id, job, job.origin, _text(job.get_status(refresh=False)), latest)
    return row | {
        "arguments": _arguments(job),
        "created_at": _iso(job.created_at),
        "scheduled_for": _scheduled_for(client, job) if row["state"] == "scheduled" else None,
        "results": _results(job),
        "depends_on": list(job.dependency_ids),
    }


def _scheduled_for(client: redis.Redis, job: Job) -> str | None:
    """When RQ's scheduler is to enqueue a scheduled job (its registry's score)."""
    registry = ScheduledJobRegistry(job.origin, connection=client, serializer=PlainValues)
    try:
        return _iso(registry.get_scheduled_time(job))
    except NoSuchJobError:
        return None


def _arguments(job: Job) -> dict:
    """The call's arguments as Python would write them, when they are plain values."""
    try:
        args, kwargs = job.args, job.kwargs
    except (DeserializationError, Refused, pickle.UnpicklingError, ValueError, EOFError) as exc:
        return {"readable": False, "why": str(exc.__cause__ or exc)}  # RQ wraps the reason
    shown = [repr(arg) for arg in args] + [f"{key}={value!r}" for key, value in kwargs.items()]
    text = ", ".join(shown)
    return {"readable": True, "text": text[: SHOWN * 10] + ("…" if len(text) > SHOWN * 10 else "")}


def _results(job: Job) -> list[dict]:
    try:
        results = Result.all(job, serializer=PlainValues)
    except (DeserializationError, Refused, redis.RedisError, ValueError):
        return [{"type": "unreadable", "why": "a result holds more than plain values"}]
    return [
        {
            "type": result.type.name.lower(),
            "at": _iso(result.created_at),
            "worker": result.worker_name or None,
            "traceback": result.exc_string or None,
            "value": None if result.return_value is None else repr(result.return_value)[:SHOWN],
        }
        for result in results
    ]
