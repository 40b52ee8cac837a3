"""The worker of background jobs: take references off the durable queue and run each
job batch by batch through its kind (job_queue.JobKind); a message is acked only when
its job has ended, so a job whose worker dies is delivered again and resumes from its
checkpoint."""

import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping

import pika
from django.conf import settings

from cacheadmin.gateways.amqp import FAILURES, connect
from cacheadmin.gateways.job_queue import JOBS_QUEUE, JobKind, declare, parse
from cacheadmin.gateways.problems import BAD_REQUEST, CHANGED, NOT_FOUND, REFUSED

Say = Callable[[str], None]
Delivery = tuple[int, str, int]  # delivery tag, kind, job id
ENDED, STOPPED, HELD = "ended", "stopped", "held"  # what became of a job's message
# Problems no retry mends: the user's rights, a target or a database that is not there,
# a cursor whose server changed.
LASTING = (REFUSED, BAD_REQUEST, NOT_FOUND, CHANGED)
HELD_RETRY = 1.0  # seconds between claims of a job another worker holds


class Worker:
    def __init__(self, *, kinds: Mapping[str, JobKind], say: Say, complain: Say):
        self.kinds = kinds
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
        declare(channel)
        self.say("Waiting for jobs.")
        held = HeldJobs()
        try:
            while not self.stopping:
                delivery = held.due() or self.take(channel)
                if delivery is None:
                    if once:
                        return
                    connection.sleep(1.0)
                    continue
                tag, kind, job_id = delivery
                outcome = self.run_safely(kind, job_id, connection)
                if outcome == HELD:
                    if not held.knows(tag):
                        self.say(f"Job {job_id}: another worker holds it; waiting for its lease")
                    held.wait(delivery)
                    if once:
                        return
                    continue
                held.forget(tag)
                if outcome == ENDED:
                    channel.basic_ack(tag)
        finally:
            if connection.is_open:
                connection.close()  # an unacked job goes back to the queue

    def take(self, channel) -> Delivery | None:
        """The next job's (delivery tag, kind, id) off the queue, None when it is empty."""
        while True:
            method, _, body = channel.basic_get(JOBS_QUEUE)
            if method is None:
                return None
            parsed = parse(body)
            if parsed and parsed[0] in self.kinds:
                return method.delivery_tag, *parsed
            # Not a job this worker knows: drop it rather than choke on it.
            self.complain(f"Dropped a message that is not a job's reference: {body[:80]!r}")
            channel.basic_reject(method.delivery_tag, requeue=False)

    def run_safely(self, kind: str, job_id: int, connection: pika.BlockingConnection) -> str:
        """run_job, but an error no retry can mend (a model unregistered, a broken row)
        fails the job instead of the worker."""
        try:
            return self.run_job(self.kinds[kind], job_id, connection)
        except FAILURES:
            raise
        except Exception as exc:  # noqa: BLE001 (any of them must not stop the worker)
            self.complain(f"Job {job_id} failed: {exc!r}")
            self.kinds[kind].fail(job_id, self.name, exc)
            return ENDED

    def run_job(self, kind: JobKind, job_id: int, connection: pika.BlockingConnection) -> str:
        """Run a job to its end (ENDED); STOPPED when stopped midway (its message must
        stay); HELD when another live worker holds it."""
        claim = kind.claim(job_id, self.name)
        if claim.held_elsewhere:
            return HELD
        job = claim.job
        if job is None:
            return ENDED  # finished or cancelled already
        self.say(kind.describe(job))
        failures = 0
        while not self.stopping:
            started = time.monotonic()
            more, problem = kind.step(job)
            if problem:
                failures += 1
                if failures >= settings.INVALIDATION_RETRIES or problem.kind in LASTING:
                    kind.finish(job, "failed", problem)
                    return ENDED
                connection.sleep(settings.INVALIDATION_BACKOFF * 2 ** (failures - 1))
                continue
            failures = 0
            if not more:
                self.say(kind.ended(job))
                return ENDED
            connection.sleep(kind.pause(job, time.monotonic() - started))
        return STOPPED


class HeldJobs:
    """Messages of jobs another live worker holds. Each stays unacked with us, not put
    back: a put-back would come straight round again ahead of the other jobs (and count
    as a delivery on a queue with a delivery limit). It is claimed again now and then,
    and run once the lease has run out (its worker died), or acked once the job ended."""

    def __init__(self):
        self.retry_at: dict[int, tuple[Delivery, float]] = {}  # tag -> (delivery, when)

    def knows(self, tag: int) -> bool:
        return tag in self.retry_at

    def wait(self, delivery: Delivery) -> None:
        self.retry_at[delivery[0]] = (delivery, time.monotonic() + HELD_RETRY)

    def forget(self, tag: int) -> None:
        self.retry_at.pop(tag, None)

    def due(self) -> Delivery | None:
        """A held job's delivery whose time to try again has come."""
        now = time.monotonic()
        return next((delivery for delivery, when in self.retry_at.values() if when <= now), None)
