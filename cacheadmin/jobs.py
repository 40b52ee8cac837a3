"""Invalidation jobs: made from a request, run at once or by the worker batch by batch,
checkpointed after every batch, announced and audited when they end."""

import json
import logging
import time

import pika
import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from cacheadmin.audit import audit_record
from cacheadmin.invalidation import engine
from cacheadmin.models import AuditEntry, InvalidationJob
from cacheadmin.problems import Problem
from cacheadmin.rabbit import amqp
from cacheadmin.redis.keycodec import display_key
from cacheadmin.service_calls import call_redis

log = logging.getLogger(__name__)
Status = InvalidationJob.Status
AT_ONCE = ("key", "object", "bucket")  # and attribute values under AT_ONCE_LIMIT objects
AT_ONCE_LIMIT = 1000
NOTIFY_EVERY = 0.25
OUTCOMES = {
    Status.DONE: AuditEntry.Outcome.OK,
    Status.CANCELLED: AuditEntry.Outcome.REFUSED,
    Status.FAILED: AuditEntry.Outcome.FAILED,
}


def target_of(job: InvalidationJob) -> engine.Target:
    return engine.Target(job.kind, bytes(job.target), job.model, job.attribute)


def runs_at_once(target: engine.Target, estimate: int) -> bool:
    return target.kind in AT_ONCE or (target.kind == "attribute" and estimate <= AT_ONCE_LIMIT)


def job_create(
    *, user: AbstractBaseUser, target: engine.Target, estimate: int, rate: int | None
) -> InvalidationJob:
    return InvalidationJob.objects.create(
        kind=target.kind,
        target=target.target,
        model=target.model,
        attribute=target.attribute,
        requester=user,
        requester_name=user.get_username(),
        estimate=estimate,
        rate=rate,
    )


def job_start(job: InvalidationJob) -> tuple[InvalidationJob, Problem | None]:
    """Run a small job now, or queue a large one for the worker. A problem means the
    job could not be run or queued (it is then failed, and says why)."""
    target = target_of(job)
    if runs_at_once(target, job.estimate or 0):
        InvalidationJob.objects.filter(id=job.id).update(
            status=Status.RUNNING, started_at=timezone.now()
        )
        deleted, problem = call_redis(lambda client: engine.run_small(client, target))
        job.deleted = deleted or 0
        job.save(update_fields=["deleted"])
        return job_finish(job, Status.FAILED if problem else Status.DONE, problem), problem
    try:
        amqp.enqueue_job(settings.RABBITMQ_URL, job.id)
    except pika.exceptions.AMQPError as exc:
        problem = Problem("unreachable", f"RabbitMQ did not take the job: {exc!r}")
        return job_finish(job, Status.FAILED, problem), problem
    return job, None


