"""One step of a keyspace analysis: SCAN on from where it got to, each batch found
described in one round trip per server (type, memory, TTL, encoding, length: the key
browser's script) and folded into the report. Bounded in time; its state is plain
data (the cursor as text, the report as JSON) that a job keeps between steps and
resumes from after a crash."""

import time
from dataclasses import dataclass

import redis

from cacheadmin.analysis.keyspace_report import KeyFacts, add_batch
from cacheadmin.gateways.keycodec import glob_escape
from cacheadmin.gateways.redis_kinds import cluster_scan
from cacheadmin.gateways.redis_kinds.key_metadata import KeyInfo
from cacheadmin.gateways.redis_kinds.keyspace import Keyspace

HINT = 1000  # SCAN's COUNT: about this many keys examined a call


@dataclass
class AnalysisState:
    cursor: str  # cluster_scan.as_text: "0" at the start
    examined: int
    report: dict  # keyspace_report.new_report's, folded so far
    done: bool = False


def analysis_step(
    space: Keyspace, state: AnalysisState, *, prefix: bytes, max_seconds: float
) -> AnalysisState:
    """The state advanced by SCAN calls for up to max_seconds (at least one call). A
    cluster's primaries are scanned in turn; one that does not answer fails the step
    (PrimaryDown, naming it) once the others are done."""
    match = glob_escape(prefix) + b"*"

    def scan_node(node: redis.Redis, at: int, hint: int) -> tuple[int, list]:
        at, keys = node.scan(cursor=at, match=match, count=hint)
        name = space.name_of(node)
        return at, [(key, name) for key in keys]

    down: cluster_scan.Down = {}
    scan, cursor = space.scanner(scan_node, cluster_scan.cursor_from_text(state.cursor), down)
    started = time.monotonic()
    while not state.done:
        try:
            cursor, found = scan(cursor, HINT)
        except cluster_scan.OnlyDownLeft:
            node, reason = min(down.items())
            raise cluster_scan.PrimaryDown(node, reason) from None
        if found:
            infos, _ = space.describe([key for key, _ in found], dict(found), down)
            add_batch(state.report, [facts_of(info) for info in infos if _known(info)])
        state.cursor, state.done = cluster_scan.as_text(cursor), cursor == 0
        state.examined += HINT
        if time.monotonic() - started >= max_seconds:
            break
    return state


def _known(info: KeyInfo) -> bool:
    """Neither gone since the SCAN nor on a node that refused to describe it."""
    return not info.gone and not info.unknown and info.memory is not None


def facts_of(info: KeyInfo) -> KeyFacts:
    collection = info.type != "string" and info.size is not None and info.size >= 0
    return KeyFacts(
        key=info.key,
        type=info.type,
        memory=max(0, info.memory or 0),
        ttl_ms=info.ttl_ms if info.ttl_ms is not None and info.ttl_ms >= 0 else -1,
        encoding=info.encoding,
        length=info.size if collection else None,
    )
