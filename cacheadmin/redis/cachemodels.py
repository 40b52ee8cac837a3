"""Object-cache models seen from the dashboard: the registry, and a census of each model's
buckets (count, objects, memory, TTLs, encodings), bounded on any size of cache."""

import json
import time
from collections import Counter

import redis

from cacheadmin.objectcache import layout
from cacheadmin.objectcache.counters import hit_rates, minute_counts
from cacheadmin.redis.keycodec import glob_escape
from cacheadmin.redis.keys import describe_keys, scan_page

WINDOWS = {"1m": 1, "15m": 15, "1h": 60}
CENSUS_LIMIT = 20_000  # buckets described at most; past it, figures are scaled from them
CHUNK = 1000
HISTOGRAM_EDGES = (0, 10, 25, 50, 100, 128, 256, 512, 1024)


def registered_models(client: redis.Redis, declared: list[dict] = ()) -> list[dict]:
    """Every model the library registered, and those declared in the dashboard (for
    caches written without the library), by name; the registry wins a clash."""
    raw = client.hgetall(layout.REGISTRY_KEY)
    models = {}
    for name, schema in raw.items():
        text = name.decode(errors="replace")
        try:
            models[text] = json.loads(schema)
        except ValueError:
            models[text] = {"name": text, "broken": True}
    for schema in declared:
        models.setdefault(schema["name"], schema)
    return [models[name] for name in sorted(models)]


def bucket_keys(client: redis.Redis, name: str, *, limit: int = CENSUS_LIMIT) -> tuple[list, int]:
    """Up to limit bucket keys of a model, and how many the model has (about)."""
    directory = layout.directory_key(name)
    total = client.scard(directory)
    if not total:  # a model written without the library has no directory: scan for it
        return scanned_bucket_keys(client, name, limit=limit)
    keys = []
    for key in client.sscan_iter(directory, count=CHUNK):
        keys.append(key)
        if len(keys) >= limit:
            break
    return keys, total


def scanned_bucket_keys(
    client: redis.Redis, name: str, *, limit: int, max_seconds: float = 0.5
) -> tuple[list, int]:
    """Bucket keys found by SCAN (MATCH {name}:[0-9]*, TYPE hash), within a budget;
    the total is estimated from the share of the keyspace scanned."""
    match = glob_escape(name.encode()) + b":[0-9]*"
    keys, cursor, examined, started = [], 0, 0, time.monotonic()
    while True:
        cursor, batch = client.scan(cursor=cursor, match=match, count=CHUNK, _type="hash")
        keys += batch
        examined += CHUNK
        if cursor == 0:
            return keys, len(keys)
        if len(keys) >= limit or time.monotonic() - started > max_seconds:
            return keys, round(len(keys) * client.dbsize() / examined)


def census(client: redis.Redis, name: str, *, limit: int = CENSUS_LIMIT) -> dict:
    """Buckets, objects, memory, TTL spread, encodings and fields per bucket of a model."""
    keys, listed = bucket_keys(client, name, limit=limit)
    rows = []
    for start in range(0, len(keys), CHUNK):
        described, _ = describe_keys(client, keys[start : start + CHUNK])
        rows += [row for row in described if not row.gone]
    scale = listed / len(keys) if keys and listed > len(keys) else 1.0
    ttls = [row.ttl_ms for row in rows if row.ttl_ms >= 0]
    sizes = [row.size or 0 for row in rows]
    return {
        "buckets": round(len(rows) * scale),
        "objects": round(sum(sizes) * scale),
        "memory": round(sum(row.memory or 0 for row in rows) * scale),
        "ttl": {
            "min": min(ttls) // 1000 if ttls else None,
            "max": max(ttls) // 1000 if ttls else None,
        },
        "encodings": dict(Counter(row.encoding for row in rows)),
        "histogram": histogram(sizes),
        "outgrown": [row for row in rows if row.encoding == "hashtable"][:10],
        "bytes_per_object": bytes_per_object(rows),
        "sampled": scale != 1.0,
    }


def histogram(sizes: list[int]) -> list[dict]:
    """How many buckets hold 0-9, 10-24, ... fields."""
    bins = []
    edges = [*HISTOGRAM_EDGES, None]
    for low, high in zip(edges, edges[1:], strict=False):
        count = sum(1 for size in sizes if size >= low and (high is None or size < high))
        bins.append({"low": low, "high": high, "buckets": count})
    return bins


