"""A keyspace analysis' report, built batch by batch from what each key is (its type,
memory, TTL, encoding and length) and kept between batches as JSON, so that an
analysis stopped by a crash goes on from its last batch. Plain data in, plain data
out: the reading of keys is elsewhere (issue 24's analysis job).

What it keeps: per namespace (the key's first `depth` parts by `delimiter`) its keys,
memory, keys per type and keys without a TTL; the 100 biggest keys and the 100
longest collections; a histogram of TTLs; per minute of the next 24 hours the keys
and memory that expire then, overall and per namespace (whose busiest minute says how
much of it expires at once: the avalanche risk); and the collections that left their
compact encoding."""

import bisect
import heapq
from typing import NamedTuple

from cacheadmin.gateways.keycodec import decode_key, display_key, encode_key

TOP = 100
MAX_NAMESPACES = 1000  # past them (keys without a delimiter...), one "other" namespace
OTHER = "*"  # its name: not URL-safe base64, so no key's
AVALANCHE_MIN_KEYS = 100  # fewer keys expiring at once are no load on a database
FORECAST_MINUTES = 24 * 60
# TTL histogram's upper bounds, in seconds; the last bucket holds everything longer.
TTL_BOUNDS = (60, 300, 900, 3600, 6 * 3600, 24 * 3600, 7 * 86400, 30 * 86400)
TTL_BOUNDS_MS = tuple(bound * 1000 for bound in TTL_BOUNDS)
TTL_LABELS = (
    *("≤ 1 min", "≤ 5 min", "≤ 15 min", "≤ 1 h"),
    *("≤ 6 h", "≤ 1 day", "≤ 7 days", "≤ 30 days"),
)
COMPACT = {"listpack", "ziplist", "intset"}  # a collection's small encodings
# The settings past which a collection leaves its compact encoding, by type.
CONFIG = ("maxmemory-policy", "maxmemory")  # read at the start, with every limit below
COMPACT_LIMITS = {
    "hash": ("hash-max-listpack-entries", "hash-max-listpack-value"),
    "zset": ("zset-max-listpack-entries", "zset-max-listpack-value"),
    "set": ("set-max-intset-entries", "set-max-listpack-entries", "set-max-listpack-value"),
    "list": ("list-max-listpack-size",),
}


class KeyFacts(NamedTuple):
    """One key as the batch reader found it; ttl_ms -1 for none, length for collections.
    A tuple: a million are made in an analysis, and a dataclass costs three times more."""

    key: bytes
    type: str
    memory: int
    ttl_ms: int
    encoding: str = ""
    length: int | None = None
    node: str = ""  # on a cluster, the primary that holds it


def new_report(*, delimiter: bytes, depth: int, started_ms: int) -> dict:
    """An empty report; started_ms (the analysis' start) is the forecast's minute 0."""
    return {
        "delimiter": encode_key(delimiter),
        "depth": depth,
        "started_ms": started_ms,
        "scanned": 0,
        "memory": 0,
        "namespaces": {},
        "top_memory": [],
        "top_length": [],
        "ttl_histogram": [0] * (len(TTL_BOUNDS) + 1),
        "forecast": {},
        "left_compact": {},
    }


def namespace_of(key: bytes, delimiter: bytes, depth: int) -> bytes:
    """The key's prefix of at most depth parts, each with its delimiter, leaving out its
    last part (its own name): user:1 is in user:, a:b:c:d at depth 2 in a:b:; a key
    without the delimiter is its own namespace."""
    parts = key.split(delimiter)[:-1][:depth]
    return delimiter.join(parts) + delimiter if parts else key


def add_batch(report: dict, batch: list[KeyFacts], *, read_ms: int | None = None) -> None:
    """Every key of the batch folded into the report, in place. read_ms: when the batch's
    TTLs were read (by default the analysis' start), so that each key's expiry falls in
    the forecast's minute counted from the start, however late in the scan it was read."""
    delimiter, depth = decode_key(report["delimiter"]), report["depth"]
    late_ms = (read_ms if read_ms is not None else report["started_ms"]) - report["started_ms"]
    names: dict[bytes, str] = {}  # a batch's keys share few namespaces: encoded once each
    uncounted = report.get("uncounted", ())
    for facts in batch:
        space = namespace_of(facts.key, delimiter, depth)
        name = names.get(space) or names.setdefault(space, _name(report, space))
        _count(report, name, facts)
        _rank(report, facts)
        if facts.ttl_ms >= 0:
            _expiry(report, name, facts, late_ms)
        if _left_compact(facts, uncounted):
            left = report["left_compact"]
            left[facts.type] = left.get(facts.type, 0) + 1


