"""Pages of keys: SCAN until a page is full or a budget is spent, then one round trip
describes the whole page (type, TTL, size, memory, encoding). On a cluster: SCAN on
each primary in turn, then one round trip per primary, all at once.

Never KEYS, never a round trip per key.
"""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import redis

from cacheadmin.gateways.keycodec import is_glob
from cacheadmin.gateways.redis_kinds import cluster_scan
from cacheadmin.gateways.redis_kinds.cluster_scan import ClusterCursor
from cacheadmin.gateways.redis_kinds.key_metadata import KeyInfo
from cacheadmin.gateways.redis_kinds.keyspace import Keyspace

TYPES = ("string", "hash", "list", "set", "zset", "stream")
UNESCAPE = re.compile(rb"\\(.)", re.DOTALL)
MAX_SCAN_HINT = 5000


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
    space: Keyspace,
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
        if name := space.name_of(node):  # a cluster's node
            found_on.update(dict.fromkeys(keys, name))
        return at, keys

    scan, cursor = space.scanner(scan_node, cursor, down)
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


def browse(
    space: Keyspace,
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
        since = space.identity(down)
    page = scan_page(space, match=match, type_=type_, cursor=cursor, count=count, down=down)
    rows, dbsize = space.describe(page.keys, page.found_on, down)
    if page.exact:  # a direct look-up shows the key only if it is there, of that type
        rows = [row for row in rows if not row.gone and type_ in (None, row.type)]
    else:
        since = space.same_server(since, down)
    found = (page.cursor, page.calls, page.examined, page.out_of_budget)
    unanswered = tuple(space.down_primaries(down))
    return KeyPage(rows, *found, dbsize, page.exact, space.sharded, since, unanswered)
