"""Lookups in an object cache: an object by id with its index entries, the objects
under an attribute value; routed by the model's bucket rule."""

import json

import redis

from cacheadmin.gateways.redis_kinds import cluster_scan
from cacheadmin.objectcache import layout


def object_lookup(client: redis.Redis, schema: dict, object_id: str) -> dict:
    """An object by id: its bucket, its stored value, and for each inverted attribute the
    entries that should point at it, and whether they do."""
    rule = layout.rule_from(schema["bucket"])
    key = layout.bucket_key(schema["name"], bucket_of(rule, object_id))
    stored = client.hget(key, object_id)
    decoded = json_or_raw(stored)
    entries = []
    if isinstance(decoded, dict):
        wanted = [
            (attribute, value)
            for attribute in schema["inverted"]
            for value in index_values_or_none(decoded.get(attribute))
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
    cursor, members = client.sscan(key, cursor=cluster_scan.server_cursor(cursor), count=count)
    ids = sorted(member.decode(errors="replace") for member in members)
    rule = layout.rule_from(schema["bucket"])
    with client.pipeline(transaction=False) as pipe:
        pipe.scard(key)
        for object_id in ids:
            pipe.hget(layout.bucket_key(schema["name"], bucket_of(rule, object_id)), object_id)
        total, *stored = pipe.execute()
    objects = [
        {"id": object_id, "object": json_or_raw(raw)}
        for object_id, raw in zip(ids, stored, strict=True)
    ]
    return {"key": key, "total": total, "objects": objects, "next": cursor or None}


def bucket_of(rule: layout.BucketRule, object_id: str) -> int:
    try:
        return rule.bucket(object_id)
    except ValueError:  # an id that does not fit the rule (not a number for Div)
        return -1


def index_values_or_none(value: object) -> list[str]:
    try:
        return layout.index_values(value)
    except TypeError:
        return []


def json_or_raw(raw: bytes | None) -> object:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw
