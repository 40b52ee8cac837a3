"""One key: its summary for the key's page, and the operator's actions on it. On a
cluster, each command goes to the node that serves the key's slot."""

from dataclasses import replace

import redis

from cacheadmin.gateways.redis_kinds.key_metadata import KeyInfo, describe_keys
from cacheadmin.gateways.redis_kinds.keyspace import Keyspace


def access_figures(client: redis.Redis, key: bytes) -> dict:
    """Seconds since last access, or the LFU frequency under an LFU eviction policy."""
    try:
        return {"idle_seconds": client.object("idletime", key)}
    except redis.ResponseError:  # an LFU policy: IDLETIME is refused, FREQ is kept
        pass
    try:
        return {"lfu_frequency": client.object("freq", key)}
    except redis.ResponseError:
        return {}


def unlink_key(client: redis.Redis, key: bytes) -> bool:
    """UNLINK: the memory is freed in the background. False when the key was gone."""
    return bool(client.unlink(key))


def set_ttl(client: redis.Redis, key: bytes, seconds: int) -> bool:
    """EXPIRE. False when the key was gone."""
    return bool(client.expire(key, seconds))


def remove_ttl(client: redis.Redis, key: bytes) -> bool:
    """PERSIST. False when the key was gone or had no TTL."""
    return bool(client.persist(key))


def key_summary(space: Keyspace, key: bytes) -> tuple[KeyInfo, dict]:
    """One key's metadata and its idle time or LFU frequency, read first, since
    describing a key counts as an access; on a cluster, the node that holds it."""
    access = access_figures(space.client, key)
    (info,), _ = describe_keys(space.client, [key])
    return replace(info, node=space.holder(key)), access
