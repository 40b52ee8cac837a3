"""Server figures from one INFO call."""

import redis

from cacheadmin.overview.replication import replication


def server_summary(client: redis.Redis) -> dict:
    """Version, memory, clients, load, keyspace and hit rate of the server, from INFO."""
    info = client.info()
    hits = info.get("keyspace_hits", 0)
    misses = info.get("keyspace_misses", 0)
    databases = keyspace(info)
    return {
        "version": info.get("redis_version"),
        "mode": info.get("redis_mode", "standalone"),
        "role": info.get("role"),
        "uptime_seconds": info.get("uptime_in_seconds", 0),
        "run_id": info.get("run_id"),
        "memory": {
            "used": info.get("used_memory", 0),
            "peak": info.get("used_memory_peak", 0),
            "max": info.get("maxmemory", 0),
            "policy": info.get("maxmemory_policy"),
        },
        "clients": info.get("connected_clients", 0),
        "ops_per_sec": info.get("instantaneous_ops_per_sec", 0),
        "expired_keys": info.get("expired_keys", 0),
        "evicted_keys": info.get("evicted_keys", 0),
        "keyspace": databases,
        "total_keys": sum(db["keys"] for db in databases),
        "hits": hits,
        "misses": misses,
        "hit_rate": hit_rate(hits, misses),
        "replication": replication(info),
    }


def hit_rate(hits: int, misses: int) -> float | None:
    """Hits over lookups, from 0 to 1; None before the first lookup."""
    lookups = hits + misses
    return hits / lookups if lookups else None


def keyspace(info: dict) -> list[dict]:
    """One row per database that holds keys, in database order."""
    rows = []
    for name, figures in info.items():
        if name.startswith("db") and name[2:].isdigit() and isinstance(figures, dict):
            rows.append(
                {
                    "db": int(name[2:]),
                    "keys": figures.get("keys", 0),
                    "expires": figures.get("expires", 0),
                    "avg_ttl_ms": figures.get("avg_ttl", 0),
                }
            )
    return sorted(rows, key=lambda row: row["db"])


def summary(space) -> dict:
    """The overview's figures of a server, or of a cluster as a whole (its layout)."""
    layout = space.layout(node_figures, hit_rate)
    return layout if layout is not None else server_summary(space.client)


def node_figures(info: dict) -> dict:
    """One node's figures in a cluster's layout, from its INFO."""
    hits, misses = info.get("keyspace_hits", 0), info.get("keyspace_misses", 0)
    return {
        "version": info.get("redis_version"),
        "run_id": info.get("run_id"),
        "keys": sum(db["keys"] for db in keyspace(info)),
        "memory": info.get("used_memory", 0),
        "maxmemory": info.get("maxmemory", 0),
        "ops_per_sec": info.get("instantaneous_ops_per_sec", 0),
        "clients": info.get("connected_clients", 0),
        "evicted_keys": info.get("evicted_keys", 0),
        "hits": hits,
        "misses": misses,
        "hit_rate": hit_rate(hits, misses),
        "replication": replication(info),
    }
