"""Object-cache models seen from the dashboard: the registry, and a census of each model's
buckets (count, objects, memory, TTLs, encodings), bounded on any size of cache."""

import json
import time
from collections import Counter

import redis

from cacheadmin.cache.rates import model_rates
from cacheadmin.gateways.redis_kinds import cluster_scan
from cacheadmin.gateways.redis_kinds.keyspace import Keyspace
from cacheadmin.keys.keyspace import scan_page
from cacheadmin.objectcache import layout

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


def bucket_keys(space: Keyspace, name: str, *, limit: int = CENSUS_LIMIT) -> tuple[list, int]:
    """Up to limit bucket keys of a model, and how many the model has (about)."""
    directory = layout.directory_key(name)
    total = space.client.scard(directory)
    if not total:  # a model written without the library has no directory: scan for it
        return scanned_bucket_keys(space, name, limit=limit)
    keys = []
    for key in space.client.sscan_iter(directory, count=CHUNK):
        keys.append(key)
        if len(keys) >= limit:
            break
    return keys, total


def scanned_bucket_keys(
    space: Keyspace, name: str, *, limit: int, max_seconds: float = 0.5
) -> tuple[list, int]:
    """Bucket keys found by SCAN (MATCH {name}:[0-9]*, TYPE hash; on a cluster, on every
    primary), within a budget; the total is estimated from the share scanned."""
    match = layout.bucket_glob(name)

    def scan_node(node: redis.Redis, at: int, hint: int) -> tuple[int, list]:
        return node.scan(cursor=at, match=match, count=hint, _type="hash")

    scan, cursor = space.scanner(scan_node, 0)
    keys, examined, started = [], 0, time.monotonic()
    while True:
        cursor, batch = scan(cursor, CHUNK)
        keys += batch
        examined += CHUNK
        if cursor == 0:
            return keys, len(keys)
        if len(keys) >= limit or time.monotonic() - started > max_seconds:
            return keys, round(len(keys) * space.size() / examined)


def census(space: Keyspace, name: str, *, limit: int = CENSUS_LIMIT) -> dict:
    """Buckets, objects, memory, TTL spread, encodings and fields per bucket of a model."""
    keys, listed = bucket_keys(space, name, limit=limit)
    rows = []
    for start in range(0, len(keys), CHUNK):
        described, _ = space.describe(keys[start : start + CHUNK])
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


def model_summaries(space: Keyspace, declared: list[dict] = ()) -> list[dict]:
    """Every registered model with its census and hit rates (the /cache/ page and API)."""
    summaries, client = [], space.client
    for schema in registered_models(client, declared):
        if schema.get("broken"):
            summaries.append({"schema": schema, "census": None, "rates": None})
            continue
        name = schema["name"]
        summaries.append(
            {"schema": schema, "census": census(space, name), "rates": model_rates(client, name)}
        )
    return summaries


def model_schema(client: redis.Redis, name: str, declared: list[dict] = ()) -> dict | None:
    raw = client.hget(layout.REGISTRY_KEY, name)
    if raw:
        return json.loads(raw)
    return next((schema for schema in declared if schema["name"] == name), None)


def bucket_page(
    space: Keyspace, name: str, *, cursor: int | cluster_scan.ClusterCursor, count: int
) -> tuple[list, str]:
    """A page of a model's buckets, described in one round trip (on a cluster, one per
    primary), and the next cursor as text ("" after the last page)."""
    directory, client = layout.directory_key(name), space.client
    if client.exists(directory):
        cursor, keys = client.sscan(
            directory, cursor=cluster_scan.server_cursor(cursor), count=count
        )
    else:
        match = layout.bucket_glob(name)
        page = scan_page(space, match=match, type_="hash", cursor=cursor, count=count)
        keys, cursor = page.keys, page.cursor
    rows, _ = space.describe(sorted(keys))
    return rows, cluster_scan.as_text(cursor) if cursor else ""


def attribute_values(
    client: redis.Redis, name: str, attribute: str, *, sample: int = 2000, top: int = 10
) -> dict:
    """How many values an inverted attribute has (from a bounded scan) and the values
    carried by the most ids."""
    prefix = layout.inverted_prefix(name, attribute).encode()
    keys = []
    for key in client.scan_iter(match=layout.attribute_glob(name, attribute), count=1000):
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


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
