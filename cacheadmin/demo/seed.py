"""A realistic demo dataset, written through the objectcache library.

Models `user`, `product` and `session` (with inverted indexes), plain string keys
with mixed TTLs, a few big keys, list queues with processing lists, a stream with
a consumer group and pending entries, and RabbitMQ queues with a dead-letter queue.
On a Redis Cluster the models are `{user}`, `{product}` and `{session}`: the library
needs a model's keys in one slot there.
"""

import random
from collections.abc import Callable

import pika
import redis

from cacheadmin.objectcache import Crc32, Div, ObjectCache

MARKER = "cacheadmin:demo"
# Every key the demo writes starts with one of these.
PREFIXES = (
    b"user:",
    b"product:",
    b"session:",
    b"{user}:",
    b"{product}:",
    b"{session}:",
    b"page:",
    b"big:",
    b"queue:",
    b"rq:",
    b"orders:",
    b"objectcache:",
    b"cacheadmin:",
)
COUNTRIES = ["FR", "DE", "US", "GB", "JP", "BR", "IN", "ES", "IT", "NL"]
PLANS = ["free", "pro", "team"]
CATEGORIES = ["books", "games", "garden", "kitchen", "music", "sport", "tools", "toys"]
TAGS = ["new", "sale", "eco", "gift", "bulk"]
RABBIT_QUEUES = {"demo.orders": 150, "demo.emails": 40}
DEAD_LETTERS = 12


class ForeignKeys(Exception):
    """The database holds keys the demo did not write."""


def demo_models(cache: ObjectCache) -> dict:
    """The three models, by their plain names; where the library wants a hash tag (a
    cluster), named with one."""
    return {
        "user": _model(cache, "user", bucket=Div(100), ttl=3600, inverted=["country", "plan"]),
        "product": _model(
            cache, "product", bucket=Div(100), ttl=1800, inverted=["category", "tags"]
        ),
        "session": _model(cache, "session", bucket=Crc32(512), ttl=900, inverted=["user"]),
    }


def _model(cache: ObjectCache, name: str, **layout):
    try:
        return cache.model(name, **layout)
    except ValueError:  # the library's answer on a cluster: name it {name}
        return cache.model(f"{{{name}}}", **layout)


def foreign_keys(client: redis.Redis, *, sample: int = 2000) -> list[bytes]:
    """Keys (from a sample) that the demo would not have written."""
    foreign = []
    for number, key in enumerate(client.scan_iter(count=1000)):
        if not key.startswith(PREFIXES):
            foreign.append(key)
        if number >= sample or len(foreign) >= 5:
            break
    return foreign


def seed_redis(client: redis.Redis, *, objects: int, say: Callable[[str], None]) -> dict:
    """Write the whole Redis side; returns how many of each thing."""
    rng = random.Random(7)  # the same demo every time
    models = demo_models(ObjectCache(client))
    counts = {"user": objects // 2, "product": objects * 3 // 10}
    counts["session"] = objects - counts["user"] - counts["product"]
    for name, count in counts.items():
        write_objects(models[name], name, count, rng)
        say(f"{name}: {count:,} objects")
    seed_plain_keys(client, rng)
    seed_queues(client, rng)
    client.hset(MARKER, mapping={"objects": objects})
    say("plain keys, big keys, queues and a stream")
    return counts


def write_objects(model, name: str, count: int, rng: random.Random) -> None:
    batch = {}
    for number in range(count):
        batch[number if name != "session" else f"s{number:07d}"] = make_object(name, number, rng)
        if len(batch) >= 2000:
            model.set_many(batch)
            batch = {}
    if batch:
        model.set_many(batch)


def make_object(name: str, number: int, rng: random.Random) -> dict:
    """Small objects, as a compact cache wants them; product 700-799 carry long
    descriptions, which push their bucket out of the compact encoding."""
    if name == "user":
        return {"id": number, "country": rng.choice(COUNTRIES), "plan": rng.choice(PLANS)}
    if name == "product":
        product = {"id": number, "category": rng.choice(CATEGORIES), "tags": rng.sample(TAGS, 2)}
        if 700 <= number < 800:
            product["about"] = "A long description. " * 8
        return product
    return {"user": rng.randrange(1000), "ip": f"10.0.{number % 256}.{rng.randrange(256)}"}


def seed_plain_keys(client: redis.Redis, rng: random.Random) -> None:
    with client.pipeline(transaction=False) as pipe:
        for number in range(20_000):
            ttl = rng.choice([None, 60, 600, 3600, 86_400])
            pipe.set(f"page:/products/{number}", f"<html>page {number}</html>", ex=ttl)
        pipe.execute()
    client.set("big:report", b"r" * (5 * 1024 * 1024))
    for start in range(0, 100_000, 10_000):
        client.hset("big:hash", mapping={f"f{n}": n for n in range(start, start + 10_000)})
    client.zadd("big:leaderboard", {f"player{n}": rng.random() * 1000 for n in range(50_000)})


def seed_queues(client: redis.Redis, rng: random.Random) -> None:
    client.delete("queue:emails", "queue:emails:processing", "rq:queue:default", "orders:queue")
    client.rpush("queue:emails", *[f'{{"to": "user{n}@example.com"}}' for n in range(500)])
    client.rpush("queue:emails:processing", *[f'{{"to": "busy{n}@example.com"}}' for n in range(3)])
    client.rpush("rq:queue:default", *[f"job-{n}" for n in range(120)])
    for number in range(2000):
        client.xadd("orders:queue", {"order": number, "total": rng.randrange(10, 500)})
    client.xgroup_create("orders:queue", "billing", id="0")
    client.xreadgroup("billing", "worker-1", {"orders:queue": ">"}, count=25)


def seed_rabbitmq(url: str) -> dict:
    """Queues with messages, and a dead-letter exchange with its queue."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        channel.exchange_declare("demo.dlx", exchange_type="fanout", durable=True)
        channel.queue_declare("demo.dead", durable=True)
        channel.queue_bind("demo.dead", "demo.dlx")
        for queue, messages in RABBIT_QUEUES.items():
            arguments = {"x-dead-letter-exchange": "demo.dlx"}
            channel.queue_declare(queue, durable=True, arguments=arguments)
            channel.queue_purge(queue)
            for number in range(messages):
                channel.basic_publish("", queue, f'{{"n": {number}}}'.encode())
        channel.queue_purge("demo.dead")
        for number in range(DEAD_LETTERS):
            channel.basic_publish("demo.dlx", "", f'{{"failed": {number}}}'.encode())
    finally:
        connection.close()
    return {**RABBIT_QUEUES, "demo.dead": DEAD_LETTERS}
