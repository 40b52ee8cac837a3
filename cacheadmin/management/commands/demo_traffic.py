"""manage.py demo_traffic: a steady workload on the demo data until stopped."""

import signal

import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cacheadmin.demo import traffic
from cacheadmin.demo.seed import MARKER
from cacheadmin.gateways import connections


class Command(BaseCommand):
    help = "Run reads, misses, writes, invalidations, publishes and RabbitMQ traffic on the demo."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seconds", type=float, default=None, help="stop after this long")
        parser.add_argument("--rate", type=float, default=200.0, help="operations per second")
        parser.add_argument("--no-rabbitmq", action="store_true")

    def handle(self, *args, seconds: float | None, rate: float, no_rabbitmq: bool, **options):
        if rate <= 0 or rate > 5000:
            raise CommandError("--rate must be above 0 and at most 5000")
        stop = {"now": False}

        def ask_to_stop(signum, frame) -> None:
            stop["now"] = True

        signal.signal(signal.SIGTERM, ask_to_stop)
        signal.signal(signal.SIGINT, ask_to_stop)
        client = connections.keyspace(connections.instance()).client
        try:
            objects = int(client.hget(MARKER, "objects") or 0)
            if not objects:
                raise CommandError("No demo data here: run manage.py seed_demo first.")
            self.stdout.write(f"Demo traffic at {rate:g} operations/s; stop with Ctrl-C.")
            done = traffic.run(
                client,
                rabbit_url=None if no_rabbitmq else settings.RABBITMQ_URL,
                objects=objects,
                seconds=seconds,
                rate=rate,
                should_stop=lambda: stop["now"],
                say=self.stdout.write,
            )
        except redis.RedisError as exc:
            raise CommandError(f"Redis: {exc}") from None
        self.stdout.write(f"Stopped after {done:,} operations.")