def _name(report: dict, space: bytes) -> str:
    """A namespace's name in the report; OTHER once MAX_NAMESPACES are there."""
    name = encode_key(space)
    known = report["namespaces"]
    return name if name in known or len(known) < MAX_NAMESPACES else OTHER


def _left_compact(facts: KeyFacts, uncounted: list[str]) -> bool:
    """A collection in a big encoding, of a type that has a compact one (not a stream)
    and whose encoding tells on this server."""
    big = facts.length is not None and facts.encoding and facts.encoding not in COMPACT
    return bool(big) and facts.type in COMPACT_LIMITS and facts.type not in uncounted


def _count(report: dict, name: str, facts: KeyFacts) -> None:
    report["scanned"] += 1
    report["memory"] += facts.memory
    space = report["namespaces"].get(name)
    if space is None:
        space = {"keys": 0, "memory": 0, "types": {}, "no_ttl": 0, "forecast": {}, "nodes": {}}
        report["namespaces"][name] = space
    space["keys"] += 1
    space["memory"] += facts.memory
    space["types"][facts.type] = space["types"].get(facts.type, 0) + 1
    space["no_ttl"] += facts.ttl_ms < 0
    if facts.node:
        space["nodes"][facts.node] = space["nodes"].get(facts.node, 0) + 1


def _rank(report: dict, facts: KeyFacts) -> None:
    _keep_top(report["top_memory"], facts.memory, facts)
    if facts.length is not None:
        _keep_top(report["top_length"], facts.length, facts)


def _keep_top(top: list, size: int, facts: KeyFacts) -> None:
    """The TOP largest entries ([size, key, type]) as a min-heap; a key is encoded only
    when it gets in."""
    if len(top) < TOP:
        heapq.heappush(top, [size, encode_key(facts.key), facts.type])
    elif size > top[0][0]:
        heapq.heapreplace(top, [size, encode_key(facts.key), facts.type])


