"""manage.py celery_events: record Celery's events of every instance (or of those named)
into the dashboard's database, until stopped (cacheadmin.tasks.celery_recorder)."""

import logging
import signal
import threading

from django.core.management.base import BaseCommand

from cacheadmin.tasks.celery_recorder import run


class Command(BaseCommand):
    help = "Record Celery's task events (celery worker -E) of every instance until stopped."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--instance", action="append", help="only this instance (repeatable)")
        parser.add_argument("--seconds", type=float, help="stop after this many seconds")

    def handle(self, *args, instance: list[str] | None, seconds: float | None, **options) -> None:
        # pika logs every refused connection at length; the recorder says it in a line
        logging.getLogger("pika").setLevel(logging.CRITICAL)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
        signal.signal(signal.SIGINT, lambda signum, frame: stop.set())
        threads = run(stop, say=self.stdout.write, names=instance)
        if not threads:
            self.stderr.write("No instance to record the events of.")
            return
        stop.wait(seconds)
        stop.set()
        for thread in threads:
            thread.join()
