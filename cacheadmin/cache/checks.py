"""The consistency check of an object-cache model, a step at a time: every object's
index entries (are they there?), then every index entry (is its object there?)."""

import time

import redis

from cacheadmin.cache.census import bucket_page
from cacheadmin.cache.lookups import bucket_of, index_values_or_none, json_or_raw
from cacheadmin.gateways.redis_kinds import cluster_scan
from cacheadmin.gateways.redis_kinds.keyspace import Keyspace
from cacheadmin.objectcache import layout

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


def check_step(space: Keyspace, schema: dict, state: dict, *, max_seconds: float) -> dict:
    """Advance a consistency check: first every object's index entries (are they
    there?), then every index entry (is its object there?). Returns the new state."""
    state = {**state, "examples": list(state["examples"])}
    started = time.monotonic()
    while state["phase"] != "done" and time.monotonic() - started < max_seconds:
        if state["phase"] == "objects":
            _check_objects(space, schema, state)
        else:
            _check_entries(space, schema, state)
    return state


def _check_objects(space: Keyspace, schema: dict, state: dict) -> None:
    cursor, client = cluster_scan.cursor_from_text(str(state["cursor"])), space.client
    rows, following = bucket_page(space, schema["name"], cursor=cursor, count=20)
    state["cursor"] = following or 0  # text, kept in JSON: a cluster's cursor is one
    for row in rows:
        if row.gone:
            continue
        objects = client.hgetall(row.key)
        state["buckets"] += 1
        state["objects"] += len(objects)
        wanted = [
            (object_id.decode(errors="replace"), attribute, value)
            for object_id, stored in objects.items()
            if isinstance(decoded := json_or_raw(stored), dict)
            for attribute in schema["inverted"]
            for value in index_values_or_none(decoded.get(attribute))
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


def _check_entries(space: Keyspace, schema: dict, state: dict) -> None:
    name, client = schema["name"], space.client
    match = layout.inverted_glob(name)

    def scan_node(node: redis.Redis, at: int, hint: int) -> tuple[int, list]:
        return node.scan(cursor=at, match=match, count=hint)

    at = cluster_scan.cursor_from_text(str(state["cursor"]))
    scan, at = space.scanner(scan_node, at)
    at, keys = scan(at, 500)
    state["cursor"] = cluster_scan.as_text(at) if at else 0
    rule = layout.rule_from(schema["bucket"])
    for key in keys:
        ids = [member.decode(errors="replace") for member in client.sscan_iter(key, count=1000)]
        with client.pipeline(transaction=False) as pipe:
            for object_id in ids:
                pipe.hexists(layout.bucket_key(name, bucket_of(rule, object_id)), object_id)
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
