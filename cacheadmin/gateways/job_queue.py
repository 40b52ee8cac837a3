"""The background jobs' durable RabbitMQ queue, and what a kind of job offers the worker.

Every job is a row in the dashboard's database; the queue carries only its reference:
`<kind>:<id>`, or the bare id of an invalidation (the form the queue had first). A job
runs under a lease kept in its row, by the database's clock, so a worker that dies
leaves a job that another takes over from its checkpoint."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import pika
from django.conf import settings
from django.db.models import DateTimeField, ExpressionWrapper, F, Model, Q
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from cacheadmin.gateways.amqp import connect
from cacheadmin.gateways.problems import ERROR, Problem

JOBS_QUEUE = "cacheadmin.invalidation.jobs"  # its first name, kept: messages may wait in it
INVALIDATION = ""  # the kind of a bare id


@dataclass(frozen=True)
class Claim:
    """What a worker got: the job, now running under its lease; or nothing to do (the
    job ended or is gone); or held_elsewhere (another live worker holds its lease)."""

    job: object | None
    held_elsewhere: bool = False


class JobKind(Protocol):
    """A kind of background job, as the worker runs it."""

    def claim(self, job_id: int, worker: str) -> Claim: ...

    def describe(self, job) -> str: ...

    def step(self, job) -> tuple[bool, Problem | None]:
        """One batch and its checkpoint: (more to do, problem)."""

    def pause(self, job, spent: float) -> float:
        """Seconds to wait before the next batch (a rate the job keeps)."""

    def finish(self, job, status: str, problem: Problem | None) -> None: ...

    def fail(self, job_id: int, worker: str, error: Exception) -> None:
        """End a job whose run raised what no retry can mend."""

    def ended(self, job) -> str:
        """What the worker says when the job has ended."""


def declare(channel) -> None:
    channel.queue_declare(JOBS_QUEUE, durable=True)


def enqueue(url: str, reference: str, *, timeout: float) -> None:
    """Put a job's reference on the durable queue, persistent, confirmed by the broker."""
    connection = connect(url, timeout=timeout)
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        declare(channel)
        properties = pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent)
        channel.basic_publish("", JOBS_QUEUE, reference.encode(), properties=properties)
    finally:
        connection.close()


def reference(kind: str, job_id: int) -> str:
    return f"{kind}:{job_id}" if kind else str(job_id)


def parse(body: bytes) -> tuple[str, int] | None:
    """(kind, id) of a message, or None when it is not a job's reference."""
    kind, _, number = body.rpartition(b":")
    if not number.isdigit() or not (kind.isalpha() or not kind):
        return None
    return kind.decode(), int(number)


def lease_end() -> ExpressionWrapper:
    """When a lease taken or renewed now runs out, by the database's clock: the one
    clock every worker shares, whatever their own say."""
    duration = timedelta(seconds=settings.INVALIDATION_LEASE_SECONDS)
    return ExpressionWrapper(Now() + duration, output_field=DateTimeField())


def claim_row(model: type[Model], job_id: int, worker: str) -> Claim:
    """A job's row (of a model with status, started_at, attempts and the lease fields),
    now running under this worker's lease, unless it ended, is gone, or another worker
    holds a lease that has not run out. A running job whose lease ran out is claimed
    again: its worker died, and it resumes from its checkpoint."""
    status = model.Status
    unfinished = model.objects.filter(id=job_id, status__in=[status.QUEUED, status.RUNNING])
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=Now()) | Q(lease_owner=worker)
    claimed = unfinished.filter(free).update(
        status=status.RUNNING,
        started_at=Coalesce(F("started_at"), timezone.now()),
        attempts=F("attempts") + 1,
        lease_owner=worker,
        lease_until=lease_end(),
    )
    if not claimed:
        return Claim(None, held_elsewhere=unfinished.exists())
    return Claim(model.objects.get(id=job_id))


class RowJobKind:
    """What kinds of jobs kept as rows share (a model with status, lease fields and
    started_at): their claim, no pause between batches, and the end of one whose run
    raised. A kind sets model and writes describe, step, finish and ended."""

    model: type[Model]

    def claim(self, job_id: int, worker: str) -> Claim:
        return claim_row(self.model, job_id, worker)

    def pause(self, job, spent: float) -> float:
        return 0.0

    def fail(self, job_id: int, worker: str, error: Exception) -> None:
        running = self.model.objects.filter(
            id=job_id, status=self.model.Status.RUNNING, lease_owner=worker
        ).first()
        if running:
            self.finish(running, "failed", Problem(ERROR, str(error)))

    def finish(self, job, status: str, problem: Problem | None) -> None:
        raise NotImplementedError
