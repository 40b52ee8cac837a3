"""manage.py invalidation_worker: run invalidation jobs (cacheadmin.invalidation.worker)."""

import signal

from django.core.management.base import BaseCommand

from cacheadmin.invalidation.worker import Worker


class Command(BaseCommand):
    help = "Run invalidation jobs from RabbitMQ until stopped (SIGTERM or Ctrl-C)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="exit when the queue is empty")

    def handle(self, *args, once: bool, **options) -> None:
        worker = Worker(say=self.stdout.write, complain=self.stderr.write)
        signal.signal(signal.SIGTERM, lambda signum, frame: worker.stop())
        signal.signal(signal.SIGINT, lambda signum, frame: worker.stop())
        worker.run(once=once)
