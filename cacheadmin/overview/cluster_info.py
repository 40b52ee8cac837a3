"""A Redis Cluster as a whole: its state and slot coverage, every primary and replica
with its own figures, and totals summed over the primaries."""

import redis
from redis.cluster import RedisCluster

from cacheadmin.core.connections import cluster_node_client
from cacheadmin.core.problems import reason_of
from cacheadmin.overview.redis_info import hit_rate, keyspace, server_summary
from cacheadmin.overview.replication import replication


def cluster_summary(client: RedisCluster) -> dict:
    """The overview's figures of a cluster: the card's usual ones are the primaries'
    totals (labelled so), with "cluster" for the state and the nodes."""
    state = client.cluster_info()
    nodes = [_node(client, address, node) for address, node in client.cluster_nodes().items()]
    nodes.sort(
        key=lambda node: (node["role"] != "primary", node["primary_of"] or "", node["address"])
    )
    primaries = [node for node in nodes if node["role"] == "primary" and node["up"]]
    hits = sum(node["hits"] for node in primaries)
    misses = sum(node["misses"] for node in primaries)
    return {
        "version": next((node["version"] for node in nodes if node["version"]), None),
        "mode": "cluster",
        "role": f"cluster of {len([n for n in nodes if n['role'] == 'primary'])} primaries",
        "memory": {
            "used": sum(node["memory"] for node in primaries),
            "max": sum(node["maxmemory"] for node in primaries),
            "peak": None,
            "policy": None,
        },
        "ops_per_sec": sum(node["ops_per_sec"] for node in primaries),
        "total_keys": sum(node["keys"] for node in primaries),
        "hits": hits,
        "misses": misses,
        "hit_rate": hit_rate(hits, misses),
        "cluster": {
            "state": state.get("cluster_state"),
            "slots_ok": int(state.get("cluster_slots_ok", 0)),
            "slots_pfail": int(state.get("cluster_slots_pfail", 0)),
            "slots_fail": int(state.get("cluster_slots_fail", 0)),
            "slots_assigned": int(state.get("cluster_slots_assigned", 0)),
            "current_epoch": int(state.get("cluster_current_epoch", 0)),
            "nodes": nodes,
        },
    }


def _node(cluster: RedisCluster, address: str, node: dict) -> dict:
    """One node, as the cluster sees it and as its own INFO says; down when it fails."""
    flags = node.get("flags", "")
    failing = "fail" in flags.replace("pfail", "") or "pfail" in flags
    row = {
        "address": address,
        "id": node.get("node_id", "")[:8],
        "role": "primary" if "master" in flags else "replica",
        "primary_of": None if node.get("master_id") in (None, "-") else node["master_id"][:8],
        "flags": flags,
        "link": "connected" if node.get("connected") else "disconnected",
        "epoch": int(node.get("epoch") or 0),
        "slots": sum(int(end) - int(start) + 1 for start, end in _ranges(node)),
        "up": not failing,
        "problem": None,
        "version": None,
        **dict.fromkeys(("keys", "memory", "maxmemory", "ops_per_sec", "hits", "misses"), 0),
        "hit_rate": None,
        "replication": None,
    }
    try:
        info = cluster_node_client(cluster, address).info()
    except redis.RedisError as exc:
        return row | {"up": False, "problem": reason_of(exc)}
    hits, misses = info.get("keyspace_hits", 0), info.get("keyspace_misses", 0)
    return row | {
        "version": info.get("redis_version"),
        "keys": sum(db["keys"] for db in keyspace(info)),
        "memory": info.get("used_memory", 0),
        "maxmemory": info.get("maxmemory", 0),
        "ops_per_sec": info.get("instantaneous_ops_per_sec", 0),
        "hits": hits,
        "misses": misses,
        "hit_rate": hit_rate(hits, misses),
        "replication": replication(info),
    }


def summary(client: redis.Redis | RedisCluster) -> dict:
    """The overview's figures of a server, or of a cluster."""
    if isinstance(client, RedisCluster):
        return cluster_summary(client)
    return server_summary(client)


def _ranges(node: dict) -> list:
    """The node's slot ranges; a single slot comes as one number."""
    ranges = []
    for part in node.get("slots") or []:
        start, end = (part[0], part[1]) if len(part) > 1 else (part[0], part[0])
        ranges.append((start, end))
    return ranges
