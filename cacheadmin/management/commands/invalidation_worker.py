"""manage.py invalidation_worker: take invalidation jobs off the durable queue and run
them batch by batch; a message is acked only when its job has ended."""

import signal
import time

import pika
from django.conf import settings
from django.core.management.base import BaseCommand

from cacheadmin import jobs
from cacheadmin.rabbit import amqp


class Command(BaseCommand):
    help = "Run invalidation jobs from RabbitMQ until stopped (SIGTERM or Ctrl-C)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="exit when the queue is empty")

    def handle(self, *args, once: bool, **options) -> None:
        self.stopping = False
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        while not self.stopping:
            try:
                self.consume(once=once)
                return
            except pika.exceptions.AMQPError as exc:
                self.stderr.write(f"RabbitMQ: {exc!r}; trying again in 5 s")
                time.sleep(5)

    def stop(self, signum, frame) -> None:
        self.stopping = True

    def consume(self, *, once: bool) -> None:
        connection = amqp.connect(settings.RABBITMQ_URL)
        channel = connection.channel()
        amqp.declare(channel)
        self.stdout.write("Waiting for invalidation jobs.")
        try:
            while not self.stopping:
                method, _, body = channel.basic_get(amqp.JOBS_QUEUE)
                if method is None:
                    if once:
                        return
                    connection.sleep(1.0)
                    continue
                if not body.isdigit():  # not a job id: drop it rather than choke on it
                    self.stderr.write(f"Dropped a message that is not a job id: {body[:80]!r}")
                    channel.basic_reject(method.delivery_tag, requeue=False)
                elif self.run_safely(int(body), connection):
                    channel.basic_ack(method.delivery_tag)
        finally:
            if connection.is_open:
                connection.close()  # an unacked job goes back to the queue

    def run_safely(self, job_id: int, connection: pika.BlockingConnection) -> bool:
        """run_job, but an error no retry can mend (the model unregistered, a broken
        row) fails the job instead of the worker."""
        try:
            return self.run_job(job_id, connection)
        except pika.exceptions.AMQPError:
            raise
        except Exception as exc:  # noqa: BLE001 (any of them must not stop the worker)
            self.stderr.write(f"Job {job_id} failed: {exc!r}")
            job = jobs.InvalidationJob.objects.filter(id=job_id).first()
            if job is not None and job.status == jobs.Status.RUNNING:
                jobs.job_finish(job, jobs.Status.FAILED, jobs.Problem("error", str(exc)))
            return True

    def run_job(self, job_id: int, connection: pika.BlockingConnection) -> bool:
        """Run a job to its end; False when stopped midway (its message must stay)."""
        job = jobs.job_claim(job_id)
        if job is None:
            return True  # finished or cancelled already
        self.stdout.write(f"Job {job.id}: {job.kind} {jobs.target_of(job).label()}")
        failures = 0
        while not self.stopping:
            started = time.monotonic()
            more, problem = jobs.job_step(job, count=self.batch_size(job))
            if problem:
                failures += 1
                if failures >= settings.INVALIDATION_RETRIES:
                    jobs.job_finish(job, jobs.Status.FAILED, problem)
                    return True
                connection.sleep(settings.INVALIDATION_BACKOFF * 2 ** (failures - 1))
                continue
            failures = 0
            if not more:
                self.stdout.write(f"Job {job.id}: {job.status}, {job.deleted:,} deleted")
                return True
            connection.sleep(self.pause(job, time.monotonic() - started))
        return False

    @staticmethod
    def batch_size(job) -> int:
        return min(jobs.engine.BATCH, job.rate or jobs.engine.BATCH)

    def pause(self, job, spent: float) -> float:
        """How long to wait before the next batch to keep under the job's rate."""
        if not job.rate:
            return 0
        return max(0.0, self.batch_size(job) / job.rate - spent)
