"""Key namespaces: keys grouped by prefix up to a delimiter, with counts and memory.

From a bounded sample (estimates, with the sample size stated), or scan by scan
for a full, exact count that reports progress and can stop at any step.
"""

import time
from dataclasses import dataclass, field

import redis
from redis.exceptions import AskError

from cacheadmin.gateways.keycodec import glob_escape
from cacheadmin.gateways.redis_kinds import cluster_scan
from cacheadmin.gateways.redis_kinds.cluster_scan import ClusterCursor
from cacheadmin.gateways.redis_kinds.keyspace import Keyspace

MAX_GROUPS = 500  # past this many distinct prefixes, the rest are counted as "other"
OTHER = b"\x00other"
SCAN_HINT = 1000


@dataclass
class Tally:
    """Counts and memory per group of keys under a prefix; grows one scan at a time."""

    prefix: bytes
    delimiter: bytes
    cursor: int | ClusterCursor = 0
    examined: int = 0
    keys: int = 0
    groups: dict[bytes, list[int]] = field(default_factory=dict)  # group -> [keys, memory]
    done: bool = False
    down: list[dict] = field(default_factory=list)  # a cluster's primaries left out (sample)

    def add(self, key: bytes, memory: int) -> None:
        group = self.group_of(key)
        if group not in self.groups and len(self.groups) >= MAX_GROUPS:
            group = OTHER
        counts = self.groups.setdefault(group, [0, 0])
        counts[0] += 1
        counts[1] += memory
        self.keys += 1

    def group_of(self, key: bytes) -> bytes:
        """prefix + the next segment + delimiter; a key with no further delimiter is a leaf."""
        rest = key[len(self.prefix) :]
        cut = rest.find(self.delimiter) if self.delimiter else -1
        return key if cut < 0 else self.prefix + rest[: cut + len(self.delimiter)]

    def rows(self, scale: float = 1.0) -> list[dict]:
        """Groups, largest first, with counts and memory scaled up from a sample."""
        rows = [
            {
                "group": group,
                "is_prefix": group != OTHER
                and group.endswith(self.delimiter)
                and group != self.prefix,
                "is_other": group == OTHER,
                "keys": round(count * scale),
                "memory": round(memory * scale),
            }
            for group, (count, memory) in self.groups.items()
        ]
        return sorted(rows, key=lambda row: (-row["keys"], row["group"]))


def scan_step(
    space: Keyspace,
    tally: Tally,
    *,
    max_seconds: float,
    max_keys: int | None = None,
) -> Tally:
    """Advance the tally by SCAN calls and one memory pipeline per call, for up to
    max_seconds or until it has counted max_keys keys. On a cluster, over every primary
    in turn, each asked for the memory of the keys it holds; a primary that does not
    answer waits at the back while the others are counted, then fails the step
    (PrimaryDown, naming it)."""
    scan_node = _node_scan(tally)
    down: cluster_scan.Down = {}
    scan, cursor = space.scanner(scan_node, tally.cursor, down)
    started = time.monotonic()
    while not tally.done and time.monotonic() - started < max_seconds:
        if max_keys is not None and tally.keys >= max_keys:
            break
        try:
            cursor, found = scan(cursor, SCAN_HINT)
        except cluster_scan.OnlyDownLeft:
            node, reason = min(down.items())
            raise cluster_scan.PrimaryDown(node, reason) from None
        tally.cursor, tally.done = cursor, cursor == 0
        _count(tally, found, SCAN_HINT)
    return tally


def _node_scan(tally: Tally) -> cluster_scan.NodeScan:
    """scan(node, cursor, hint): one SCAN for the tally's prefix, then the memory of each
    key found, as (key, memory) pairs."""
    match = glob_escape(tally.prefix) + b"*"

    def scan_node(node: redis.Redis, at: int, hint: int) -> tuple[int, list]:
        at, keys = node.scan(cursor=at, match=match, count=hint)
        return at, list(zip(keys, _memories(node, keys), strict=True))

    return scan_node


def _count(tally: Tally, found: list, examined: int) -> None:
    tally.examined += examined
    for key, memory in found:
        if memory is not None:  # None: gone since the scan
            tally.add(key, memory)


def _memories(node: redis.Redis, keys: list[bytes]) -> list[int | None]:
    """MEMORY USAGE of each key. A cluster node refuses the keys of a slot on its way to
    it (resharding) unless each is asked after ASKING, which holds for one command:
    then the keys are asked again that way."""
    replies = _memory_usage(node, keys, asking=False)
    if any(isinstance(reply, AskError) for reply in replies):  # MOVED too; on a cluster only
        replies = _memory_usage(node, keys, asking=True)
    for reply in replies:
        if isinstance(reply, Exception):
            raise reply
    return replies


def _memory_usage(node: redis.Redis, keys: list[bytes], *, asking: bool) -> list:
    if not keys:
        return []
    with node.pipeline(transaction=False) as pipe:
        for key in keys:
            if asking:
                cluster_scan.asking(pipe)
            pipe.memory_usage(key)
        replies = pipe.execute(raise_on_error=False)
    return replies[1::2] if asking else replies


def sample(
    space: Keyspace, *, prefix: bytes, delimiter: bytes, size: int, max_seconds: float = 0.5
) -> tuple[Tally, int]:
    """A tally of about `size` keys, and the keyspace's size to scale it by (of the
    primaries of a cluster that answered: those that did not are in tally.down)."""
    tally = Tally(prefix=prefix, delimiter=delimiter)
    seen = space.sample(
        _node_scan(tally),
        hint=SCAN_HINT,
        take=lambda found, hint: _count(tally, found, hint),
        enough=lambda: tally.keys >= size,
        max_seconds=max_seconds,
    )
    tally.done, tally.down = seen.complete, seen.down
    return tally, seen.total
