"""manage.py sampler: read every instance's figures every SAMPLE_SECONDS into the
dashboard's history (cacheadmin.monitoring), while this process holds the lease."""

import signal

from django.core.management.base import BaseCommand

from cacheadmin.cache.figures import ModelFigures
from cacheadmin.monitoring.sampler import Sampler
from cacheadmin.overview.figures import BrokerFigures, RedisServerFigures
from cacheadmin.queues.figures import RabbitQueueDepths, RedisQueueDepths
from cacheadmin.tasks.figures import CeleryFailures, RqFailures

# The figure sources, one per capability that keeps figures: a new figure is a source
# added here (its capability's figures.py), never a change to the loop.
SOURCES = (
    RedisServerFigures(),
    ModelFigures(),
    RedisQueueDepths(),
    BrokerFigures(),
    RabbitQueueDepths(),
    RqFailures(),
    CeleryFailures(),
)


class Command(BaseCommand):
    help = "Sample every instance's figures into the dashboard's history until stopped."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="one round, then exit")

    def handle(self, *args, once: bool, **options) -> None:
        sampler = Sampler(SOURCES, say=self.stdout.write, complain=self.stderr.write)
        signal.signal(signal.SIGTERM, lambda signum, frame: sampler.stop())
        signal.signal(signal.SIGINT, lambda signum, frame: sampler.stop())
        sampler.run(once=once)
