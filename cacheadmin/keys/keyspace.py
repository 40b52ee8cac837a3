"""Pages of keys: SCAN until a page is full or a budget is spent, then one round trip
describes the whole page (type, TTL, size, memory, encoding). On a cluster: SCAN on
each primary in turn, then one round trip per primary, all at once.

Never KEYS, never a round trip per key.
"""

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import redis
from redis.cluster import ClusterNode, RedisCluster

from cacheadmin.gateways import cluster_scan
from cacheadmin.gateways.cluster_scan import ClusterCursor
from cacheadmin.gateways.keycodec import is_glob

# One round trip for a whole page: a read-only script asks each key's metadata.
# Size comes from the command that fits the type; module types have no size (-1).
# The keys come as KEYS; on a cluster node, as ARGV: a node's keys are in many slots,
# which a script may read only undeclared (and allowed to cross slots).
DESCRIBE_SCRIPT = """#!lua flags=no-writes,allow-stale,allow-cross-slot-keys
local sizers = {string='STRLEN', hash='HLEN', list='LLEN', set='SCARD', zset='ZCARD', stream='XLEN'}
local rows = {}
local names = #KEYS > 0 and KEYS or ARGV
for i, key in ipairs(names) do
  local kind = redis.call('TYPE', key)['ok']
  if kind == 'none' then
    rows[i] = {'none', -2, -1, -1, ''}
  else
    local sizer = sizers[kind]
    local size = sizer and redis.call(sizer, key) or -1
    local memory = redis.call('MEMORY', 'USAGE', key) or -1
    local encoding = redis.call('OBJECT', 'ENCODING', key) or ''
    rows[i] = {kind, redis.call('PTTL', key), size, memory, encoding}
  end
end
return {redis.call('DBSIZE'), rows}
"""

DESCRIBE_SHA = hashlib.sha1(DESCRIBE_SCRIPT.encode()).hexdigest()  # noqa: S324 (Redis's name)
TYPES = ("string", "hash", "list", "set", "zset", "stream")
UNESCAPE = re.compile(rb"\\(.)", re.DOTALL)
MAX_SCAN_HINT = 5000


@dataclass(frozen=True)
class KeyInfo:
    key: bytes
    type: str  # "none" when the key went away between SCAN and the description
    ttl_ms: int | None  # -1: no TTL, -2: gone; None when unknown
    size: int | None  # STRLEN, HLEN, LLEN, SCARD, ZCARD or XLEN; None when unknown
    memory: int | None  # MEMORY USAGE in bytes
    encoding: str
    node: str = ""  # on a cluster: host:port of the primary that holds the key
    unknown: str = ""  # why nothing is known of it (type "unknown"): its node refused

    @property
    def gone(self) -> bool:
        return self.type == "none"


@dataclass(frozen=True)
class ScanPage:
    keys: list[bytes]
    cursor: int | ClusterCursor  # where the next page starts; 0 when the keyspace is done
    calls: int  # SCAN calls made
    examined: int  # about how many keys those calls looked at (the sum of COUNT hints)
    out_of_budget: bool  # stopped by the time or call budget before the page was full
    exact: bool = False  # the pattern named one key, which was looked up directly
    found_on: dict[bytes, str] = field(default_factory=dict)  # a cluster's: key -> node


@dataclass(frozen=True)
class KeyPage:
    rows: list[KeyInfo]
    cursor: int | ClusterCursor
    calls: int
    examined: int
    out_of_budget: bool
    dbsize: int  # a cluster's: summed over its primaries
    exact: bool = False
    cluster: bool = False
    server: str = ""  # the identity of the server(s) the cursor belongs to; "" unknown
    down: tuple = ()  # a cluster's primaries that did not answer: node, slots, reason

    @property
    def done(self) -> bool:
        return self.cursor == 0

    @property
    def cursor_text(self) -> str:
        """The cursor as the API and the next page's address give it."""
        return cluster_scan.as_text(self.cursor)