def bytes_per_object(rows: list) -> dict[str, float]:
    """Memory per object by encoding: what leaving the compact encoding costs."""
    totals: dict[str, list[int]] = {}
    for row in rows:
        memory, objects = totals.setdefault(row.encoding, [0, 0])
        totals[row.encoding] = [memory + (row.memory or 0), objects + (row.size or 0)]
    return {enc: memory / objects for enc, (memory, objects) in totals.items() if objects}


def compact_limits(client: redis.Redis) -> dict[str, int] | None:
    """hash-max-listpack-entries / -value; None when CONFIG is refused (managed Redis)."""
    try:
        config = client.config_get("hash-max-listpack-*")
    except redis.ResponseError:
        return None
    return {
        _text(name).replace("hash-max-listpack-", ""): int(value) for name, value in config.items()
    }


def model_rates(client: redis.Redis, name: str) -> dict[str, float | None]:
    return hit_rates(client, name, now=time.time(), windows=WINDOWS)


def model_summaries(client: redis.Redis, declared: list[dict] = ()) -> list[dict]:
    """Every registered model with its census and hit rates (the /cache/ page and API)."""
    summaries = []
    for schema in registered_models(client, declared):
        if schema.get("broken"):
            summaries.append({"schema": schema, "census": None, "rates": None})
            continue
        name = schema["name"]
        summaries.append(
            {"schema": schema, "census": census(client, name), "rates": model_rates(client, name)}
        )
    return summaries


def model_schema(client: redis.Redis, name: str, declared: list[dict] = ()) -> dict | None:
    raw = client.hget(layout.REGISTRY_KEY, name)
    if raw:
        return json.loads(raw)
    return next((schema for schema in declared if schema["name"] == name), None)


def bucket_page(client: redis.Redis, name: str, *, cursor: int, count: int) -> tuple[list, int]:
    """A page of a model's buckets, described in one round trip, and the next cursor."""
    directory = layout.directory_key(name)
    if client.exists(directory):
        cursor, keys = client.sscan(directory, cursor=cursor, count=count)
    else:
        match = glob_escape(name.encode()) + b":[0-9]*"
        page = scan_page(client, match=match, type_="hash", cursor=cursor, count=count)
        keys, cursor = page.keys, page.cursor
    rows, _ = describe_keys(client, sorted(keys))
    return rows, cursor


def attribute_values(
    client: redis.Redis, name: str, attribute: str, *, sample: int = 2000, top: int = 10
) -> dict:
    """How many values an inverted attribute has (from a bounded scan) and the values
    carried by the most ids."""
    prefix = layout.inverted_prefix(name, attribute).encode()
    keys = []
    for key in client.scan_iter(match=glob_escape(prefix) + b"*", count=1000):
        keys.append(key)
        if len(keys) >= sample:
            break
    with client.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.scard(key)
        sizes = pipe.execute()
    ranked = sorted(zip(keys, sizes, strict=True), key=lambda pair: -pair[1])[:top]
    return {
        "attribute": attribute,
        "values": len(keys),
        "complete": len(keys) < sample,
        "top": [{"value": key[len(prefix) :], "ids": size} for key, size in ranked],
    }


def object_lookup(client: redis.Redis, schema: dict, object_id: str) -> dict:
    """An object by id: its bucket, its stored value, and for each inverted attribute the
    entries that should point at it, and whether they do."""
    rule = layout.rule_from(schema["bucket"])
    key = layout.bucket_key(schema["name"], _bucket(rule, object_id))
    stored = client.hget(key, object_id)
    decoded = _json(stored)
    entries = []
    if isinstance(decoded, dict):
        wanted = [
            (attribute, value)
            for attribute in schema["inverted"]
            for value in _safe_index_values(decoded.get(attribute))
        ]
        with client.pipeline(transaction=False) as pipe:
            for attribute, value in wanted:
                pipe.sismember(layout.inverted_key(schema["name"], attribute, value), object_id)
            present = pipe.execute()
        entries = [
            {"attribute": attribute, "value": value, "indexed": bool(found)}
            for (attribute, value), found in zip(wanted, present, strict=True)
        ]
    return {"bucket": key, "stored": stored, "object": decoded, "entries": entries}


