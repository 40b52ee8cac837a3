"""A Redis server's and a RabbitMQ's figures for the sampler (cacheadmin.monitoring),
from the overview's own readings (one INFO, or a cluster's nodes at once; the broker's
overview and nodes): Redis' up, memory, lookups, load, keys, evictions, clients,
replication lag and a cluster's state; RabbitMQ's up, alarms and nodes' memory. An
instance that does not answer is sampled as down, not left out."""

import hashlib

from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.service_calls import call_rabbit, call_redis
from cacheadmin.monitoring.figures import REDIS_SERVER as SERVER
from cacheadmin.monitoring.figures import Read, Reading, subject_of
from cacheadmin.overview import broker, redis_info


class RedisServerFigures:
    name = "redis server"
    service = "redis"

    def wanted(self, instance: Instance) -> bool:
        return instance.redis is not None

    def read(self, instance: Instance) -> Read:
        figures, problem = call_redis(redis_info.summary, instance=instance)
        if problem:
            return self.silence(), problem
        return server_readings(figures), None

    def silence(self) -> list[Reading]:
        return [Reading("redis.up", "", 0.0)]


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
    counted_by = server_identity(figures)
    if counted_by is not None:
        values[SERVER] = counted_by
    cluster = figures.get("cluster")
    if cluster:
        values["redis.cluster_ok"] = int(cluster["state"] == "ok")
        values["redis.cluster_slots_ok"] = cluster["slots_ok"]
        if cluster["primaries_down"]:  # sums of the others: not the cluster's, and a
            for partial in SUMMED:  # counter that fell back would read as a reset
                values.pop(partial)
    return [Reading(figure, "", float(value or 0)) for figure, value in values.items()]


def server_identity(figures: dict) -> float | None:
    """Which server's counters these are (a cluster's: which primaries'), as a number a
    sample holds: a failover to another server, or a restart, changes it, so a rise of
    the counters across it is never read as lookups made (see monitoring.history)."""
    cluster = figures.get("cluster")
    if cluster:
        primaries = [node for node in cluster["nodes"] if node["role"] == "primary"]
        run_ids = sorted(str(node.get("run_id")) for node in primaries)
    else:
        run_ids = [figures["run_id"]] if figures.get("run_id") else []
    if not run_ids:
        return None
    digest = hashlib.sha256(" ".join(run_ids).encode()).hexdigest()
    return float(int(digest[:12], 16))  # 48 bits: a float holds it exactly


# A cluster's figures summed over its primaries: none is written while one is down.
SUMMED = (
    "redis.used_memory",
    "redis.maxmemory",
    "redis.keyspace_hits",
    "redis.keyspace_misses",
    "redis.ops_per_sec",
    "redis.keys",
    "redis.evicted_keys",
    "redis.clients",
)


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


class BrokerFigures:
    """A RabbitMQ's alarms (memory, disk, a node down or partitioned) and each node's
    memory beside its limit; an instance scoped to one vhost sees no nodes."""

    name = "rabbitmq broker"
    service = "rabbitmq"

    def wanted(self, instance: Instance) -> bool:
        return instance.rabbitmq is not None

    def read(self, instance: Instance) -> Read:
        figures, problem = call_rabbit(broker.overview_with_alarms, instance=instance)
        if problem:
            return self.silence(), problem
        return broker_readings(figures), None

    def silence(self) -> list[Reading]:
        return [Reading("rabbitmq.up", "", 0.0)]


def broker_readings(figures: dict) -> list[Reading]:
    readings = [Reading("rabbitmq.up", "", 1.0)]
    if figures["nodes"] is not None:  # a vhost's user reads no nodes: alarms unknown
        readings.append(Reading("rabbitmq.alarms", "", float(len(figures["alarms"]))))
    for node in figures["nodes"] or []:
        used, limit = node["memory"]
        subject, labels = subject_of("node", node["name"]), {"node": node["name"]}
        if used is not None:
            readings.append(Reading("rabbitmq.node_memory", subject, float(used), labels))
        if limit is not None:
            readings.append(Reading("rabbitmq.node_memory_limit", subject, float(limit), labels))
    return readings
