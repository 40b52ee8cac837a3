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

from cacheadmin.core.amqp import FAILURES, connect
from cacheadmin.invalidation import engine, jobs, messaging
from cacheadmin.models import InvalidationJob

Say = Callable[[str], None]
ENDED, STOPPED, HELD = "ended", "stopped", "held"  # what became of a job's message
HELD_WAIT = 1.0  # seconds before a held job's message goes back to the queue


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
        try:
            while not self.stopping:
                method, _, body = channel.basic_get(messaging.JOBS_QUEUE)
                if method is None:
                    if once:
                        return
                    connection.sleep(1.0)
                    continue
                if not body.isdigit():  # not a job id: drop it rather than choke on it
                    self.complain(f"Dropped a message that is not a job id: {body[:80]!r}")
                    channel.basic_reject(method.delivery_tag, requeue=False)
                    continue
                outcome = self.run_safely(int(body), connection)
                if outcome == ENDED:
                    channel.basic_ack(method.delivery_tag)
                elif outcome == HELD:  # back to the queue, for when the lease runs out
                    connection.sleep(HELD_WAIT)
                    channel.basic_reject(method.delivery_tag, requeue=True)
                    if once:
                        return
        finally:
            if connection.is_open:
                connection.close()  # an unacked job goes back to the queue

    def run_safely(self, job_id: int, connection: pika.BlockingConnection) -> str:
        """run_job, but an error no retry can mend (the model unregistered, a broken
        row) fails the job instead of the worker."""
        try:
            return self.run_job(job_id, connection)
        except FAILURES:
            raise
        except Exception as exc:  # noqa: BLE001 (any of them must not stop the worker)
            self.complain(f"Job {job_id} failed: {exc!r}")
            jobs.job_fail(job_id=job_id, error=exc)
            return ENDED

    def run_job(self, job_id: int, connection: pika.BlockingConnection) -> str:
        """Run a job to its end (ENDED); STOPPED when stopped midway (its message must
        stay); HELD when another live worker holds it."""
        claim = jobs.job_claim(job_id=job_id, worker=self.name)
        if claim.held_elsewhere:
            self.say(f"Job {job_id}: another worker holds it; back to the queue")
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
                if failures >= settings.INVALIDATION_RETRIES:
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


def batch_size(job: InvalidationJob) -> int:
    return min(engine.BATCH, job.rate or engine.BATCH)


def pause(job: InvalidationJob, spent: float) -> float:
    """How long to wait before the next batch to keep under the job's rate."""
    if not job.rate:
        return 0
    return max(0.0, batch_size(job) / job.rate - spent)