def scan_page(
    client: redis.Redis,
    *,
    match: bytes,
    type_: str | None,
    cursor: int | ClusterCursor,
    count: int,
    max_calls: int = 200,
    max_seconds: float = 0.2,
    down: cluster_scan.Down | None = None,
) -> ScanPage:
    """SCAN from cursor until count keys are found, the keyspace ends, or the budget is spent.

    A pattern without a wildcard names one key: it is looked up, not scanned for. On a
    cluster, with down: a primary that does not answer is passed (see scanner).
    """
    if not is_glob(match):
        return ScanPage([UNESCAPE.sub(rb"\1", match)], 0, 0, 0, False, exact=True)

    found_on: dict[bytes, str] = {}

    def scan_node(node: redis.Redis, at: int, hint: int) -> tuple[int, list]:
        at, keys = node.scan(cursor=at, match=match, count=hint, _type=type_)
        if node is not client:  # a cluster's node
            found_on.update(dict.fromkeys(keys, cluster_scan.node_name(node)))
        return at, keys

    scan, cursor = cluster_scan.keyspace_scan(client, scan_node, cursor, down)
    found = scan_until(
        scan, cursor=cursor, count=count, max_calls=max_calls, max_seconds=max_seconds
    )
    return ScanPage(*found, found_on=found_on)


def scan_until(
    scan: Callable[[int, int], tuple[int, list]],
    *,
    cursor: int,
    count: int,
    max_calls: int,
    max_seconds: float,
) -> tuple[list, int, int, int, bool]:
    """Call scan(cursor, hint) until count items, the end (cursor 0), or the budget.

    Returns (items, cursor, calls, examined, out_of_budget). Every item a call
    returned is kept, since a cursor cannot resume inside a batch, so there may be a
    few more than count. While matches are rare the hint (COUNT) doubles, up to
    MAX_SCAN_HINT. examined is the sum of the hints: about how many entries were looked at.
    """
    items: list = []
    hint, calls, examined = count, 0, 0
    started = time.monotonic()
    while True:
        try:
            cursor, batch = scan(cursor, hint)
        except cluster_scan.OnlyDownLeft as stuck:  # their keys wait for them
            return items, stuck.cursor, calls, examined, False
        calls += 1
        examined += hint
        items.extend(batch)
        if cursor == 0 or len(items) >= count:
            return items, cursor, calls, examined, False
        if calls >= max_calls or time.monotonic() - started >= max_seconds:
            return items, cursor, calls, examined, True
        if len(batch) < hint // 2:
            hint = min(hint * 2, MAX_SCAN_HINT)


def describe_keys(
    client: redis.Redis, keys: list[bytes], *, declared: bool = True, node: str = ""
) -> tuple[list[KeyInfo], int]:
    """Metadata of every key, and the size of the database, in one round trip.
    declared=False passes the keys as arguments (a cluster node's, in many slots), and
    node says which node that is."""
    if not keys:
        return [], client.dbsize()
    describe = client.register_script(DESCRIBE_SCRIPT)
    try:
        dbsize, rows = describe(keys=keys) if declared else _describe_asking(describe, keys)
    except redis.exceptions.NoPermissionError:  # a monitoring user may not run scripts
        dbsize, rows = _describe_without_scripts(client, keys)
    return [_key_info(key, row, node) for key, row in zip(keys, rows, strict=True)], dbsize


def _describe_asking(describe: redis.commands.core.Script, keys: list[bytes]) -> list:
    """The script on a cluster node, its keys as arguments, after ASKING (keys of a slot
    on its way to this node); a pipeline loads the script first if need be."""
    with describe.registered_client.pipeline(transaction=False) as pipe:
        cluster_scan.asking(pipe)
        describe(args=keys, client=pipe)
        _, reply = pipe.execute(raise_on_error=False)
    if isinstance(reply, Exception):
        raise reply
    return reply


SIZERS = {"string": "STRLEN", "hash": "HLEN", "list": "LLEN", "set": "SCARD", "zset": "ZCARD"}
SIZERS["stream"] = "XLEN"


