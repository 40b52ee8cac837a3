"""Changes to RQ's jobs, made through RQ's own package: requeue a failed job, cancel a
job that has not run, delete one; and the same for a queue's failed jobs, a batch at a
time. Django-free: a client in, plain figures out.

The dashboard never unpickles a job's data (safe_pickle), so it must never write it
back either: RQ's requeue saves the whole job, and with it would re-pickle the job's
`meta` and result through the serializer. KeptJob leaves those two fields as they are
in Redis; the arguments travel as the bytes RQ stored."""

from dataclasses import dataclass
from datetime import datetime

import redis
from rq.exceptions import InvalidJobOperation
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry

from cacheadmin.tasks.safe_pickle import PlainValues

CANCELLABLE = (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED)


class KeptJob(Job):
    """A job saved without its meta and result: those stay as the application wrote them."""

    def save(self, pipeline=None, include_meta: bool = True, include_result: bool = True):
        super().save(pipeline=pipeline, include_meta=False, include_result=False)


class Refused(Exception):
    """The job is not in a state for the change (its message says why)."""


def fetch(client: redis.Redis, job_id: str) -> KeptJob:
    """The job, read without unpickling; NoSuchJobError when RQ has none of that id."""
    return KeptJob.fetch(job_id, connection=client, serializer=PlainValues)


def _failed_registry(client: redis.Redis, queue: str) -> FailedJobRegistry:
    return FailedJobRegistry(queue, connection=client, job_class=KeptJob, serializer=PlainValues)


def requeue_one(client: redis.Redis, job_id: str) -> None:
    """Put a failed job back on its queue, as RQ's requeue does."""
    job = fetch(client, job_id)
    try:
        _failed_registry(client, job.origin).requeue(job)
    except InvalidJobOperation:
        raise Refused(f"The job {job_id} is not in its queue's failed jobs.") from None


def cancel_one(client: redis.Redis, job_id: str) -> None:
    """Cancel a job that waits (queued, deferred or scheduled): RQ moves it to canceled.
    A running job is its worker's to stop."""
    job = fetch(client, job_id)
    status = job.get_status(refresh=False)
    if status not in CANCELLABLE:
        raise Refused(f"The job {job_id} is {_value(status)}: only a waiting job can be canceled.")
    job.cancel()


def delete_one(client: redis.Redis, job_id: str) -> None:
    """Delete a job and take it out of its queue and registries, as RQ's delete does;
    never one that runs (its worker would go on with a job that is gone)."""
    job = fetch(client, job_id)
    if job.get_status(refresh=False) == JobStatus.STARTED:
        raise Refused(
            f"The job {job_id} is running: cancel it when it has ended, or stop its worker."
        )
    job.delete()


@dataclass(frozen=True)
class FailedSet:
    """A queue's failed jobs when an action on all of them begins: how many, and the
    newest's score (when it expires from the registry: RQ scores failed jobs by that)."""

    count: int
    cutoff: float | None


def failed_set(client: redis.Redis, queue: str) -> FailedSet:
    registry = _failed_registry(client, queue)
    count = registry.get_job_count(cleanup=False)
    newest = client.zrange(registry.key, -1, -1, withscores=True)
    return FailedSet(count, newest[0][1] if newest else None)


@dataclass(frozen=True)
class BatchOutcome:
    handled: int  # requeued or deleted
    expired: int  # ids whose job data had expired: taken out of the failed registry
    skipped: int  # jobs that failed again after the action began: not taken twice
    seen: int  # ids taken up


def failed_batch(
    client: redis.Redis,
    queue: str,
    action: str,
    *,
    cutoff: float,
    since: datetime,
    skip: int,
    count: int,
) -> BatchOutcome:
    """Requeue or delete up to count of the queue's oldest failed jobs scored up to
    cutoff, past the first skip of them (those left on purpose). A job handled leaves
    the registry, so the registry is the checkpoint. RQ scores to the second: a job that
    failed again after the action began (since) can share the cutoff's second, and is
    left, and counted as skipped."""
    registry = _failed_registry(client, queue)
    ids = [
        job_id.decode()
        for job_id in client.zrangebyscore(registry.key, "-inf", cutoff, start=skip, num=count)
    ]
    handled = expired = skipped = 0
    jobs = KeptJob.fetch_many(ids, connection=client, serializer=PlainValues)  # one pipeline
    for job_id, job in zip(ids, jobs, strict=True):
        if job is None:
            registry.remove(job_id)  # nothing is left to requeue or delete
            expired += 1
            continue
        if job.ended_at and job.ended_at.timestamp() > since.timestamp():
            skipped += 1
        elif action == "requeue":
            handled += _requeued(registry, job)
        else:
            job.delete()
            registry.remove(job_id)  # whatever status the job's hash said
            handled += 1
    return BatchOutcome(handled, expired, skipped, len(ids))


def _requeued(registry: FailedJobRegistry, job: KeptJob) -> int:
    try:
        registry.requeue(job)
    except InvalidJobOperation:  # requeued by someone else meanwhile
        return 0
    return 1


def _value(status: object) -> str:
    return str(getattr(status, "value", status))