def attribute_lookup(
    client: redis.Redis, schema: dict, attribute: str, value: str, *, cursor: int, count: int
) -> dict:
    """A page of the ids under attribute = value, with their objects (or None when the
    index points at an object that is not cached: a dangling entry)."""
    key = layout.inverted_key(schema["name"], attribute, value)
    cursor, members = client.sscan(key, cursor=cursor, count=count)
    ids = sorted(member.decode(errors="replace") for member in members)
    rule = layout.rule_from(schema["bucket"])
    with client.pipeline(transaction=False) as pipe:
        pipe.scard(key)
        for object_id in ids:
            pipe.hget(layout.bucket_key(schema["name"], _bucket(rule, object_id)), object_id)
        total, *stored = pipe.execute()
    objects = [
        {"id": object_id, "object": _json(raw)} for object_id, raw in zip(ids, stored, strict=True)
    ]
    return {"key": key, "total": total, "objects": objects, "next": cursor or None}


def _bucket(rule: layout.BucketRule, object_id: str) -> int:
    try:
        return rule.bucket(object_id)
    except ValueError:  # an id that does not fit the rule (not a number for Div)
        return -1


def _safe_index_values(value: object) -> list[str]:
    try:
        return layout.index_values(value)
    except TypeError:
        return []


def _json(raw: bytes | None) -> object:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def rate_series(client: redis.Redis, name: str, *, minutes: int = 60) -> list[dict]:
    """Per-minute lookups and hit rate over the last minutes, oldest first, for a chart."""
    counts = minute_counts(client, name, now=time.time(), minutes=minutes)
    series = []
    for back, (hits, misses) in reversed(list(enumerate(counts))):
        lookups = hits + misses
        series.append(
            {
                "ago": back,
                "hits": hits,
                "misses": misses,
                "rate": hits / lookups if lookups else None,
            }
        )
    return series


MAX_EXAMPLES = 20


def check_state() -> dict:
    return {
        "phase": "objects",
        "cursor": 0,
        "buckets": 0,
        "objects": 0,
        "entries": 0,
        "missing": 0,
        "dangling": 0,
        "examples": [],
    }


def check_step(client: redis.Redis, schema: dict, state: dict, *, max_seconds: float) -> dict:
    """Advance a consistency check: first every object's index entries (are they
    there?), then every index entry (is its object there?). Returns the new state."""
    state = {**state, "examples": list(state["examples"])}
    started = time.monotonic()
    while state["phase"] != "done" and time.monotonic() - started < max_seconds:
        if state["phase"] == "objects":
            _check_objects(client, schema, state)
        else:
            _check_entries(client, schema, state)
    return state


def _check_objects(client: redis.Redis, schema: dict, state: dict) -> None:
    rows, state["cursor"] = bucket_page(client, schema["name"], cursor=state["cursor"], count=20)
    for row in rows:
        if row.gone:
            continue
        objects = client.hgetall(row.key)
        state["buckets"] += 1
        state["objects"] += len(objects)
        wanted = [
            (object_id.decode(errors="replace"), attribute, value)
            for object_id, stored in objects.items()
            if isinstance(decoded := _json(stored), dict)
            for attribute in schema["inverted"]
            for value in _safe_index_values(decoded.get(attribute))
        ]
        with client.pipeline(transaction=False) as pipe:
            for object_id, attribute, value in wanted:
                pipe.sismember(layout.inverted_key(schema["name"], attribute, value), object_id)
            present = pipe.execute()
        for (object_id, attribute, value), found in zip(wanted, present, strict=True):
            if not found:
                state["missing"] += 1
                _example(state, f"object {object_id}: no entry in {attribute}={value}")
    if state["cursor"] == 0:
        state["phase"], state["cursor"] = "entries", 0


def _check_entries(client: redis.Redis, schema: dict, state: dict) -> None:
    name = schema["name"]
    match = glob_escape(f"{name}:inv:".encode()) + b"*"
    state["cursor"], keys = client.scan(cursor=state["cursor"], match=match, count=500)
    rule = layout.rule_from(schema["bucket"])
    for key in keys:
        ids = [member.decode(errors="replace") for member in client.sscan_iter(key, count=1000)]
        with client.pipeline(transaction=False) as pipe:
            for object_id in ids:
                pipe.hexists(layout.bucket_key(name, _bucket(rule, object_id)), object_id)
            present = pipe.execute()
        state["entries"] += len(ids)
        for object_id, found in zip(ids, present, strict=True):
            if not found:
                state["dangling"] += 1
                _example(state, f"{key.decode(errors='replace')} points at {object_id}: not cached")
    if state["cursor"] == 0:
        state["phase"] = "done"


def _example(state: dict, text: str) -> None:
    if len(state["examples"]) < MAX_EXAMPLES:
        state["examples"].append(text)