def job_claim(job_id: int) -> InvalidationJob | None:
    """The job, now running, unless it is finished or gone (then there is nothing to do).
    A running job is claimed again: its worker died, and it resumes from its checkpoint."""
    claimed = InvalidationJob.objects.filter(
        id=job_id, status__in=[Status.QUEUED, Status.RUNNING]
    ).update(
        status=Status.RUNNING,
        started_at=Coalesce(F("started_at"), timezone.now()),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    job = InvalidationJob.objects.get(id=job_id)
    # The counter expires after a day: a job resumed later starts it from its checkpoint.
    counter = engine.counter_key(job.id)
    call_redis(lambda client: client.set(counter, job.deleted, nx=True, ex=86400))
    return job


def job_step(job: InvalidationJob, *, count: int = engine.BATCH) -> tuple[bool, Problem | None]:
    """One batch and its checkpoint. Returns (more to do, problem). A job cancelled
    meanwhile is not written over: the step says there is no more to do."""
    if not InvalidationJob.objects.filter(id=job.id, status=Status.RUNNING).exists():
        job.refresh_from_db()  # cancelled: not one batch more
        return False, None
    progress = engine.Progress(job.phase, int(job.cursor), job.scanned, job.deleted)
    target = target_of(job)
    counter = engine.counter_key(job.id)
    progress, problem = call_redis(
        lambda client: engine.run_batch(client, target, progress, count=count, counter=counter)
    )
    if problem:
        return True, problem
    saved = InvalidationJob.objects.filter(id=job.id, status=Status.RUNNING).update(
        phase=progress.phase,
        cursor=str(progress.cursor),
        scanned=progress.scanned,
        deleted=progress.deleted,
    )
    job.phase, job.cursor = progress.phase, str(progress.cursor)
    job.scanned, job.deleted = progress.scanned, progress.deleted
    if saved and not progress.done:
        notify(job)
    if not saved:  # cancelled meanwhile: keep what this batch did, then stop
        InvalidationJob.objects.filter(id=job.id).update(
            scanned=progress.scanned, deleted=progress.deleted
        )
        job.refresh_from_db()
        return False, None
    if progress.done:
        job_finish(job, Status.DONE)
        return False, None
    return True, None


def job_cancel(job: InvalidationJob, *, by: AbstractBaseUser | None = None) -> InvalidationJob:
    """Cancel a queued or running job; a running one stops after its current batch."""
    cancelled = InvalidationJob.objects.filter(
        id=job.id, status__in=[Status.QUEUED, Status.RUNNING]
    ).update(status=Status.CANCELLED, finished_at=timezone.now())
    job.refresh_from_db()
    if cancelled:
        notify(job, force=True)
        _announce(job, by=by)
    return job


def job_finish(
    job: InvalidationJob, status: str, problem: Problem | None = None
) -> InvalidationJob:
    """Record the end, then tell the nodes (Redis channel and RabbitMQ fanout) and audit."""
    job.status, job.finished_at = status, timezone.now()
    job.error = problem.message if problem else ""
    job.save(update_fields=["status", "finished_at", "error"])
    notify(job, force=True)
    _announce(job)
    return job


def progress_group(job_id: int) -> str:
    return f"invalidation-{job_id}"


LIVE_GROUP = "live-invalidations"  # the channel-layer group of the live pages' feed


def notify(job: InvalidationJob, *, force: bool = False) -> None:
    """Push the job's progress to the browsers watching it, through the channel layer;
    at most every NOTIFY_EVERY seconds, but always its end."""
    now = time.monotonic()
    if not force and now - getattr(job, "_notified", 0.0) < NOTIFY_EVERY:
        return
    job._notified = now
    message = {"type": "job.progress", "job": job_json(job)}
    try:
        async_to_sync(get_channel_layer().group_send)(progress_group(job.id), message)
    except (redis.RedisError, OSError) as exc:
        log.warning("invalidation %s: progress not pushed: %r", job.id, exc)


def _announce(job: InvalidationJob, *, by: AbstractBaseUser | None = None) -> None:
    """The event on Redis and RabbitMQ, and the audit entry (by whoever ended it:
    the requester, or the operator who cancelled)."""
    target = target_of(job)
    body = json.dumps(
        engine.event(job_id=job.id, target=target, deleted=job.deleted, status=job.status)
    )
    _, problem = call_redis(lambda client: client.publish(engine.EVENTS_CHANNEL, body))
    if problem:
        log.warning("invalidation %s: event not published on Redis: %s", job.id, problem.message)
    try:  # to /live/ pages, whichever server process serves them
        message = {"type": "live.invalidation", "event": body}
        async_to_sync(get_channel_layer().group_send)(LIVE_GROUP, message)
    except (redis.RedisError, OSError) as exc:
        log.warning("invalidation %s: event not sent to live pages: %r", job.id, exc)
    try:
        amqp.publish_event(settings.RABBITMQ_URL, body.encode())
    except pika.exceptions.AMQPError as exc:
        log.warning("invalidation %s: event not published on RabbitMQ: %r", job.id, exc)
    audit_record(
        user=by or job.requester,
        username="" if by else job.requester_name,
        action=f"invalidate.{job.kind}",
        target=target.label(),
        count=job.deleted,
        outcome=OUTCOMES.get(job.status, AuditEntry.Outcome.FAILED),
        error=job.error,
    )


def job_json(job: InvalidationJob) -> dict:
    """A job as the API and the progress socket show it."""
    return {
        "id": job.id,
        "kind": job.kind,
        "target": display_key(bytes(job.target)),
        "model": job.model or None,
        "attribute": job.attribute or None,
        "status": job.status,
        "estimate": job.estimate,
        "scanned": job.scanned,
        "deleted": job.deleted,
        "rate": job.rate,
        "error": job.error or None,
        "requester": job.requester_name,
        "created": job.created_at.isoformat(),
        "started": job.started_at.isoformat() if job.started_at else None,
        "finished": job.finished_at.isoformat() if job.finished_at else None,
    }