def _expiry(report: dict, name: str, facts: KeyFacts, late_ms: int) -> None:
    report["ttl_histogram"][bisect.bisect_left(TTL_BOUNDS_MS, facts.ttl_ms)] += 1
    space = report["namespaces"][name]
    space["ttl_min"] = min(space.get("ttl_min", facts.ttl_ms), facts.ttl_ms)
    space["ttl_max"] = max(space.get("ttl_max", facts.ttl_ms), facts.ttl_ms)
    minute = max(0, (facts.ttl_ms + late_ms) // 60_000)  # clocks a little apart: not before
    if minute >= FORECAST_MINUTES:
        return
    forecast, at = report["forecast"], str(minute)
    keys, memory = forecast.get(at, (0, 0))
    forecast[at] = (keys + 1, memory + facts.memory)
    per = space["forecast"]
    per[at] = per.get(at, 0) + 1


def begin(report: dict, *, config: dict[str, str], version: str, heat: str, every: int) -> None:
    """What the analysis read before its first key: the server's settings (the compact
    encodings' limits, the eviction policy) and version, and which key heat it samples,
    one key in every ("" when the policy keeps none). Before Redis 7.2 (or unknown),
    lists and sets have no compact encoding that tells a small one: not counted."""
    report["config"] = config
    report["redis_version"] = version
    report["uncounted"] = [] if _at_least(version, (7, 2)) else ["list", "set"]
    report["heat"] = {"figure": heat, "every": every, "sampled": 0, "top": []}


def _at_least(version: str, wanted: tuple[int, int]) -> bool:
    try:
        return tuple(int(part) for part in version.split(".")[:2]) >= wanted
    except ValueError:
        return False


def add_heat(report: dict, found: list[tuple[KeyFacts, int]]) -> None:
    """Sampled keys with their heat (OBJECT FREQ or IDLETIME): the TOP largest kept."""
    heat = report["heat"]
    heat["sampled"] += len(found)
    for facts, value in found:
        _keep_top(heat["top"], value, facts)


def summary(
    report: dict, *, avalanche_share: float = 0.2, avalanche_keys: int = AVALANCHE_MIN_KEYS
) -> dict:
    """The report as pages and the API show it: namespaces biggest first with their
    shares, the top lists biggest first, the forecast by minute, and each namespace
    whose busiest minute holds more than avalanche_share of its keys."""
    total_memory = report["memory"] or 1
    namespaces = sorted(
        report["namespaces"].items(), key=lambda item: (-item[1]["memory"], item[0])
    )
    return {
        "scanned": report["scanned"],
        "memory": report["memory"],
        "namespaces": [
            {
                "prefix": _shown(name),
                "prefix_b64": name,
                "other": name == OTHER,
                "keys": space["keys"],
                "memory": space["memory"],
                "share": space["memory"] / total_memory,
                "types": dict(sorted(space["types"].items())),
                "no_ttl": space["no_ttl"],
                "nodes": dict(sorted(space.get("nodes", {}).items())),
                "ttl_spread": _spread(space),
                "avalanche": _avalanche(space, avalanche_share, avalanche_keys),
            }
            for name, space in namespaces
        ],
        "top_memory": _ranked(report["top_memory"], "memory"),
        "top_length": _ranked(report["top_length"], "length"),
        "ttl_histogram": [
            {"up_to": label, "keys": count}
            for label, count in zip((*TTL_LABELS, "longer"), report["ttl_histogram"], strict=True)
        ],
        "expiry_forecast": [
            {"minute": int(minute), "keys": keys, "memory": memory}
            for minute, (keys, memory) in sorted(
                report["forecast"].items(), key=lambda item: int(item[0])
            )
        ],
        "left_compact": [
            {
                "type": kind,
                "keys": count,
                "limits": _limits(report.get("config", {}), kind),
            }
            for kind, count in sorted(report["left_compact"].items())
        ],
        "eviction_policy": report.get("config", {}).get("maxmemory-policy"),
        "redis_version": report.get("redis_version", ""),
        "uncounted": report.get("uncounted", []),
        "heat": _heat(report.get("heat")),
    }


def _limits(config: dict, kind: str) -> dict:
    """The type's settings with their values; those the server does not have left out
    (None for each when the settings could not be read)."""
    names = COMPACT_LIMITS.get(kind, ())
    if not config:
        return dict.fromkeys(names)
    return {name: config[name] for name in names if name in config}


def _heat(heat: dict | None) -> dict | None:
    if not heat or not heat["figure"]:
        return None
    return {
        "figure": heat["figure"],
        "sampled": heat["sampled"],
        "keys": _ranked(heat["top"], heat["figure"]),
    }


def _shown(name: str) -> str:
    if name == OTHER:
        return f"(other namespaces, past the first {MAX_NAMESPACES:,})"
    return display_key(decode_key(name))


def _spread(space: dict) -> dict | None:
    """The shortest and the longest TTL of its keys that have one, in seconds."""
    if "ttl_min" not in space:
        return None
    return {"min": space["ttl_min"] // 1000, "max": space["ttl_max"] // 1000}


def _avalanche(space: dict, share: float, at_least: int) -> dict | None:
    """The namespace's busiest minute when it holds more than share of its keys, and
    at least at_least keys."""
    if not space["forecast"]:
        return None
    minute, keys = max(space["forecast"].items(), key=lambda item: (item[1], -int(item[0])))
    if keys <= share * space["keys"] or keys < at_least:
        return None
    return {"minute": int(minute), "keys": keys, "share": keys / space["keys"]}


def _ranked(top: list, size: str) -> list[dict]:
    return [
        {"key": display_key(decode_key(key)), "key_b64": key, "type": kind, size: amount}
        for amount, key, kind in sorted(top, key=lambda entry: (-entry[0], entry[1]))
    ]
