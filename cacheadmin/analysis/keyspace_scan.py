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
    _same_server(space, state.report, down)
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
            node, reason = min(dict(down).items())  # a copy: other threads write to it
            raise cluster_scan.PrimaryDown(node, reason) from None
        if not found:
            return Batch(left, [], read_ms, [])
        heated = _heat(nodes, found, heat)  # before describing: its lengths touch keys
        infos, _ = space.describe([key for key, _ in found], dict(found), down)
        facts = [facts_of(info) for info in infos if _known(info)]
        sampled = [(one, heated[one.key]) for one in facts if one.key in heated]
        return Batch(left, facts, read_ms, sampled)

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
    if state.done:  # a failover within this last step would make its batches untrue
        _same_server(space, state.report, down)
    return state


def _same_server(space: Keyspace, report: dict, down: cluster_scan.Down) -> None:
    """The servers' identity kept in the report; refused (CHANGED) when it changed."""
    try:
        report["server"] = space.same_server(report.get("server", ""), down)
    except Refusal:
        raise Refusal(Problem(CHANGED, SERVER_CHANGED)) from None


def _begin(space: Keyspace, report: dict) -> None:
    """The settings the report shows (read on a primary; refused: unknown) and the share
    of keys whose heat is sampled."""
    nodes = space.every_node()
    primaries = sorted(space.primary_names() & set(nodes))
    primary = nodes[primaries[0]] if primaries else next(iter(nodes.values()))
    names = [*CONFIG, *(name for names in COMPACT_LIMITS.values() for name in names)]
    try:  # refused to this user, or renamed away (a managed service): unknown
        config = {name: value for name in names for value in primary.config_get(name).values()}
    except redis.ResponseError:
        config = {}
    try:
        version = str(primary.info("server").get("redis_version", ""))
    except redis.ResponseError:
        version = ""
    figure = key_heat.figure_for(config.get("maxmemory-policy", ""))
    every = max(1, space.size() // key_heat.SAMPLE)
    begin(report, config=config, version=version, heat=figure, every=every)


def _heat(nodes: dict, found: list[tuple[bytes, str]], heat: dict) -> dict[bytes, int]:
    """A sample of the keys found (key, node) with their heat, read on each key's node
    before anything else of the analysis touches them."""
    if not heat["figure"] or not found:
        return {}
    by_node: dict[str, list[bytes]] = {}
    for key, node in key_heat.sampled(found, heat["every"]):
        by_node.setdefault(node, []).append(key)
    heated = {}
    for node, keys in by_node.items():
        if node in nodes:
            values = key_heat.heat_of(nodes[node], keys, heat["figure"])
            heated |= {
                key: value for key, value in zip(keys, values, strict=True) if value is not None
            }
    return heated


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
