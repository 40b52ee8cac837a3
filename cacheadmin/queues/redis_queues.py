"""Redis lists and streams used as job queues, found by patterns; their depths in one
round trip per page."""

import time
from functools import partial

import redis
from redis.cluster import RedisCluster

from cacheadmin.core import cluster_scan
from cacheadmin.core.keycodec import display_key
from cacheadmin.keys.values import read_list, read_stream, stream_groups

# Common layouts: queue:*, *:queue, RQ (rq:queue:<name>), Celery (the "celery" list).
DEFAULT_PATTERNS = ("queue:*", "*:queue", "*:queue:*", "rq:queue:*", "celery")
PROCESSING_SUFFIXES = (b":processing", b":inflight")
MAX_QUEUES = 5000
SORT_FIELDS = {
    "messages": "messages",
    "ready": "messages_ready",
    "unacked": "messages_unacknowledged",
    "consumers": "consumers",
}


def find_queues(
    client: redis.Redis | RedisCluster, patterns: tuple[str, ...], *, max_seconds: float = 0.3
) -> tuple[list[tuple[bytes, str]], bool]:
    """(key, type) of lists and streams matching the patterns (on a cluster, on every
    primary), and whether the search finished within its budget. Processing lists are
    found with their queue instead."""
    found: dict[bytes, str] = {}
    started, complete = time.monotonic(), True
    for pattern in patterns:
        for kind in ("list", "stream"):
            scan_node = partial(_scan_node, pattern, kind)
            scan, cursor = cluster_scan.keyspace_scan(client, scan_node, 0)
            while True:
                cursor, keys = scan(cursor, 1000)
                found.update((key, kind) for key in keys if not key.endswith(PROCESSING_SUFFIXES))
                if cursor == 0:
                    break
                if time.monotonic() - started > max_seconds or len(found) >= MAX_QUEUES:
                    complete = False
                    break
    return sorted(found.items()), complete


def _scan_node(pattern: str, kind: str, node: redis.Redis, at: int, hint: int) -> tuple[int, list]:
    return node.scan(cursor=at, match=pattern, count=hint, _type=kind)


def describe_queues(client: redis.Redis, queues: list[tuple[bytes, str]]) -> list[dict]:
    """Depth, processing list and stream groups of each queue: one pipelined round trip."""
    with client.pipeline(transaction=False) as pipe:
        for key, kind in queues:
            if kind == "list":
                pipe.llen(key)
                for suffix in PROCESSING_SUFFIXES:
                    pipe.llen(key + suffix)
            else:
                pipe.xlen(key)
                pipe.xinfo_groups(key)
        replies = iter(pipe.execute(raise_on_error=False))
    rows = []
    for key, kind in queues:
        if kind == "list":
            ready = next(replies)
            processing = [next(replies) for _ in PROCESSING_SUFFIXES]
            unacked, consumers = sum(_count(p) for p in processing), None
        else:
            ready, groups = next(replies), next(replies)
            groups = groups if isinstance(groups, list) else []
            unacked = sum(group.get("pending", 0) for group in groups)
            consumers = sum(group.get("consumers", 0) for group in groups)
        ready = _count(ready)
        rows.append(
            {
                "kind": "redis",
                "vhost": None,
                "name": display_key(key),
                "key": key,
                "type": kind,
                "state": None,
                "messages_ready": ready,
                "messages_unacknowledged": unacked,
                "messages": ready + unacked,
                "consumers": consumers,
            }
            | _node_of(client, key)
        )
    return rows


def _node_of(client: redis.Redis | RedisCluster, key: bytes) -> dict:
    """On a cluster, the primary that holds the queue."""
    if isinstance(client, RedisCluster):
        return {"node": cluster_scan.key_owner(client, key).name}
    return {}


def queue_page(
    client: redis.Redis,
    *,
    patterns: tuple[str, ...],
    name: str,
    page: int,
    page_size: int,
    sort: str,
    descending: bool,
) -> dict:
    """A page of Redis queues; sorting by depth describes every match (at most MAX_QUEUES)."""
    queues, complete = find_queues(client, patterns)
    if name:
        queues = [(key, kind) for key, kind in queues if name.lower() in display_key(key).lower()]
    start = (page - 1) * page_size
    if sort == "name":
        queues.sort(reverse=descending)
        rows = describe_queues(client, queues[start : start + page_size])
    else:
        rows = describe_queues(client, queues)
        rows.sort(key=lambda row: row[SORT_FIELDS[sort]] or 0, reverse=descending)
        rows = rows[start : start + page_size]
    total = len(queues)
    return {
        "items": rows,
        "page": page,
        "page_size": page_size,
        "total": total,
        "complete": complete,
        "cluster": isinstance(client, RedisCluster),
    }


PEEK = 3  # items shown from each end


def queue_detail(client: redis.Redis, key: bytes) -> dict | None:
    """A list's both ends and its processing lists, or a stream's oldest and newest
    entries and its groups; None when the key is neither (any more, or meanwhile)."""
    kind = client.type(key)
    kind = kind.decode() if isinstance(kind, bytes) else kind
    try:
        if kind == "list":
            return _list_detail(client, key)
        if kind == "stream":
            return _stream_detail(client, key)
    except redis.ResponseError as exc:  # it changed type, or went, between our calls
        if "WRONGTYPE" in str(exc) or "no such key" in str(exc):
            return None
        raise
    return None


def _list_detail(client: redis.Redis, key: bytes) -> dict:
    neighbours = [key + suffix for suffix in PROCESSING_SUFFIXES]
    with client.pipeline(transaction=False) as pipe:
        for neighbour in neighbours:
            pipe.type(neighbour)
        kinds = pipe.execute()
    processing_lists = [
        neighbour
        for neighbour, kind in zip(neighbours, kinds, strict=True)
        if kind in (b"list", "list")
    ]
    return describe_queues(client, [(key, "list")])[0] | {
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


def _stream_detail(client: redis.Redis, key: bytes) -> dict:
    return describe_queues(client, [(key, "stream")])[0] | {
        "oldest": read_stream(client, key, after=None, count=PEEK, newest_first=False).items,
        "newest": read_stream(client, key, after=None, count=PEEK, newest_first=True).items,
        "groups": stream_groups(client, key),
    }


def _count(reply) -> int:
    return reply if isinstance(reply, int) else 0
