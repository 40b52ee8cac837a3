"""Queues that task frameworks made on Redis, known by the frameworks' own registries
and names, read from their own packages rather than written out again here.

RQ lists every queue in a set (rq:queues), an emptied one too, and keeps its jobs,
results, registries and workers under the same rq: prefix: none of those is a queue.
Celery on Redis (kombu) binds each queue in a set `_kombu.binding.<exchange>` whose
members end with the queue's name, and splits a queue by priority into sub-queues
`<queue>\\x06\\x16<priority>` (priority 0 is the queue itself): one queue here, with a
count per priority.
"""

from dataclasses import dataclass, field

import redis
from kombu.transport.redis import Channel
from rq.queue import Queue

from cacheadmin.gateways.keycodec import glob_escape

RQ = "rq"
CELERY = "celery"
RQ_QUEUES = Queue.redis_queues_keys.encode()  # the set of every RQ queue's key
RQ_QUEUE = Queue.redis_queue_namespace_prefix.encode()  # rq:queue:<name>
RQ_OWN = RQ_QUEUE[: RQ_QUEUE.index(b":") + 1]  # rq:, the prefix of all RQ's keys
KOMBU_SEP = Channel.sep.encode()
KOMBU_BINDING = (Channel.keyprefix_queue % "").encode()  # _kombu.binding.<exchange>
BINDINGS_GLOB = glob_escape(KOMBU_BINDING) + b"*"
CELERY_DEFAULT = b"celery"  # Celery's default queue, bound or not yet
PRIORITIES = range(1, 10)  # kombu's sub-queues; priority 0 is the queue itself
CELERY_EVENTS = "celeryev."  # a RabbitMQ queue per client of Celery's events
PIDBOX = ".pidbox"  # a RabbitMQ queue per worker, for remote control


@dataclass
class Registered:
    """What a server's framework registries name: RQ's queue keys, and the queues
    kombu's bindings name. A cluster's servers each hold some: they are merged."""

    rq: set[bytes] = field(default_factory=set)
    celery: set[bytes] = field(default_factory=set)

    def merge(self, other: "Registered") -> None:
        self.rq |= other.rq
        self.celery |= other.celery


def registered(node: redis.Redis, bindings: list[bytes]) -> Registered:
    """RQ's queue set and the queues named by the binding sets found on this server
    (by the discovery's SCAN): one round trip."""
    with node.pipeline(transaction=False) as pipe:
        pipe.smembers(RQ_QUEUES)
        for binding in bindings:
            pipe.smembers(binding)
        rq_queues, *bound = pipe.execute(raise_on_error=False)
    found = Registered(rq=_members(rq_queues))
    for members in bound:
        found.celery |= {member.rsplit(KOMBU_SEP, 1)[-1] for member in _members(members)}
    found.celery.discard(b"")
    return found


def known_for(client: redis.Redis, key: bytes) -> Registered:
    """Whether one key is an RQ queue (in its set) or a Celery queue (bound by its own
    name, as kombu binds a queue to the default exchange): one round trip."""
    with client.pipeline(transaction=False) as pipe:
        pipe.sismember(RQ_QUEUES, key)
        pipe.exists(KOMBU_BINDING + key)
        in_rq, bound = pipe.execute(raise_on_error=False)
    return Registered(
        rq={key} if in_rq is True or in_rq == 1 else set(), celery={key} if bound == 1 else set()
    )


def _members(reply: object) -> set[bytes]:
    return set(reply) if isinstance(reply, set) else set()  # WRONGTYPE: not a registry


def broker_framework(name: str) -> str | None:
    """A RabbitMQ queue that Celery made by its name: its default queue, its events'
    (celeryev.*) and its workers' remote-control queues (*.pidbox)."""
    celery = name == CELERY_DEFAULT.decode()
    return CELERY if celery or celery_internal(name.encode()) else None


def celery_internal(name: bytes) -> bool:
    """A queue of Celery's own, by its name: its events' or a worker's remote control
    (and their replies), on RabbitMQ as on Redis."""
    return name.startswith(CELERY_EVENTS.encode()) or name.endswith(PIDBOX.encode())


def framework_of(key: bytes, known: Registered) -> str | None:
    if key in known.rq:
        return RQ
    if key in known.celery or key == CELERY_DEFAULT:
        return CELERY
    return None


def sorted_out(queues: dict[bytes, str], known: Registered) -> dict[bytes, str]:
    """The queues found, with every registered one that exists or not (an emptied RQ
    queue has no list), without RQ's own keys (its results are streams) and kombu's
    priority sub-queues (counted with their queue)."""
    kept = {key: kind for key, kind in queues.items() if not _framework_internal(key, known)}
    for key in known.rq | known.celery:
        kept.setdefault(key, "list")
    return kept


def _framework_internal(key: bytes, known: Registered) -> bool:
    if key.startswith(RQ_OWN) and key not in known.rq:
        unregistered_queue = key.startswith(RQ_QUEUE) and not known.rq  # no set: an old RQ
        return not unregistered_queue
    base, sep, priority = key.rpartition(KOMBU_SEP)
    return bool(sep) and priority.isdigit() and (base in known.celery or base == CELERY_DEFAULT)


def priority_keys(key: bytes) -> list[bytes]:
    """A Celery queue's sub-queue keys, priority 1 to 9."""
    return [key + KOMBU_SEP + str(priority).encode() for priority in PRIORITIES]
