"""Redis lists and streams used as job queues, found by patterns and by the task
frameworks' own registries (frameworks.py); their depths in one round trip per page."""

import time
from dataclasses import dataclass, field

import redis

from cacheadmin.gateways import globs
from cacheadmin.gateways.keycodec import display_key
from cacheadmin.gateways.problems import reason_of
from cacheadmin.gateways.redis_kinds.keyspace import Keyspace
from cacheadmin.keys.values import read_list, read_stream, stream_groups
from cacheadmin.queues import celery_redis, frameworks
from cacheadmin.queues.frameworks import Registered

# Common layouts: queue:*, *:queue, RQ (rq:queue:<name>), Celery (the "celery" list).
DEFAULT_PATTERNS = ("queue:*", "*:queue", "*:queue:*", "rq:queue:*", "celery")
PROCESSING_SUFFIXES = (b":processing", b":inflight")
MAX_QUEUES = 5000  # on each server: a search stops there, cut short
SORT_FIELDS = {
    "messages": "messages",
    "ready": "messages_ready",
    "unacked": "messages_unacknowledged",
    "consumers": "consumers",
}


DISCOVERY_SECONDS = 0.3  # each server's time to look for queues (on a cluster, each primary's)
DISCOVERY_HINT = 5000  # SCAN's COUNT: few round trips; a call still blocks a server briefly


@dataclass(frozen=True)
class Found:
    queues: list[tuple[bytes, str]]  # (key, type), in key order
    cut_short: list[str]  # where the search stopped at its budget: a cluster's primaries, or ""
    down: dict[str, str] = field(default_factory=dict)  # a cluster's primaries unasked: why
    registered: Registered = field(default_factory=Registered)  # what the frameworks name


def find_queues(
    space: Keyspace,
    patterns: tuple[str, ...],
    *,
    max_seconds: float | None = None,
) -> Found:
    """Lists and streams matching the patterns (processing lists are found with their
    queue instead). On a cluster every primary searches at once, each with a budget of
    its own, so a big primary cannot use up a small one's time; one that fails is down.
    A search cut short is named in cut_short ("" for a single server)."""
    budget = DISCOVERY_SECONDS if max_seconds is None else max_seconds
    answers = space.each_server(lambda node: _find_on(node, patterns, budget))
    found, cut_short, down, known = {}, [], {}, Registered()
    for name, answer in answers.items():
        if isinstance(answer, Exception):
            down[name] = reason_of(answer)
            continue
        queues, complete, registered = answer
        found.update(queues)
        known.merge(registered)
        if not complete:
            cut_short.append(name)
    found = frameworks.sorted_out(found, known)
    return Found(sorted(found.items()), cut_short, down, known)


def _find_on(
    node: redis.Redis, patterns: tuple[str, ...], max_seconds: float
) -> tuple[list[tuple[bytes, str]], bool, Registered]:
    """One server's queues, whether its search ended within the budget, and what its
    framework registries name: one SCAN pass, the patterns (and kombu's bindings)
    matched here (a pass per pattern and type walked the keyspace ten times), then the
    type of each key that matched and the registries, in two round trips."""
    wanted = globs.matcher([pattern.encode() for pattern in patterns])
    binding = globs.matcher([frameworks.BINDINGS_GLOB])
    names: list[bytes] = []
    bindings: list[bytes] = []
    deadline, cursor, complete = time.monotonic() + max_seconds, 0, True
    while True:
        cursor, keys = node.scan(cursor=cursor, count=DISCOVERY_HINT)
        names += [key for key in keys if wanted(key) and not key.endswith(PROCESSING_SUFFIXES)]
        bindings += [key for key in keys if binding(key)]
        if cursor == 0:
            break
        if time.monotonic() >= deadline or len(names) >= MAX_QUEUES:
            complete = False
            break
    queues = [
        (key, kind)
        for key, kind in zip(names, _types(node, names), strict=True)
        if kind in QUEUE_TYPES
    ]
    return queues, complete, frameworks.registered(node, bindings)


QUEUE_TYPES = ("list", "stream")


def _types(node: redis.Redis, keys: list[bytes]) -> list[str]:
    with node.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.type(key)
        kinds = pipe.execute()  # refused (a cluster that is down): this server's search fails
    return [kind.decode() if isinstance(kind, bytes) else str(kind) for kind in kinds]


def describe_queues(
    space: Keyspace, queues: list[tuple[bytes, str]], known: Registered | None = None
) -> list[dict]:
    """Depth, processing list and stream groups of each queue, and the framework that
    made it (a Celery queue's depth counts its priority sub-queues): one pipelined
    round trip."""
    known = known or Registered()
    made_by = {key: frameworks.framework_of(key, known) for key, _ in queues}
    with space.client.pipeline(transaction=False) as pipe:
        for key, kind in queues:
            if kind == "list":
                pipe.llen(key)
                for suffix in PROCESSING_SUFFIXES:
                    pipe.llen(key + suffix)
            else:
                pipe.xlen(key)
                pipe.xinfo_groups(key)
            if made_by[key] == frameworks.CELERY:
                for sub_queue in frameworks.priority_keys(key):
                    pipe.llen(sub_queue)
        replies = iter(pipe.execute(raise_on_error=False))
    return [_row(space, key, kind, made_by[key], replies) for key, kind in queues]


