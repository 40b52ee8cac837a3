"""One key: its summary for the key's page, and the operator's actions on it. On a
cluster, each command goes to the node that serves the key's slot."""

from dataclasses import replace

import redis
from redis.cluster import RedisCluster

from cacheadmin.gateways.cluster_scan import holder
from cacheadmin.keys.keyspace import KeyInfo, describe_keys


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


def key_summary(client: redis.Redis, key: bytes) -> tuple[KeyInfo, dict]:
    """One key's metadata and its idle time or LFU frequency, read first, since
    describing a key counts as an access."""
    access = access_figures(client, key)
    (info,), _ = describe_keys(client, [key])
    if isinstance(client, RedisCluster):
        info = replace(info, node=holder(client, key))
    return info, access