def _describe_without_scripts(client: redis.Redis, keys: list[bytes]) -> tuple[int, list]:
    """The script's rows from two pipelined round trips: type, TTL, memory and encoding;
    then each size by the command that fits the type. A command the user may not run
    leaves its figure unknown."""
    cluster = isinstance(client, RedisCluster)
    with client.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.type(key).pttl(key).memory_usage(key).object("encoding", key)
        if not cluster:  # a cluster's pipeline refuses DBSIZE: it is asked of every primary
            pipe.dbsize()
        answers = pipe.execute(raise_on_error=False)
    *figures, dbsize = [*answers, cluster_scan.keyspace_size(client)] if cluster else answers
    kinds = [_text(kind) if not isinstance(kind, Exception) else "none" for kind in figures[::4]]
    with client.pipeline(transaction=False) as pipe:
        for key, kind in zip(keys, kinds, strict=True):
            pipe.execute_command(SIZERS.get(kind, "EXISTS"), key)
        sizes = pipe.execute(raise_on_error=False)
    rows = []
    for index, (kind, size) in enumerate(zip(kinds, sizes, strict=True)):
        ttl, memory, encoding = figures[index * 4 + 1 : index * 4 + 4]
        known = kind in SIZERS and not isinstance(size, Exception)
        rows.append(
            [kind, _number(ttl, -2), size if known else -1, _number(memory, -1), encoding or b""]
            if kind != "none"
            else ["none", -2, -1, -1, ""]
        )
    return (dbsize if not isinstance(dbsize, Exception) else 0), rows


def _number(value, unknown: int) -> int:
    return value if isinstance(value, int) else unknown


def describe_on_nodes(
    cluster: RedisCluster,
    keys: list[bytes],
    found_on: dict[bytes, str] | None = None,
    down: cluster_scan.Down | None = None,
) -> tuple[list[KeyInfo], int]:
    """Metadata of keys on a cluster, each saying its node, and the cluster's size: one
    round trip to every primary (the script where it holds keys, else DBSIZE), all at
    once. Each key is asked where SCAN found it (found_on), else at its slot's primary:
    while a slot moves, its keys are on two nodes. A node that fails that (no script
    loaded yet, a failover) is asked again on its own, the long way. With down (see
    on_owner): a primary that does not answer, or refuses to read keys while the
    cluster is down, leaves its keys unknown and its keys uncounted."""
    nodes = cluster_scan.primaries(cluster)
    names = {node.name for _, node in nodes}
    held: dict[str, list[int]] = {}  # node -> where its keys are in `keys`
    for index, key in enumerate(keys):
        name = (found_on or {}).get(key)
        name = name if name in names else cluster_scan.key_owner(cluster, key).name
        held.setdefault(name, []).append(index)
    commands = []
    for _, node in nodes:
        mine = [keys[index] for index in held.get(node.name, [])]
        command = ("EVALSHA", DESCRIBE_SHA, 0, *mine) if mine else ("DBSIZE",)
        commands.append((cluster.get_redis_connection(node), command))
    try:
        replies = cluster_scan.at_once(commands, down)
    except (redis.ConnectionError, redis.TimeoutError):
        replies = [None] * len(nodes)
    rows: list[KeyInfo | None] = [None] * len(keys)
    total = 0
    for (slot, node), reply in zip(nodes, replies, strict=True):
        mine = [keys[i] for i in held.get(node.name, [])]
        if reply is None or isinstance(reply, Exception):
            infos, dbsize = _described_or_unknown(cluster, slot, node, mine, reply, down)
        elif mine:
            dbsize, raw = reply
            infos = [_key_info(key, row, node.name) for key, row in zip(mine, raw, strict=True)]
        else:
            infos, dbsize = [], reply
        total += dbsize
        for index, info in zip(held.get(node.name, []), infos, strict=True):
            rows[index] = info
    # a key whose owner is not among the primaries listed (the slot map changed since
    # they were: a failover) is asked where the cluster sends it
    strays = [index for index, row in enumerate(rows) if row is None]
    for index, info in zip(strays, _one_by_one(cluster, [keys[i] for i in strays]), strict=True):
        rows[index] = info
    return rows, total


def _described_or_unknown(
    cluster: RedisCluster,
    slot: int,
    node: ClusterNode,
    keys: list[bytes],
    reply: Exception | None,
    down: cluster_scan.Down | None,
) -> tuple[list[KeyInfo], int]:
    """A node's keys the long way (see _describe_node); with down, those of a node that
    did not answer or refuses to read keys are unknown instead."""
    if down is None:
        return _describe_node(cluster, slot, node.name, keys)
    if _unreadable(reply):
        return _unknown(cluster, node, keys, reply)
    try:
        return _describe_node(cluster, slot, node.name, keys, down)
    except redis.RedisError as exc:
        if not _unreadable(exc):
            raise
        return _unknown(cluster, node, keys, exc)


def _unreadable(reply: object) -> bool:
    """The node did not answer, or it refuses to read keys (the cluster is down)."""
    return isinstance(reply, cluster_scan.PrimaryDown) or cluster_scan.refuses_keys(reply)


