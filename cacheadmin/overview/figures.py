"""A Redis server's figures for the sampler (cacheadmin.monitoring), from the overview's
own reading (one INFO, or a cluster's nodes at once): up, memory, lookups, load, keys,
evictions, clients, replication lag and a cluster's state. An instance that does not
answer is sampled as down (redis.up 0), not left out."""

from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.service_calls import call_redis
from cacheadmin.monitoring.figures import Read, Reading
from cacheadmin.overview import redis_info


class RedisServerFigures:
    name = "redis server"
    service = "redis"

    def wanted(self, instance: Instance) -> bool:
        return instance.redis is not None

    def read(self, instance: Instance) -> Read:
        figures, problem = call_redis(redis_info.summary, instance=instance)
        if problem:
            return [Reading("redis.up", "", 0.0)], problem
        return server_readings(figures), None


def server_readings(figures: dict) -> list[Reading]:
    """The overview's figures of a server or a cluster as the sampler's readings."""
    values = {
        "redis.up": 1,
        "redis.used_memory": figures["memory"]["used"],
        "redis.maxmemory": figures["memory"]["max"],
        "redis.keyspace_hits": figures["hits"],
        "redis.keyspace_misses": figures["misses"],
        "redis.ops_per_sec": figures["ops_per_sec"],
        "redis.keys": figures["total_keys"],
        "redis.evicted_keys": figures.get("evicted_keys", 0),
        "redis.clients": figures.get("clients", 0),
        "redis.replication_lag": replication_lag(figures),
    }
    cluster = figures.get("cluster")
    if cluster:
        values["redis.cluster_ok"] = int(cluster["state"] == "ok")
        values["redis.cluster_slots_ok"] = cluster["slots_ok"]
    return [Reading(figure, "", float(value or 0)) for figure, value in values.items()]


def replication_lag(figures: dict) -> float:
    """The most seconds a replica of the server (of any primary of a cluster) is behind."""
    if figures.get("cluster"):
        masters = [node["replication"] for node in figures["cluster"]["nodes"]]
    else:
        masters = [figures.get("replication")]
    lags = [
        replica.get("lag_seconds") or 0
        for master in masters
        if master and master.get("role") == "master"
        for replica in master["replicas"]
    ]
    return float(max(lags, default=0))
