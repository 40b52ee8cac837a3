"""A steady, skewed workload on the demo data, so every page has live figures.

Reads with misses (skewed toward a hot set), writes, now and then an invalidation
by attribute value, pub/sub publishes, RabbitMQ publishes and consumes, Redis queues
filled and worked. Bounded in rate; stops when told to or after its time.
"""

import json
import random
import time
from collections.abc import Callable

import pika
import redis

from cacheadmin.demo.seed import CATEGORIES, COUNTRIES, demo_models, make_object
from cacheadmin.gateways.redis_kinds.keyspace import FAILURES
from cacheadmin.objectcache import ObjectCache

CHANNEL = "demo:events"


class Traffic:
    def __init__(self, client: redis.Redis, *, objects: int, rng: random.Random | None = None):
        self.client = client
        self.rng = rng or random.Random()
        self.cache = ObjectCache(client)
        self.models = demo_models(self.cache)
        self.sizes = {"user": objects // 2, "product": objects * 3 // 10}
        self.done = 0

    def step(self) -> str:
        """One operation; returns what it did (for tests and the log)."""
        roll = self.rng.random()
        name = "user" if self.rng.random() < 0.6 else "product"
        model, size = self.models[name], self.sizes[name]
        self.done += 1
        if roll < 0.80:
            model.get(self.skewed_id(size), lambda i: make_object(name, int(i), self.rng))
            return "read"
        if roll < 0.95:
            number = self.rng.randrange(size)
            model.set(number, make_object(name, number, self.rng))
            return "write"
        if roll < 0.99995:  # an invalidation every 20,000 operations or so
            event = {"type": "page_view", "user": self.rng.randrange(size)}
            self.client.publish(CHANNEL, json.dumps(event))
            return "publish"
        attribute, values = ("country", COUNTRIES) if name == "user" else ("category", CATEGORIES)
        model.invalidate_attribute(attribute, self.rng.choice(values))
        return "invalidate"

    def skewed_id(self, size: int) -> int:
        """A hot 10% of the ids get most reads; 1 read in 8 asks for an id past the
        cached ones (a miss that loads)."""
        if self.rng.random() < 0.125:
            return size + self.rng.randrange(size)
        if self.rng.random() < 0.8:
            return self.rng.randrange(max(1, size // 10))
        return self.rng.randrange(size)


def rabbit_tick(channel, rng: random.Random) -> None:
    """Publish a few orders and take (ack) a few: queues move both ways."""
    for _ in range(rng.randrange(1, 4)):
        channel.basic_publish("", "demo.orders", json.dumps({"order": rng.randrange(10**6)}))
    for _ in range(rng.randrange(1, 5)):  # a little more out than in: the queue drains
        method, _, _ = channel.basic_get("demo.orders")
        if method is None:
            break
        channel.basic_ack(method.delivery_tag)


def redis_queue_tick(client: redis.Redis, rng: random.Random) -> None:
    """Emails arrive and are worked through a processing list (the reliable-queue
    pattern); orders arrive on the stream and the billing group reads and acks some."""
    with client.pipeline(transaction=False) as pipe:
        for _ in range(rng.randrange(1, 5)):
            pipe.rpush(
                "queue:emails", json.dumps({"to": f"user{rng.randrange(10**4)}@example.com"})
            )
        pipe.execute(raise_on_error=False)
    for _ in range(rng.randrange(1, 5)):
        try:
            client.lmove("queue:emails", "queue:emails:processing", "LEFT", "RIGHT")
        except FAILURES:  # a cluster moves nothing between two slots
            break
    with client.pipeline(transaction=False) as pipe:
        pipe.ltrim("queue:emails:processing", -3, -1)  # the oldest ones were done
        for _ in range(rng.randrange(0, 3)):
            pipe.xadd(
                "orders:queue", {"order": rng.randrange(10**6), "total": rng.randrange(10, 500)}
            )
        pipe.execute(raise_on_error=False)  # the demo data may have been removed
    try:
        read = client.xreadgroup("billing", "worker-1", {"orders:queue": ">"}, count=1)
    except redis.ResponseError:  # no group any more
        return
    for _, entries in read or []:
        for entry_id, _ in entries:
            client.xack("orders:queue", "billing", entry_id)


def run(
    client: redis.Redis,
    *,
    rabbit_url: str | None,
    objects: int,
    seconds: float | None,
    rate: float,
    should_stop: Callable[[], bool],
    say: Callable[[str], None],
) -> int:
    traffic = Traffic(client, objects=objects)
    channel = _rabbit_channel(rabbit_url, say)
    started = last_report = time.monotonic()
    interval = 1.0 / rate
    while not should_stop() and (seconds is None or time.monotonic() - started < seconds):
        traffic.step()
        if traffic.done % 50 == 0:
            redis_queue_tick(client, traffic.rng)
            if channel is not None:
                rabbit_tick(channel, traffic.rng)
        if time.monotonic() - last_report >= 60:
            say(f"{traffic.done:,} operations")
            last_report = time.monotonic()
        time.sleep(interval)
    traffic.cache.flush()
    if channel is not None:
        channel.connection.close()
    return traffic.done


def _rabbit_channel(url: str | None, say: Callable[[str], None]):
    if not url:
        return None
    try:
        return pika.BlockingConnection(pika.URLParameters(url)).channel()
    except pika.exceptions.AMQPError as exc:
        say(f"RabbitMQ traffic skipped: {exc!r}")
        return None
