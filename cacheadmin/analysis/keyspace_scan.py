"""One step of a keyspace analysis: SCAN on from where it got to, each batch found
described in one round trip (type, memory, TTL, encoding, length: the key browser's
script) and folded into the report. A cluster's primaries are scanned at once, each
by its own cursor, and the next round is asked while the last is folded: Redis and
Python work side by side. Bounded in time; its state is plain data (the cursor as
text, the report as JSON) that a job keeps between steps and resumes from after a
crash."""

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import redis

from cacheadmin.analysis import key_heat
from cacheadmin.analysis.keyspace_report import (
    COMPACT_LIMITS,
    CONFIG,
    KeyFacts,
    add_batch,
    add_heat,
    begin,
)
from cacheadmin.gateways.keycodec import glob_escape
from cacheadmin.gateways.problems import CHANGED, Problem, Refusal
from cacheadmin.gateways.redis_kinds import cluster_scan
from cacheadmin.gateways.redis_kinds.key_metadata import KeyInfo
from cacheadmin.gateways.redis_kinds.keyspace import Keyspace

HINT = 1000  # SCAN's COUNT: about this many keys examined a call
SERVER_CHANGED = (
    "The Redis server behind this instance changed during the analysis (a failover or "
    "a restart): its SCAN cursor cannot go on there without missing or repeating keys, "
    "so this report would not be true. Start a new analysis."
)


@dataclass
class AnalysisState:
    cursor: str  # cluster_scan.as_text: "0" at the start
    examined: int
    report: dict  # keyspace_report.new_report's, folded so far
    done: bool = False


@dataclass
class Batch:
    """What one primary's SCAN call and its description gave."""

    left: cluster_scan.ClusterCursor | int  # that primary's cursor after it (0: done)
    facts: list[KeyFacts]
    read_ms: int  # when its TTLs were read
    heat: list[tuple[KeyFacts, int]]  # a sample's OBJECT FREQ or IDLETIME


def analysis_step(
    space: Keyspace,
    state: AnalysisState,
    *,
    prefix: bytes,
    max_seconds: float,
    max_keys: int | None = None,
) -> AnalysisState:
    """The state advanced by rounds of SCAN calls (one per primary left) for up to
    max_seconds and about max_keys examined (at least one round). A primary that does
    not answer fails the step (PrimaryDown, naming it); a server other than the one
    the analysis began on (a failover, a restart) refuses it (CHANGED): its cursor
    means nothing there."""
    match = glob_escape(prefix) + b"*"

    def scan_node(node: redis.Redis, at: int, hint: int) -> tuple[int, list]:
        at, keys = node.scan(cursor=at, match=match, count=hint)
        name = space.name_of(node)
        return at, [(key, name) for key in keys]

    down: cluster_scan.Down = {}
    try:
        state.report["server"] = space.same_server(state.report.get("server", ""), down)
    except Refusal:
        raise Refusal(Problem(CHANGED, SERVER_CHANGED)) from None
    if "config" not in state.report:
        _begin(space, state.report)
    heat = state.report["heat"]
    nodes = space.every_node() if heat["figure"] else {}
    scan, cursor = space.scanner(scan_node, cluster_scan.cursor_from_text(state.cursor), down)

    def fetch(part: cluster_scan.ClusterCursor | int) -> Batch:
        read_ms = int(time.time() * 1000)
        try:
            left, found = scan(part, HINT)
        except cluster_scan.OnlyDownLeft:
            node, reason = min(down.items())
            raise cluster_scan.PrimaryDown(node, reason) from None
        if not found:
            return Batch(left, [], read_ms, [])
        infos, _ = space.describe([key for key, _ in found], dict(found), down)
        facts = [facts_of(info) for info in infos if _known(info)]
        return Batch(left, facts, read_ms, _heat(nodes, facts, heat))

    started, parts = time.monotonic(), cluster_scan.per_primary(cursor)
    enough = state.examined + max_keys if max_keys else None
    with ThreadPoolExecutor(max_workers=max(1, len(parts))) as pool:
        asked = [pool.submit(fetch, part) for part in parts]
        while asked:
            batches = [answer.result() for answer in asked]
            parts = [batch.left for batch in batches if batch.left]
            examined = state.examined + HINT * len(batches)
            more = parts and time.monotonic() - started < max_seconds
            more = more and (enough is None or examined + HINT * len(parts) <= enough)
            asked = [pool.submit(fetch, part) for part in parts] if more else []
            for batch in batches:
                add_batch(state.report, batch.facts, read_ms=batch.read_ms)
                add_heat(state.report, batch.heat)
            state.examined = examined
            state.cursor = cluster_scan.as_text(cluster_scan.joined(parts))
    state.done = state.cursor == "0"
    return state


def _begin(space: Keyspace, report: dict) -> None:
    """The settings the report shows (read on a primary; refused: unknown) and the share
    of keys whose heat is sampled."""
    nodes = space.every_node()
    primary = nodes[min(space.primary_names() & set(nodes))]
    names = [*CONFIG, *(name for names in COMPACT_LIMITS.values() for name in names)]
    try:
        config = {name: value for name in names for value in primary.config_get(name).values()}
    except redis.exceptions.NoPermissionError:
        config = {}
    try:
        version = str(primary.info("server").get("redis_version", ""))
    except redis.exceptions.NoPermissionError:
        version = ""
    figure = key_heat.figure_for(config.get("maxmemory-policy", ""))
    every = max(1, space.size() // key_heat.SAMPLE)
    begin(report, config=config, version=version, heat=figure, every=every)


def _heat(nodes: dict, facts: list[KeyFacts], heat: dict) -> list[tuple[KeyFacts, int]]:
    """A sample of the batch with its heat, read on the node that holds each key."""
    if not heat["figure"] or not facts:
        return []
    chosen = key_heat.sampled(facts, heat["every"])
    by_node: dict[str, list[KeyFacts]] = {}
    for one in chosen:
        by_node.setdefault(one.node, []).append(one)
    found = []
    for node, keys in by_node.items():
        if node in nodes:
            values = key_heat.heat_of(nodes[node], [one.key for one in keys], heat["figure"])
            found += [
                (one, value) for one, value in zip(keys, values, strict=True) if value is not None
            ]
    return found


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
        node=info.node,
    )
