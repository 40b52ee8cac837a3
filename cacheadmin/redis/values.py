"""Read a page of a value, never the whole of it: GETRANGE, HSCAN, LRANGE, SSCAN,
ZRANGE and XRANGE pages, each bounded by the caller's count."""

import time
from dataclasses import dataclass

import redis

from cacheadmin.redis.keys import MAX_SCAN_HINT

MAX_PREVIEW_BYTES = 1024 * 1024


@dataclass(frozen=True)
class StringPreview:
    head: bytes  # the first bytes of the value
    length: int  # the whole value's length (STRLEN)

    @property
    def complete(self) -> bool:
        return len(self.head) >= self.length


@dataclass(frozen=True)
class ItemsPage:
    items: list  # (field, value) pairs, (member, score) pairs, members or (id, fields)
    next: int | str | None  # cursor, offset or stream id of the next page; None at the end
    total: int | None = None  # the collection's size, where it costs nothing extra


def read_string(client: redis.Redis, key: bytes, *, limit: int) -> StringPreview:
    with client.pipeline(transaction=False) as pipe:
        pipe.strlen(key)
        pipe.getrange(key, 0, min(limit, MAX_PREVIEW_BYTES) - 1)
        length, head = pipe.execute()
    return StringPreview(head=head, length=length)


def read_hash(
    client: redis.Redis, key: bytes, *, cursor: int, match: bytes, count: int
) -> ItemsPage:
    def scan(at: int, hint: int) -> tuple[int, list]:
        at, fields = client.hscan(key, cursor=at, match=match, count=hint)
        return at, list(fields.items())

    return _scan_pages(scan, cursor=cursor, count=count)


def read_set(
    client: redis.Redis, key: bytes, *, cursor: int, match: bytes, count: int
) -> ItemsPage:
    def scan(at: int, hint: int) -> tuple[int, list]:
        return client.sscan(key, cursor=at, match=match, count=hint)

    return _scan_pages(scan, cursor=cursor, count=count)


def _scan_pages(scan, *, cursor: int, count: int, max_calls: int = 50, max_seconds: float = 0.1):
    """HSCAN/SSCAN until count items, the end, or the budget: a sparse filter still
    shows what it found, with a way on."""
    items: list = []
    hint, calls, started = count, 0, time.monotonic()
    while True:
        cursor, batch = scan(cursor, hint)
        items.extend(batch)
        calls += 1
        if cursor == 0 or len(items) >= count:
            break
        if calls >= max_calls or time.monotonic() - started >= max_seconds:
            break
        if len(batch) < hint // 2:
            hint = min(hint * 2, MAX_SCAN_HINT)
    return ItemsPage(items=items, next=cursor or None)


def read_list(
    client: redis.Redis, key: bytes, *, offset: int, count: int, from_tail: bool
) -> ItemsPage:
    """count items from offset, counted from the head, or from the tail backwards."""
    with client.pipeline(transaction=False) as pipe:
        pipe.llen(key)
        if from_tail:
            pipe.lrange(key, -(offset + count), -(offset + 1))
        else:
            pipe.lrange(key, offset, offset + count - 1)
        total, items = pipe.execute()
    if from_tail:
        items.reverse()
    following = offset + count
    indexed = [(_index(offset + n, total, from_tail), item) for n, item in enumerate(items)]
    return ItemsPage(items=indexed, next=following if following < total else None, total=total)


def read_zset_by_rank(
    client: redis.Redis, key: bytes, *, offset: int, count: int, descending: bool
) -> ItemsPage:
    with client.pipeline(transaction=False) as pipe:
        pipe.zcard(key)
        pipe.zrange(key, offset, offset + count - 1, desc=descending, withscores=True)
        total, members = pipe.execute()
    following = offset + count
    return ItemsPage(items=members, next=following if following < total else None, total=total)


def read_zset_by_score(
    client: redis.Redis, key: bytes, *, low: str, high: str, offset: int, count: int
) -> ItemsPage:
    """Members with low <= score <= high ('-inf', '+inf', '(5' for exclusive)."""
    with client.pipeline(transaction=False) as pipe:
        pipe.zcount(key, low, high)
        pipe.zrangebyscore(key, low, high, start=offset, num=count, withscores=True)
        total, members = pipe.execute()
    following = offset + count
    return ItemsPage(items=members, next=following if following < total else None, total=total)


def read_stream(
    client: redis.Redis, key: bytes, *, after: str | None, count: int, newest_first: bool
) -> ItemsPage:
    """count entries, oldest or newest first, continuing past the id `after`."""
    if newest_first:
        high = f"({after}" if after else "+"
        entries = client.xrevrange(key, max=high, min="-", count=count)
    else:
        low = f"({after}" if after else "-"
        entries = client.xrange(key, min=low, max="+", count=count)
    last = entries[-1][0].decode() if len(entries) == count else None
    return ItemsPage(items=entries, next=last)


def stream_groups(client: redis.Redis, key: bytes, *, max_groups: int = 20) -> list[dict]:
    """Consumer groups with pending counts and lag, and each group's consumers."""
    groups = client.xinfo_groups(key)[:max_groups]
    if not groups:
        return []
    with client.pipeline(transaction=False) as pipe:
        for group in groups:
            pipe.xinfo_consumers(key, group["name"])
        consumers = pipe.execute()
    return [
        {**_plain(group), "consumer_list": [_plain(consumer) for consumer in members]}
        for group, members in zip(groups, consumers, strict=True)
    ]


def _index(position: int, total: int, from_tail: bool) -> int:
    return total - 1 - position if from_tail else position


def _plain(info: dict) -> dict:
    """XINFO replies with bytes names; the template wants text keys."""
    return {
        (name.decode() if isinstance(name, bytes) else name).replace("-", "_"): value
        for name, value in info.items()
    }


def read_value(
    client: redis.Redis, key: bytes, kind: str, query: dict
) -> StringPreview | ItemsPage | None:
    """The page of the value that the viewer's query asks for; None for types we cannot read."""
    count = query["count"]
    if kind == "string":
        return read_string(client, key, limit=query["bytes"])
    if kind == "hash":
        return read_hash(client, key, cursor=query["cursor"], match=query["match"], count=count)
    if kind == "set":
        return read_set(client, key, cursor=query["cursor"], match=query["match"], count=count)
    if kind == "list":
        from_tail = query["end"] == "tail"
        return read_list(client, key, offset=query["offset"], count=count, from_tail=from_tail)
    if kind == "zset" and query["by"] == "score":
        low, high = query["low"], query["high"]
        return read_zset_by_score(
            client, key, low=low, high=high, offset=query["offset"], count=count
        )
    if kind == "zset":
        descending = query["order"] == "desc"
        return read_zset_by_rank(
            client, key, offset=query["offset"], count=count, descending=descending
        )
    if kind == "stream":
        newest = query["order"] == "desc"
        return read_stream(client, key, after=query["after"], count=count, newest_first=newest)
    return None
