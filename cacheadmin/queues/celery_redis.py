"""A Celery queue on Redis as its workers see it: the next messages in the order a
worker takes them, decoded, and the tasks reserved but not acknowledged. Read only
(LLEN, LRANGE, ZRANGE, HMGET): nothing is taken, lost or reordered.

kombu 5.7 on Redis: a producer LPUSHes a message onto the list of its priority (the
queue's own key for 0, `<queue>\\x06\\x16<n>` otherwise); a worker BRPOPs the queue's
lists in the order of its priority steps (0, 3, 6, 9 by default, lowest first), so the
next message out is the right end of the first non-empty list. A message a worker
takes is kept until it is acknowledged in the hash `unacked` (delivery tag → JSON
[message, exchange, routing key]), with the time it was taken in the sorted set
`unacked_index`; a worker's sweep puts back those older than the visibility timeout.
Those key names and the timeout are the app's transport options, which a dashboard
cannot see: the defaults are read here.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis
from kombu.transport.redis import Channel

from cacheadmin.formats.celery_messages import (
    MAX_MESSAGE_BYTES,
    CeleryTask,
    Reserved,
    from_redis,
    from_redis_unacked,
)
from cacheadmin.keys.values import read_cut
from cacheadmin.queues import frameworks

UNACKED = Channel.unacked_key.encode()
UNACKED_INDEX = Channel.unacked_index_key.encode()
VISIBILITY_TIMEOUT = Channel.visibility_timeout  # seconds; an app may set its own
RESERVED_PAGE = 20


@dataclass(frozen=True)
class Peeked:
    position: int  # 1: the next a worker takes
    priority: int  # the sub-queue it waits in (0: the queue's own list)
    raw: bytes  # its first MAX_MESSAGE_BYTES (a Cut when longer)
    task: CeleryTask


@dataclass(frozen=True)
class ReservedTask:
    tag: str  # kombu's delivery tag
    reserved_at: datetime
    redelivery_at: datetime  # with the default visibility timeout
    raw: bytes | None  # None: acknowledged or put back since the index was read
    entry: Reserved | None

    @property
    def waits_past_redelivery(self) -> bool:
        """An ETA after the redelivery: another worker gets it again before it runs."""
        eta = self.entry and self.entry.message.eta
        return bool(eta and eta > self.redelivery_at)


@dataclass(frozen=True)
class ReservedPage:
    tasks: list[ReservedTask]
    total: int  # entries of the index
    messages: int  # entries of the hash: more than the index means some are never swept
    offset: int
    problem: str | None = None  # the keys are not kombu's


def worker_order(client: redis.Redis, key: bytes, count: int) -> list[Peeked]:
    """The next count messages of a Celery queue, in the order a worker takes them: the
    lists' lengths in one round trip, then one read per list that holds some."""
    lists = [(0, key), *zip(frameworks.PRIORITIES, frameworks.priority_keys(key), strict=True)]
    with client.pipeline(transaction=False) as pipe:
        for _, sub_queue in lists:
            pipe.llen(sub_queue)
        lengths = pipe.execute(raise_on_error=False)
    peeked: list[Peeked] = []
    for (priority, sub_queue), length in zip(lists, lengths, strict=True):
        take = min(length if isinstance(length, int) else 0, count - len(peeked))
        if take <= 0:
            continue
        items = read_cut(client, sub_queue, "LRANGE", -take, -1, limit=MAX_MESSAGE_BYTES)
        for raw in reversed(items):  # the right end is the next out
            peeked.append(Peeked(len(peeked) + 1, priority, raw, _decoded(raw)))
    return peeked


def _decoded(raw: bytes) -> CeleryTask:
    if getattr(raw, "full_length", None):  # read cut: the envelope is not whole
        size = f"{raw.full_length:,} bytes"
        return CeleryTask(problem=f"not decoded: {size}, larger than the part read")
    return from_redis(raw)


def reserved(client: redis.Redis, *, offset: int = 0, count: int = RESERVED_PAGE) -> ReservedPage:
    """A page of the reserved tasks, the first to be redelivered first: a page of the
    index, then those tags' messages (HMGET), never the whole hash."""
    with client.pipeline(transaction=False) as pipe:
        pipe.type(UNACKED)
        pipe.type(UNACKED_INDEX)
        pipe.hlen(UNACKED)
        pipe.zcard(UNACKED_INDEX)
        pipe.zrange(UNACKED_INDEX, offset, offset + count - 1, withscores=True)
        hash_type, index_type, messages, total, page = pipe.execute(raise_on_error=False)
    if problem := _not_kombus(hash_type, index_type):
        return ReservedPage([], 0, 0, offset, problem)
    tags = [tag for tag, _ in page]
    raws = read_cut(client, UNACKED, "HMGET", *tags, limit=MAX_MESSAGE_BYTES) if tags else []
    tasks = [_reserved_task(tag, score, raw) for (tag, score), raw in zip(page, raws, strict=True)]
    return ReservedPage(tasks, total, messages, offset)


def _not_kombus(hash_type, index_type) -> str | None:
    kinds = {UNACKED: _type(hash_type), UNACKED_INDEX: _type(index_type)}
    expected = {UNACKED: "hash", UNACKED_INDEX: "zset"}
    for key, kind in kinds.items():
        if kind not in (expected[key], "none"):
            return f"The key {key.decode()} is a {kind}, not kombu's {expected[key]}."
    return None


def _type(reply) -> str:
    return reply.decode() if isinstance(reply, bytes) else str(reply)


def _reserved_task(tag: bytes, score: float, raw: bytes | None) -> ReservedTask:
    reserved_at = datetime.fromtimestamp(score, UTC)
    entry = None
    if raw is not None:
        entry = (
            Reserved(_decoded(raw), None, None)
            if getattr(raw, "full_length", None)
            else from_redis_unacked(raw)
        )
    return ReservedTask(
        tag=tag.decode("utf-8", "backslashreplace"),
        reserved_at=reserved_at,
        redelivery_at=reserved_at + timedelta(seconds=VISIBILITY_TIMEOUT),
        raw=raw,
        entry=entry,
    )