def _row(space: Keyspace, key: bytes, kind: str, framework: str | None, replies) -> dict:
    """A queue's row from its replies, read in the order describe_queues asked them."""
    if kind == "list":
        ready = next(replies)
        processing = [next(replies) for _ in PROCESSING_SUFFIXES]
        unacked, consumers = sum(_count(p) for p in processing), None
    else:
        ready, groups = next(replies), next(replies)
        groups = groups if isinstance(groups, list) else []
        unacked = sum(group.get("pending", 0) for group in groups)
        consumers = sum(group.get("consumers", 0) for group in groups)
    priorities = {}
    if framework == frameworks.CELERY:
        by_priority = {0: _count(ready)}
        by_priority |= {step: _count(next(replies)) for step in frameworks.PRIORITIES}
        priorities = {str(step): count for step, count in by_priority.items() if count}
        ready = sum(by_priority.values())
    ready = _count(ready)
    return (
        {
            "kind": "redis",
            "vhost": None,
            "name": display_key(key),
            "key": key,
            "type": kind,
            "state": None,
            "framework": framework,
            "messages_ready": ready,
            "messages_unacknowledged": unacked,
            "messages": ready + unacked,
            "consumers": consumers,
        }
        | ({"priorities": priorities} if framework == frameworks.CELERY else {})
        | _node_of(space, key)
    )


def _node_of(space: Keyspace, key: bytes) -> dict:
    """On a cluster, the primary that holds the queue."""
    node = space.primary_of(key)
    return {"node": node} if node else {}


def queue_page(
    space: Keyspace,
    *,
    patterns: tuple[str, ...],
    name: str,
    page: int,
    page_size: int,
    sort: str,
    descending: bool,
    hide_internal: bool = False,
) -> dict:
    """A page of Redis queues; sorting by depth describes every match (at most MAX_QUEUES).
    hide_internal leaves Celery's internal queues out, and counts them."""
    found = find_queues(space, patterns)
    queues = found.queues
    hidden = 0
    if hide_internal:
        kept = [(key, kind) for key, kind in queues if not frameworks.celery_internal(key)]
        hidden, queues = len(queues) - len(kept), kept
    if name:
        queues = [(key, kind) for key, kind in queues if name.lower() in display_key(key).lower()]
    start = (page - 1) * page_size
    if sort == "name":
        queues.sort(reverse=descending)
        rows = describe_queues(space, queues[start : start + page_size], found.registered)
    else:
        rows = describe_queues(space, queues, found.registered)
        rows.sort(key=lambda row: row[SORT_FIELDS[sort]] or 0, reverse=descending)
        rows = rows[start : start + page_size]
    total = len(queues)
    return {
        "items": rows,
        "page": page,
        "page_size": page_size,
        "total": total,
        "hidden": hidden,
        "complete": not found.cut_short and not found.down,
        "cut_short_on": found.cut_short,
        "down": space.down_primaries(found.down),
        "discovery_seconds": DISCOVERY_SECONDS,
        "cluster": space.sharded,
    }


PEEK = 3  # items shown from each end
CELERY_PEEK = 10  # a Celery queue's next messages, decoded


def queue_detail(
    space: Keyspace, key: bytes, *, peek: int = CELERY_PEEK, reserved_offset: int = 0
) -> dict | None:
    """A list's both ends and its processing lists, or a stream's oldest and newest
    entries and its groups; None when the key is neither (any more, or meanwhile). A
    Celery queue's adds its next peek messages decoded and a page of the reserved tasks."""
    kind = space.client.type(key)
    kind = kind.decode() if isinstance(kind, bytes) else kind
    known = frameworks.known_for(space.client, key)
    if kind == "none" and frameworks.framework_of(key, known):
        kind = "list"  # a framework's queue, empty for now (RQ's or Celery's)
    try:
        if kind == "list":
            detail = _list_detail(space, key, known)
            if detail["framework"] == frameworks.CELERY:
                detail["celery"] = _celery_detail(space, key, peek, reserved_offset)
            return detail
        if kind == "stream":
            return _stream_detail(space, key, known)
    except redis.ResponseError as exc:  # it changed type, or went, between our calls
        if "WRONGTYPE" in str(exc) or "no such key" in str(exc):
            return None
        raise
    return None


def _list_detail(space: Keyspace, key: bytes, known: Registered) -> dict:
    neighbours, client = [key + suffix for suffix in PROCESSING_SUFFIXES], space.client
    with client.pipeline(transaction=False) as pipe:
        for neighbour in neighbours:
            pipe.type(neighbour)
        kinds = pipe.execute()
    processing_lists = [
        neighbour
        for neighbour, kind in zip(neighbours, kinds, strict=True)
        if kind in (b"list", "list")
    ]
    return describe_queues(space, [(key, "list")], known)[0] | {
        "head": read_list(client, key, offset=0, count=PEEK, from_tail=False).items,
        "tail": read_list(client, key, offset=0, count=PEEK, from_tail=True).items,
        "processing": [
            {
                "key": neighbour,
                "name": display_key(neighbour),
                "length": page.total,
                "head": page.items,
            }
            for neighbour in processing_lists
            if (page := read_list(client, neighbour, offset=0, count=PEEK, from_tail=False)).total
        ],
    }


def _celery_detail(space: Keyspace, key: bytes, peek: int, reserved_offset: int) -> dict:
    return {
        "next": celery_redis.worker_order(space.client, key, peek),
        "peek": peek,
        "reserved": celery_redis.reserved(space.client, offset=reserved_offset),
        "visibility_timeout": celery_redis.VISIBILITY_TIMEOUT,
    }


def _stream_detail(space: Keyspace, key: bytes, known: Registered) -> dict:
    client = space.client
    return describe_queues(space, [(key, "stream")], known)[0] | {
        "oldest": read_stream(client, key, after=None, count=PEEK, newest_first=False).items,
        "newest": read_stream(client, key, after=None, count=PEEK, newest_first=True).items,
        "groups": stream_groups(client, key),
    }


def _count(reply) -> int:
    return reply if isinstance(reply, int) else 0
