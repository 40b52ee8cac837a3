"""The invalidation worker: take job ids off the durable queue and run each job batch by
batch; a message is acked only when its job has ended, so a job whose worker dies is
delivered again and resumes from its checkpoint."""

import os
import socket
import time
import uuid
from collections.abc import Callable

import pika
from django.conf import settings

from cacheadmin.gateways.amqp import FAILURES, connect
from cacheadmin.gateways.problems import BAD_REQUEST, NOT_FOUND, REFUSED
from cacheadmin.invalidation import engine, jobs, messaging
from cacheadmin.models import InvalidationJob

Say = Callable[[str], None]
ENDED, STOPPED, HELD = "ended", "stopped", "held"  # what became of a job's message
# Problems no retry mends: the user's rights, a target or a database that is not there.
LASTING = (REFUSED, BAD_REQUEST, NOT_FOUND)
HELD_RETRY = 1.0  # seconds between claims of a job another worker holds


class Worker:
    def __init__(self, *, say: Say, complain: Say):
        self.say = say
        self.complain = complain
        self.stopping = False
        # Who holds a job's lease: one name per worker process and start.
        self.name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

    def stop(self) -> None:
        """Stop after the current batch; its job's message goes back to the queue."""
        self.stopping = True

    def run(self, *, once: bool) -> None:
        """Until stopped (or, once, until the queue is empty); reconnects to RabbitMQ."""
        while not self.stopping:
            try:
                self.consume(once=once)
                return
            except FAILURES as exc:
                self.complain(f"RabbitMQ: {exc!r}; trying again in 5 s")
                time.sleep(5)

    def consume(self, *, once: bool) -> None:
        connection = connect(settings.RABBITMQ_URL, timeout=settings.RABBITMQ_TIMEOUT)
        channel = connection.channel()
        messaging.declare(channel)
        self.say("Waiting for invalidation jobs.")
        held = HeldJobs()
        try:
            while not self.stopping:
                delivery = held.due() or self.take(channel)
                if delivery is None:
                    if once:
                        return
                    connection.sleep(1.0)
                    continue
                tag, job_id = delivery
                outcome = self.run_safely(job_id, connection)
                if outcome == HELD:
                    if not held.knows(tag):
                        self.say(f"Job {job_id}: another worker holds it; waiting for its lease")
                    held.wait(tag, job_id)
                    if once:
                        return
                    continue
                held.forget(tag)
                if outcome == ENDED:
                    channel.basic_ack(tag)
        finally:
            if connection.is_open:
                connection.close()  # an unacked job goes back to the queue

    def take(self, channel) -> tuple[int, int] | None:
        """The next job's (delivery tag, id) off the queue, or None when it is empty."""
        while True:
            method, _, body = channel.basic_get(messaging.JOBS_QUEUE)
            if method is None:
                return None
            if body.isdigit():
                return method.delivery_tag, int(body)
            # Not a job id: drop it rather than choke on it.
            self.complain(f"Dropped a message that is not a job id: {body[:80]!r}")
            channel.basic_reject(method.delivery_tag, requeue=False)

    def run_safely(self, job_id: int, connection: pika.BlockingConnection) -> str:
        """run_job, but an error no retry can mend (the model unregistered, a broken
        row) fails the job instead of the worker."""
        try:
            return self.run_job(job_id, connection)
        except FAILURES:
            raise
        except Exception as exc:  # noqa: BLE001 (any of them must not stop the worker)
            self.complain(f"Job {job_id} failed: {exc!r}")
            jobs.job_fail(job_id=job_id, worker=self.name, error=exc)
            return ENDED

    def run_job(self, job_id: int, connection: pika.BlockingConnection) -> str:
        """Run a job to its end (ENDED); STOPPED when stopped midway (its message must
        stay); HELD when another live worker holds it."""
        claim = jobs.job_claim(job_id=job_id, worker=self.name)
        if claim.held_elsewhere:
            return HELD
        job = claim.job
        if job is None:
            return ENDED  # finished or cancelled already
        self.say(f"Job {job.id}: {job.kind} {jobs.target_of(job).label()}")
        failures = 0
        while not self.stopping:
            started = time.monotonic()
            more, problem = jobs.job_step(job=job, count=batch_size(job))
            if problem:
                failures += 1
                if failures >= settings.INVALIDATION_RETRIES or problem.kind in LASTING:
                    jobs.job_finish(job=job, status=jobs.Status.FAILED, problem=problem)
                    return ENDED
                connection.sleep(settings.INVALIDATION_BACKOFF * 2 ** (failures - 1))
                continue
            failures = 0
            if not more:
                self.say(f"Job {job.id}: {job.status}, {job.deleted:,} deleted")
                return ENDED
            connection.sleep(pause(job, time.monotonic() - started))
        return STOPPED


class HeldJobs:
    """Messages of jobs another live worker holds. Each stays unacked with us, not put
    back: a put-back would come straight round again ahead of the other jobs (and count
    as a delivery on a queue with a delivery limit). It is claimed again now and then,
    and run once the lease has run out (its worker died), or acked once the job ended."""

    def __init__(self):
        self.retry_at: dict[int, tuple[int, float]] = {}  # tag -> (job id, when)

    def knows(self, tag: int) -> bool:
        return tag in self.retry_at

    def wait(self, tag: int, job_id: int) -> None:
        self.retry_at[tag] = (job_id, time.monotonic() + HELD_RETRY)

    def forget(self, tag: int) -> None:
        self.retry_at.pop(tag, None)

    def due(self) -> tuple[int, int] | None:
        """A held job's (delivery tag, id) whose time to try again has come."""
        now = time.monotonic()
        return next(
            ((tag, job_id) for tag, (job_id, when) in self.retry_at.items() if when <= now), None
        )


def batch_size(job: InvalidationJob) -> int:
    return min(engine.BATCH, job.rate or engine.BATCH)


def pause(job: InvalidationJob, spent: float) -> float:
    """How long to wait before the next batch to keep under the job's rate."""
    if not job.rate:
        return 0
    return max(0.0, batch_size(job) / job.rate - spent)
