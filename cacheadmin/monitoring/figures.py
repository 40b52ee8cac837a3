"""What the sampler records: the figures it knows, and what a figure source gives it.

A capability that has figures to keep writes a Source (its figures.py) and the sampler
command lists it (cacheadmin/management/commands/sampler.py): the loop itself never
changes for a new figure. A figure is added here, named once, with how its roll-ups
combine samples."""

import hashlib
from dataclasses import dataclass, field
from typing import Protocol

from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.problems import Problem

LEVEL = "level"  # a roll-up keeps the mean (a depth)
COUNT = "count"  # a roll-up keeps the largest (a count whose increases are charted)
IDENTITY = "identity"  # a roll-up keeps the largest (any one of them: it tells a change)


@dataclass(frozen=True)
class Figure:
    name: str
    meaning: str
    rolls_up: str  # LEVEL or COUNT


FIGURES = {
    figure.name: figure
    for figure in (
        Figure("queue.ready", "messages waiting in a queue", LEVEL),
        Figure("queue.unacked", "messages delivered and not acknowledged", LEVEL),
        Figure("queue.consumers", "consumers of a queue", LEVEL),
        Figure("rq.failed", "jobs in an RQ queue's failed registry", COUNT),
        Figure("redis.up", "1 when the instance's Redis answered, 0 when not", LEVEL),
        Figure("redis.server", "which server's counters (a cluster's: primaries')", IDENTITY),
        Figure("redis.used_memory", "bytes used (a cluster's primaries summed)", LEVEL),
        Figure("redis.maxmemory", "the memory limit in bytes (0: none)", LEVEL),
        Figure("redis.keyspace_hits", "lookups that found their key, since the start", COUNT),
        Figure("redis.keyspace_misses", "lookups that did not, since the start", COUNT),
        Figure("redis.ops_per_sec", "commands a second", LEVEL),
        Figure("redis.keys", "keys in every database", LEVEL),
        Figure("redis.evicted_keys", "keys evicted at maxmemory, since the start", COUNT),
        Figure("redis.clients", "connected clients", LEVEL),
        Figure("redis.replication_lag", "the most seconds a replica is behind", LEVEL),
        Figure("redis.cluster_ok", "1 when the cluster's state is ok (every slot served)", LEVEL),
        Figure("redis.cluster_slots_ok", "slots served by a primary that is up", LEVEL),
        Figure("rabbitmq.up", "1 when the instance's RabbitMQ answered, 0 when not", LEVEL),
        Figure("rabbitmq.alarms", "alarms raised: memory, disk, a node down or cut off", LEVEL),
        Figure("rabbitmq.node_memory", "bytes a RabbitMQ node uses", LEVEL),
        Figure("rabbitmq.node_memory_limit", "a node's memory high watermark, bytes", LEVEL),
        Figure("model.hits", "an object-cache model's hits since its first lookup", COUNT),
        Figure("model.misses", "its misses since its first lookup", COUNT),
        Figure("model.objects", "objects it holds (from a sample of its buckets)", LEVEL),
        Figure("celery.failed", "Celery tasks failed in the last whole minute", LEVEL),
        Figure("celery.retried", "Celery task retries in the last whole minute", LEVEL),
    )
}
QUEUE_READY, QUEUE_UNACKED, QUEUE_CONSUMERS, RQ_FAILED = list(FIGURES)[:4]
CELERY_FAILED, CELERY_RETRIED = "celery.failed", "celery.retried"
REDIS_SERVER = "redis.server"


@dataclass(frozen=True)
class Reading:
    """One figure's value now: about subject (subject_of; "" for the instance itself),
    named for people by labels."""

    figure: str
    subject: str
    value: float
    labels: dict[str, str] = field(default_factory=dict)


Read = tuple[list[Reading] | None, Problem | None]


class Source(Protocol):
    """A capability's figures. read runs in a thread of its own and must not touch the
    dashboard's database; it asks one service of the instance (service: "redis" or
    "rabbitmq"), whose timeout bounds how long a round waits for it. A source of what
    the dashboard's database holds (service: "database") is read by the sampler's own
    thread, once the others are in."""

    name: str
    service: str

    def wanted(self, instance: Instance) -> bool: ...

    def read(self, instance: Instance) -> Read: ...

    # Optional: silence() -> list[Reading], what it means that the source did not
    # answer within its wait (a server's up 0), written then by the sampler.


def subject_of(*parts: bytes | str) -> str:
    """A short, fixed-length name for what a series is about, from its parts (a queue's
    key, or its vhost and name), whatever their length or bytes."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()[:40]


def redis_queue_subject(key: bytes) -> str:
    """What a Redis queue's series are about: its key (on its instance)."""
    return subject_of("redis", key)


def rabbit_queue_subject(vhost: str, name: str) -> str:
    return subject_of("rabbitmq", vhost, name)


def rq_subject(queue: str) -> str:
    """What an RQ queue's series (its failures) are about: its name."""
    return subject_of("rq", queue)


def model_subject(model: str) -> str:
    """What an object-cache model's series are about: its name (on its instance)."""
    return subject_of("model", model)
