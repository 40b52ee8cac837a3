"""A keyspace analysis stepped over real keys, on a single server and on the cluster: the
report counts every key once, in its namespace and type, with TTLs, lengths and the
collections past their compact encoding; and one stopped after a step and resumed
from its kept state (JSON, the cursor as text) ends with the same report."""

import json
import time
from functools import partial

import pytest
import redis

from cacheadmin.analysis.keyspace_report import new_report, summary
from cacheadmin.analysis.keyspace_scan import AnalysisState, analysis_step
from cacheadmin.gateways.service_calls import call_redis

pytestmark = pytest.mark.django_db


def fill(client) -> None:
    """300 hashes user:N, 200 strings cache:N expiring in 5 minutes, a list of 1,000
    and a hash of 600 fields (past hash-max-listpack-entries' 512)."""
    with client.pipeline(transaction=False) as pipe:
        for n in range(300):
            pipe.hset(f"user:{n}", mapping={"a": 1, "b": 2, "c": 3})
        for n in range(200):
            pipe.set(f"cache:{n}", "v" * 10, ex=300)
        pipe.rpush("queue:big", *range(1000))
        pipe.hset("wide:one", mapping={f"f{n}": n for n in range(600)})
        pipe.execute()


def analyse(*, steps_of: float, resumed: bool = False) -> dict:
    state = AnalysisState(
        cursor="0",
        examined=0,
        report=new_report(delimiter=b":", depth=1, started_ms=int(time.time() * 1000)),
    )
    while not state.done:
        state, problem = call_redis(
            partial(analysis_step, state=state, prefix=b"", max_seconds=steps_of)
        )
        assert problem is None, problem
        if resumed:  # as the job keeps it in its row between steps
            state = AnalysisState(**json.loads(json.dumps(state.__dict__)))
    return summary(state.report)


def test_every_key_is_counted_once_in_its_namespace_and_type(keyspace):
    fill(keyspace)
    told = analyse(steps_of=10)
    assert told["scanned"] == 502
    spaces = {space["prefix"]: space for space in told["namespaces"]}
    assert spaces["user:"]["keys"] == 300 and spaces["user:"]["types"] == {"hash": 300}
    assert spaces["cache:"]["no_ttl"] == 0 and spaces["user:"]["no_ttl"] == 300
    assert spaces["cache:"]["avalanche"]["keys"] == 200  # all in the same minute
    forecast = told["expiry_forecast"]
    assert sum(row["keys"] for row in forecast) == 200 and forecast[0]["minute"] in (4, 5)
    assert [entry["key"] for entry in told["top_length"][:2]] == ["queue:big", "wide:one"]
    assert told["top_length"][0]["length"] == 1000
    # A list of 1,000 is a quicklist; before Redis 7.2 so is every list: not counted there.
    lists = {} if "list" in told["uncounted"] else {"list": 1}
    assert {row["type"]: row["keys"] for row in told["left_compact"]} == {"hash": 1, **lists}


def test_an_analysis_resumed_between_steps_ends_the_same(keyspace):
    fill(keyspace)
    whole = analyse(steps_of=10)
    stepped = analyse(steps_of=0, resumed=True)  # one SCAN call a step
    assert stepped["scanned"] == whole["scanned"] == 502
    assert counts(stepped) == counts(whole)
    assert stepped["top_memory"] == whole["top_memory"]


def counts(told: dict) -> dict:
    """Each namespace's figures that do not move with time (TTLs do)."""
    return {
        space["prefix"]: (space["keys"], space["memory"], space["types"], space["no_ttl"])
        for space in told["namespaces"]
    }


def test_each_namespace_names_the_primaries_that_hold_its_keys(keyspace):
    fill(keyspace)
    spaces = {space["prefix"]: space for space in analyse(steps_of=10)["namespaces"]}
    nodes = spaces["user:"]["nodes"]
    if isinstance(keyspace, redis.RedisCluster):  # the three primaries, scanned at once
        primaries = {node.name for node in keyspace.get_primaries()}
        assert set(nodes) == primaries and sum(nodes.values()) == 300
        assert spaces["queue:"]["nodes"] == {keyspace.get_node_from_key("queue:big").name: 1}
    else:
        assert nodes == {}


def set_config(client, name: str, value: str) -> None:
    if isinstance(client, redis.RedisCluster):
        client.config_set(name, value, target_nodes=redis.RedisCluster.ALL_NODES)
    else:
        client.config_set(name, value)


@pytest.fixture
def policy(keyspace):
    """Sets the eviction policy of every node, put back afterwards."""
    yield partial(set_config, keyspace, "maxmemory-policy")
    set_config(keyspace, "maxmemory-policy", "noeviction")


def test_under_lfu_the_hottest_keys_are_found_and_the_limits_read(keyspace, policy):
    policy("allkeys-lfu")
    fill(keyspace)
    for _ in range(200):
        keyspace.get("cache:7")
    told = analyse(steps_of=10)
    assert told["eviction_policy"] == "allkeys-lfu"
    heat = told["heat"]
    assert heat["figure"] == "freq" and heat["sampled"] == 502  # a small keyspace: all
    assert heat["keys"][0]["key"] == "cache:7" and heat["keys"][0]["freq"] > 5
    limits = {row["type"]: row["limits"] for row in told["left_compact"]}
    assert limits["hash"]["hash-max-listpack-entries"] == "512"


def test_under_lru_the_idlest_keys_are_found_as_they_were(keyspace, policy):
    """Idle times are read before the analysis reads a key's length (which, before
    Redis 7.2's CLIENT NO-TOUCH, counts as an access): not its own reading's zero."""
    policy("allkeys-lru")
    fill(keyspace)
    time.sleep(1.1)  # what is measured: a second of idleness (Redis counts in seconds)
    told = analyse(steps_of=10)
    assert told["heat"]["figure"] == "idle" and told["heat"]["sampled"] == 502
    assert {"key", "key_b64", "type", "idle"} <= set(told["heat"]["keys"][0])
    assert min(entry["idle"] for entry in told["heat"]["keys"]) >= 1


def test_without_an_lfu_or_lru_policy_no_heat_is_sampled(keyspace):
    fill(keyspace)
    told = analyse(steps_of=10)
    assert told["eviction_policy"] == "noeviction" and told["heat"] is None


def test_a_user_refused_config_still_gets_a_report(services, redis_client, settings):
    """A managed service renames CONFIG away, or the user may not run it: the settings
    and the policy are unknown, the rest of the report is whole."""
    fill(redis_client)
    redis_client.acl_setuser(
        "no-config", enabled=True, passwords=["+secret"], keys=["~*"], commands=["+@all", "-config"]
    )
    try:
        port = redis_client.connection_pool.connection_kwargs["port"]
        settings.REDIS_URL = f"redis://no-config:secret@127.0.0.1:{port}/0"
        told = analyse(steps_of=10)
    finally:
        redis_client.acl_deluser("no-config")
    assert told["scanned"] == 502 and told["eviction_policy"] is None and told["heat"] is None
    assert {row["type"]: row["limits"] for row in told["left_compact"]}["hash"] == {
        "hash-max-listpack-entries": None,
        "hash-max-listpack-value": None,
    }
