"""A Redis server's figures sampled by the sampler, on a single server and on the
cluster (its primaries summed, its state and slots); behind Sentinel, the master's."""

import time

import pytest
import redis

from cacheadmin.monitoring import store
from cacheadmin.monitoring.alert_metrics import METRICS, value_now
from cacheadmin.monitoring.figures import Reading, model_subject
from cacheadmin.objectcache import ObjectCache
from cacheadmin.objectcache.layout import Div
from cacheadmin.overview.figures import server_readings
from cacheadmin.overview.metrics import hit_rate_history
from tests.monitoring.test_sampler import sampler, value

pytestmark = pytest.mark.django_db


def test_a_server_or_a_cluster_is_sampled_with_its_figures(keyspace):
    keyspace.set("a", "1")
    keyspace.get("a")
    keyspace.get("missing")
    done = sampler().sample(at := int(time.time()))
    assert ("default", "redis server") in done.written, done.failed
    figure = {
        name: value("default", f"redis.{name}", "", at=at)
        for name in ("up", "keys", "keyspace_hits", "keyspace_misses", "used_memory", "clients")
    }
    assert figure["up"] == 1 and figure["keys"] >= 1
    assert figure["keyspace_hits"] >= 1 and figure["keyspace_misses"] >= 1
    assert figure["used_memory"] > 100_000 and figure["clients"] >= 1
    assert value("default", "redis.maxmemory", "", at=at) == 0
    if isinstance(keyspace, redis.RedisCluster):
        assert value("default", "redis.cluster_ok", "", at=at) == 1
        assert value("default", "redis.cluster_slots_ok", "", at=at) == 16384
        assert value("default", "redis.replication_lag", "", at=at) is not None
    else:
        assert value("default", "redis.cluster_ok", "", at=at) is None


def test_behind_sentinel_the_masters_figures(services, sentinel_sessions):
    master = sentinel_sessions.master_client()
    master.set("found-on-the-master", "1")
    done = sampler().sample(at := int(time.time()))
    assert ("sessions", "redis server") in done.written, done.failed
    assert value("sessions", "redis.up", "", at=at) == 1
    assert value("sessions", "redis.keys", "", at=at) >= 1
    master.delete("found-on-the-master")


def test_a_cluster_with_a_primary_down_writes_no_sums():
    """Its sums would be the others' (a counter falling back reads as a reset, and
    jumps when the primary answers again): only its state, its slots and up are."""
    figures = {
        "memory": {"used": 10, "max": 0},
        "hits": 5,
        "misses": 1,
        "ops_per_sec": 3,
        "total_keys": 7,
        "evicted_keys": 0,
        "clients": 2,
        "cluster": {"state": "fail", "slots_ok": 10923, "primaries_down": 1, "nodes": []},
    }
    written = {reading.figure: reading.value for reading in server_readings(figures)}
    assert written == {
        "redis.up": 1,
        "redis.replication_lag": 0,
        "redis.cluster_ok": 0,
        "redis.cluster_slots_ok": 10923,
    }
    figures["cluster"]["primaries_down"] = 0
    assert "redis.keyspace_hits" in {reading.figure for reading in server_readings(figures)}


def test_a_models_objects_are_counted_or_estimated_from_a_sample(keyspace):
    """Exact up to a hundred buckets; past them, a sample's mean times the buckets (each
    bucket holds two objects here, so the estimate is exact too)."""
    cluster = isinstance(keyspace, redis.RedisCluster)
    cache = ObjectCache(keyspace)
    few = cache.model("{few}" if cluster else "few", bucket=Div(100))
    few.set_many({n: {"n": n} for n in range(250)})  # buckets 0, 1, 2
    many = cache.model("{many}" if cluster else "many", bucket=Div(2))
    many.set_many({n: {"n": n} for n in range(300)})  # 150 buckets of 2
    cache.model("{idle}" if cluster else "idle")  # registered, no object yet
    done = sampler().sample(at := int(time.time()))
    assert ("default", "object cache") in done.written, done.failed
    objects = {
        name: value("default", "model.objects", model_subject(name), at=at)
        for name in (few.name, many.name, "{idle}" if cluster else "idle")
    }
    assert list(objects.values()) == [250, 300, None]


def test_counters_of_another_server_are_no_lookups(keyspace, settings):
    """After a failover the counters are the new master's: the sampler writes which
    server counted (its run_id; a cluster's primaries'), and a rise across a change is
    neither charted nor alerted on."""
    settings.SAMPLE_SECONDS = 10
    done = sampler().sample(at := int(time.time()) // 10 * 10)
    assert ("default", "redis server") in done.written, done.failed
    server = value("default", "redis.server", "", at=at)
    assert server is not None and server == int(server)
    other = server + 1
    for age, (hits, misses, counted_by) in enumerate(
        [(100, 100, server), (110, 110, server), (5000, 10, other), (5010, 20, other)]
    ):
        store.write(
            "elsewhere",
            at - 30 + 10 * age,
            [
                Reading("redis.keyspace_hits", "", hits),
                Reading("redis.keyspace_misses", "", misses),
                Reading("redis.server", "", counted_by),
            ],
        )
    rates = [row["rate"] for row in hit_rate_history(instance="elsewhere", now=at + 1)]
    assert rates == [0.5, None, 0.5]  # not the jump from 110 hits to 5,000
    metric = METRICS["redis_hit_rate_percent"]
    assert value_now("elsewhere", metric, now=at, model="", queue="", vhost="") == 50
