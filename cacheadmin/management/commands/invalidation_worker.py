"""manage.py invalidation_worker: run the background jobs (gateways.job_worker) of every
kind: invalidations, changes to task frameworks' jobs, and keyspace analyses."""

import signal

from django.core.management.base import BaseCommand

from cacheadmin.analysis.analysis_jobs import KIND as ANALYSIS
from cacheadmin.analysis.analysis_jobs import Analyses
from cacheadmin.gateways.job_queue import INVALIDATION
from cacheadmin.gateways.job_worker import Worker
from cacheadmin.invalidation.worker import Invalidations
from cacheadmin.tasks.action_jobs import KIND as TASK_ACTIONS
from cacheadmin.tasks.action_jobs import TaskActions


class Command(BaseCommand):
    help = (
        "Run background jobs (invalidations, task actions, analyses) from RabbitMQ until stopped."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="exit when the queue is empty")

    def handle(self, *args, once: bool, **options) -> None:
        kinds = {INVALIDATION: Invalidations(), TASK_ACTIONS: TaskActions(), ANALYSIS: Analyses()}
        worker = Worker(kinds=kinds, say=self.stdout.write, complain=self.stderr.write)
        signal.signal(signal.SIGTERM, lambda signum, frame: worker.stop())
        signal.signal(signal.SIGINT, lambda signum, frame: worker.stop())
        worker.run(once=once)
