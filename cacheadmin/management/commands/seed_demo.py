"""manage.py seed_demo: write the demo dataset into REDIS_URL and RABBITMQ_URL."""

import time

import pika
import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cacheadmin.demo import seed
from cacheadmin.gateways import connections


class Command(BaseCommand):
    help = "Write a demo dataset: object-cache models, plain and big keys, queues, RabbitMQ."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--objects", type=int, default=200_000, help="across all models")
        parser.add_argument("--force", action="store_true", help="even into a database in use")
        parser.add_argument(
            "--once", action="store_true", help="do nothing if the demo is there already"
        )
        parser.add_argument("--no-rabbitmq", action="store_true")

    def handle(self, *args, objects: int, force: bool, once: bool, no_rabbitmq: bool, **options):
        if objects < 3:
            raise CommandError("--objects must be at least 3")
        client = connections.keyspace(connections.instance()).client
        try:
            if once and client.exists(seed.MARKER):
                self.stdout.write("The demo data is there already.")
                return
            foreign = seed.foreign_keys(client)
            if foreign and not force:
                shown = ", ".join(repr(key) for key in foreign[:3])
                raise CommandError(
                    f"REDIS_URL's database holds keys the demo did not write ({shown}, ...). "
                    "Point REDIS_URL at an empty database, or pass --force."
                )
            started = time.monotonic()
            seed.seed_redis(client, objects=objects, say=self.stdout.write)
        except redis.RedisError as exc:
            raise CommandError(f"Redis: {exc}") from None
        if not no_rabbitmq:
            try:
                queues = seed.seed_rabbitmq(settings.RABBITMQ_URL)
                self.stdout.write(f"RabbitMQ queues: {queues}")
            except pika.exceptions.AMQPError as exc:
                self.stderr.write(f"RabbitMQ skipped: {exc!r}")
        self.stdout.write(
            self.style.SUCCESS(f"Demo written in {time.monotonic() - started:.1f} s.")
        )