def _unknown(
    cluster: RedisCluster, node: ClusterNode, keys: list[bytes], reply: Exception
) -> tuple[list[KeyInfo], int]:
    """The keys of a node that could not describe them, and its size if it can say it."""
    if isinstance(reply, cluster_scan.PrimaryDown):
        why, dbsize = f"its primary {node.name} did not answer", 0
    else:
        why = f"{node.name} says {cluster_scan.REFUSES_KEYS}"
        dbsize = cluster.get_redis_connection(node).dbsize()
    return [KeyInfo(key, "unknown", None, None, None, "", node.name, why) for key in keys], dbsize


def _describe_node(
    cluster: RedisCluster,
    slot: int,
    name: str,
    keys: list[bytes],
    down: cluster_scan.Down | None = None,
) -> tuple[list[KeyInfo], int]:
    """One primary's keys the long way: the script loaded if need be, two pipelines
    for a user who may not run scripts, the slot's new primary after a failover; and
    while slots move, key by key, each asked where the cluster sends it."""
    try:
        return cluster_scan.on_owner(
            cluster, slot, lambda node: describe_keys(node, keys, declared=False, node=name), down
        )
    except redis.ResponseError as exc:
        if not cluster_scan.moved_on(exc) or (down is not None and _unreadable(exc)):
            raise  # the cluster down: no key would be read, however asked
    # keys gone on to another node, with their slot (resharding)
    return _one_by_one(cluster, keys), cluster_scan.primary_size(cluster, slot)


def _one_by_one(cluster: RedisCluster, keys: list[bytes]) -> list[KeyInfo]:
    """Each key asked where the cluster sends it (redis-py follows ASK and MOVED)."""
    infos = []
    for key in keys:
        (info,), _ = describe_keys(cluster, [key])
        infos.append(replace(info, node=cluster_scan.holder(cluster, key)))
    return infos


def describe(
    client: redis.Redis | RedisCluster,
    keys: list[bytes],
    found_on: dict | None = None,
    down: cluster_scan.Down | None = None,
) -> tuple[list[KeyInfo], int]:
    """Metadata of keys and the keyspace's size, from a server or a cluster (where
    found_on may say which node's SCAN found each key, and down records the primaries
    that did not answer)."""
    if isinstance(client, RedisCluster):
        return describe_on_nodes(client, keys, found_on, down)
    return describe_keys(client, keys)


def browse(
    client: redis.Redis | RedisCluster,
    *,
    match: bytes,
    type_: str | None,
    cursor: int | ClusterCursor,
    count: int,
    server: str = "",
) -> KeyPage:
    """One page of the key browser: SCAN calls, then one round trip for the metadata
    (on a cluster: one per primary, at once). A cursor goes on only on the server
    that gave it (server, as the previous page said, else asked first): the server is
    asked again after the page, and a change (a failover, a restart) is refused, never
    shown as a page that repeats or misses keys. On a cluster, a primary that does not
    answer is asked once a page: the page shows the others' keys and says it is down."""
    down: cluster_scan.Down = {}
    since = server if cursor else ""
    if not since and is_glob(match):  # else the check after the page is enough
        since = cluster_scan.server_identity(client, down)
    page = scan_page(client, match=match, type_=type_, cursor=cursor, count=count, down=down)
    rows, dbsize = describe(client, page.keys, page.found_on, down)
    if page.exact:  # a direct look-up shows the key only if it is there, of that type
        rows = [row for row in rows if not row.gone and type_ in (None, row.type)]
    else:
        since = cluster_scan.same_server(client, since, down)
    found = (page.cursor, page.calls, page.examined, page.out_of_budget)
    cluster = isinstance(client, RedisCluster)
    unanswered = tuple(cluster_scan.down_primaries(client, down)) if cluster else ()
    return KeyPage(rows, *found, dbsize, page.exact, cluster, since, unanswered)


def _key_info(key: bytes, row: list, node: str = "") -> KeyInfo:
    kind, ttl_ms, size, memory, encoding = row
    return KeyInfo(
        node=node,
        key=key,
        type=_text(kind),
        ttl_ms=int(ttl_ms),
        size=None if size < 0 else int(size),
        memory=None if memory < 0 else int(memory),
        encoding=_text(encoding),
    )


def _text(value: bytes | str) -> str:
    return value.decode("ascii", errors="replace") if isinstance(value, bytes) else value
