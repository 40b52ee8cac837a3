"""Read a page of a value, never the whole of it: GETRANGE, HSCAN, LRANGE, SSCAN,
ZRANGE and XRANGE pages, each bounded by the caller's count, and each element cut
to ELEMENT_BYTES on the server, so a page of huge elements still travels small."""

import itertools
from dataclasses import dataclass

import redis

from cacheadmin.gateways.redis_errors import SCRIPT_REFUSED
from cacheadmin.gateways.redis_kinds import cluster_scan
from cacheadmin.keys.keyspace import scan_until

MAX_PREVIEW_BYTES = 1024 * 1024
ELEMENT_BYTES = 1024

# Runs one read command on KEYS[1] and cuts every string of its reply to ARGV[1]
# bytes, listing (position, full length) of each string it cut; positions count the
# strings of the reply depth first, as _mark_cut does.
READ_SCRIPT = """#!lua flags=no-writes,allow-stale
local limit = tonumber(ARGV[1])
local cut_ones, seen = {}, 0
local function cut(value)
  if type(value) == 'table' then
    local out = {}
    for i, item in ipairs(value) do out[i] = cut(item) end
    return out
  end
  if type(value) == 'string' then
    seen = seen + 1
    if #value > limit then
      cut_ones[#cut_ones + 1] = seen
      cut_ones[#cut_ones + 1] = #value
      return string.sub(value, 1, limit)
    end
  end
  return value
end
local reply = redis.call(ARGV[2], KEYS[1], unpack(ARGV, 3))
return {cut(reply), cut_ones}
"""


class Cut(bytes):
    """The first bytes of a longer element; full_length says how long it is."""

    full_length: int


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


def read_cut(
    client: redis.Redis, key: bytes, command: str, *args, limit: int = ELEMENT_BYTES
) -> list:
    """The reply of a read command on key, every element cut to limit bytes: on the
    server by a read-only script, or here for a user who may not run scripts (a
    monitoring user: the page's elements then travel whole)."""
    try:
        reply, cut_ones = client.register_script(READ_SCRIPT)(
            keys=[key], args=[limit, command, *args]
        )
    except redis.exceptions.NoPermissionError:  # EVALSHA refused
        return _cut_here(_raw_reply(client, key, command, *args), limit)
    except redis.ResponseError as exc:
        if SCRIPT_REFUSED not in str(exc):
            raise
        # the script runs, the command in it may not: asked alone, Redis names it
        return _cut_here(_raw_reply(client, key, command, *args), limit)
    return _mark_cut(reply, dict(zip(cut_ones[::2], cut_ones[1::2], strict=True)))


def _raw_reply(client: redis.Redis, key: bytes, command: str, *args):
    """A command's reply as Redis gives it (as the script sees it), not as redis-py
    parses it: on the key's server, past the client's reply parsers."""
    pool = cluster_scan.key_server(client, key).connection_pool
    connection = pool.get_connection()
    try:
        connection.send_command(command, key, *args)
        reply = connection.read_response()
    except BaseException:
        connection.disconnect()  # a reply may be left unread on it
        raise
    finally:
        pool.release(connection)
    if "WITHSCORES" in args and reply and isinstance(reply[0], list):  # RESP3's pairs
        return [part for pair in reply for part in pair]
    return reply


def _cut_here(reply, limit: int):
    """The script's cut, made on this side of the wire."""
    if isinstance(reply, list):
        return [_cut_here(item, limit) for item in reply]
    if isinstance(reply, bytes) and len(reply) > limit:
        cut = Cut(reply[:limit])
        cut.full_length = len(reply)
        return cut
    return reply


def _mark_cut(reply, lengths: dict[int, int]):
    positions = itertools.count(1)

    def mark(value):
        if isinstance(value, list):
            return [mark(item) for item in value]
        if isinstance(value, bytes):
            position = next(positions)
            if position in lengths:
                value = Cut(value)
                value.full_length = lengths[position]
        return value

    return mark(reply)


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
        at, flat = read_cut(client, key, "HSCAN", at, "MATCH", match, "COUNT", hint)
        return int(at), _pairs(flat)

    return _scan_page(scan, cursor=cursor, count=count)


def read_set(
    client: redis.Redis, key: bytes, *, cursor: int, match: bytes, count: int
) -> ItemsPage:
    def scan(at: int, hint: int) -> tuple[int, list]:
        at, members = read_cut(client, key, "SSCAN", at, "MATCH", match, "COUNT", hint)
        return int(at), members

    return _scan_page(scan, cursor=cursor, count=count)


def _scan_page(scan, *, cursor: int, count: int) -> ItemsPage:
    """A sparse filter scans on (within 50 calls, 0.1 s) and shows what it found."""
    items, cursor, *_ = scan_until(scan, cursor=cursor, count=count, max_calls=50, max_seconds=0.1)
    return ItemsPage(items=items, next=cursor or None)


def read_list(
    client: redis.Redis, key: bytes, *, offset: int, count: int, from_tail: bool
) -> ItemsPage:
    """count items from offset, counted from the head, or from the tail backwards."""
    total = client.llen(key)
    if from_tail:
        items = read_cut(client, key, "LRANGE", -(offset + count), -(offset + 1))
        items.reverse()
    else:
        items = read_cut(client, key, "LRANGE", offset, offset + count - 1)
    indexed = [(_index(offset + n, total, from_tail), item) for n, item in enumerate(items)]
    return ItemsPage(items=indexed, next=_following(offset, count, total), total=total)


def read_zset_by_rank(
    client: redis.Redis, key: bytes, *, offset: int, count: int, descending: bool
) -> ItemsPage:
    total = client.zcard(key)
    order = ["REV"] if descending else []
    flat = read_cut(client, key, "ZRANGE", offset, offset + count - 1, *order, "WITHSCORES")
    return ItemsPage(items=_scored(flat), next=_following(offset, count, total), total=total)


def read_zset_by_score(
    client: redis.Redis, key: bytes, *, low: str, high: str, offset: int, count: int
) -> ItemsPage:
    """Members with low <= score <= high ('-inf', '+inf', '(5' for exclusive)."""
    total = client.zcount(key, low, high)
    flat = read_cut(client, key, "ZRANGEBYSCORE", low, high, "WITHSCORES", "LIMIT", offset, count)
    return ItemsPage(items=_scored(flat), next=_following(offset, count, total), total=total)


def read_stream(
    client: redis.Redis, key: bytes, *, after: str | None, count: int, newest_first: bool
) -> ItemsPage:
    """count entries, oldest or newest first, continuing past the id `after`."""
    if newest_first:
        entries = read_cut(
            client, key, "XREVRANGE", f"({after}" if after else "+", "-", "COUNT", count
        )
    else:
        entries = read_cut(
            client, key, "XRANGE", f"({after}" if after else "-", "+", "COUNT", count
        )
    items = [(entry_id, _pairs(fields)) for entry_id, fields in entries]
    last = items[-1][0].decode() if len(items) == count else None
    return ItemsPage(items=items, next=last)


def _pairs(flat: list) -> list[tuple]:
    return list(zip(flat[::2], flat[1::2], strict=True))


def _scored(flat: list) -> list[tuple]:
    return [(member, float(score)) for member, score in _pairs(flat)]


def _following(offset: int, count: int, total: int) -> int | None:
    return offset + count if offset + count < total else None


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
