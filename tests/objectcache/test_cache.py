"""The object cache library on a real Redis."""

import json
import threading

import pytest
import redis

from cacheadmin.objectcache import Crc32, Div, HitCounter, ObjectCache
from cacheadmin.objectcache.counters import hit_rates, totals


class Clock:
    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def cache(keyspace):
    return ObjectCache(keyspace)


@pytest.fixture
def name(keyspace) -> str:
    """The users' model: on a cluster, named with a hash tag (one slot for its keys)."""
    return "{user}" if isinstance(keyspace, redis.RedisCluster) else "user"


@pytest.fixture
def users(cache, name):
    return cache.model(name, bucket=Div(100), ttl=600, inverted=["country", "tags"])


def user(number: int, country: str = "FR", tags=("a",)) -> dict:
    return {"id": number, "name": f"user {number}", "country": country, "tags": list(tags)}


def test_objects_live_in_bucket_hashes_with_a_ttl(users, keyspace, name):
    users.set(42, user(42))
    users.set(142, user(142))
    assert keyspace.hkeys(f"{name}:0") == [b"42"]
    assert keyspace.hkeys(f"{name}:1") == [b"142"]
    assert json.loads(keyspace.hget(f"{name}:0", "42")) == user(42)
    assert 590 < keyspace.ttl(f"{name}:0") <= 600
    assert keyspace.object("encoding", f"{name}:0") == b"listpack"
    assert keyspace.smembers(f"objectcache:buckets:{name}") == {
        f"{name}:0".encode(),
        f"{name}:1".encode(),
    }


def test_crc32_buckets_spread_string_ids(redis_client):
    sessions = ObjectCache(redis_client).model("session", bucket=Crc32(16), ttl=0)
    for number in range(200):
        sessions.set(f"s-{number}", {"n": number})
    buckets = [key for key in redis_client.scan_iter("session:*")]
    assert 12 <= len(buckets) <= 16
    assert redis_client.ttl(buckets[0]) == -1
    assert sessions.get("s-7") == {"n": 7}


def test_cache_aside_loads_once(users):
    loads = []

    def loader(object_id):
        loads.append(object_id)
        return user(int(object_id))

    assert users.get(5, loader) == user(5)
    assert users.get(5, loader) == user(5)
    assert loads == ["5"]
    assert users.get(6) is None


def test_get_many_loads_only_the_missing(users):
    users.set(1, user(1))
    asked = []

    def loader(ids):
        asked.append(ids)
        return {object_id: user(int(object_id)) for object_id in ids if object_id != "404"}

    found = users.get_many([1, 2, 250, 404], loader)
    assert set(found) == {"1", "2", "250"}
    assert asked == [["2", "250", "404"]]
    assert users.get(250) == user(250)


def test_index_follows_updates_and_deletes(users, keyspace, name):
    users.set(1, user(1, "FR", ["a", "b"]))
    users.set(2, user(2, "FR", ["b"]))
    assert keyspace.smembers(f"{name}:inv:country:FR") == {b"1", b"2"}
    assert keyspace.smembers(f"{name}:inv:tags:b") == {b"1", b"2"}
    users.set(1, user(1, "DE", ["c"]))
    assert keyspace.smembers(f"{name}:inv:country:FR") == {b"2"}
    assert keyspace.smembers(f"{name}:inv:country:DE") == {b"1"}
    assert keyspace.smembers(f"{name}:inv:tags:b") == {b"2"}
    assert not keyspace.exists(f"{name}:inv:tags:a")
    assert users.delete(2)
    assert not keyspace.exists(f"{name}:inv:country:FR")
    assert not keyspace.exists(f"{name}:inv:tags:b")
    assert not users.delete(2)


def test_invalidating_an_attribute_value_drops_exactly_its_objects(users, keyspace, name):
    for number in range(1200):
        users.set(number, user(number, "FR" if number % 3 == 0 else "DE", [f"t{number % 5}"]))
    dropped = users.invalidate_attribute("country", "FR")
    assert dropped == 400
    survivors = users.get_many(range(1200))
    assert set(survivors) == {str(n) for n in range(1200) if n % 3}
    assert not keyspace.exists(f"{name}:inv:country:FR")
    assert keyspace.scard(f"{name}:inv:country:DE") == 800
    # the dropped objects left the other indexes too
    tagged = {int(member) for member in keyspace.smembers(f"{name}:inv:tags:t0")}
    assert tagged == {n for n in range(0, 1200, 5) if n % 3}


def test_invalidating_a_bucket_and_a_model(users, keyspace, name):
    for number in range(250):
        users.set(number, user(number))
    assert users.invalidate_bucket(1) == 100
    assert not keyspace.exists(f"{name}:1")
    assert keyspace.scard(f"{name}:inv:country:FR") == 150
    assert users.invalidate_model() > 0
    assert list(keyspace.scan_iter(f"{name}:*")) == []


def test_dropping_a_model_takes_only_its_own_keys(redis_client):
    """The model's name is a literal in the globs, and an app's {model}:42:profile stays."""
    cache = ObjectCache(redis_client)
    starred = cache.model("u*", bucket=Div(100), ttl=600, inverted=["country"])
    plain = cache.model("us", bucket=Div(100), ttl=600, inverted=["country"])
    starred.set(1, user(1))
    plain.set(1, user(1))
    redis_client.set("u*:1:profile", "the app's own")
    assert starred.invalidate_model() == 2  # its bucket and its one inverted key
    assert redis_client.exists("us:0", "us:inv:country:FR", "u*:1:profile") == 3
    assert not redis_client.exists("u*:0", "u*:inv:country:FR")


def test_every_invalidation_is_announced(users, keyspace, name):
    pubsub = keyspace.pubsub()
    pubsub.subscribe("cacheadmin:invalidations")
    pubsub.get_message(timeout=1)
    users.set(1, user(1))
    users.set(2, user(2, "DE"))
    users.delete(1)
    users.invalidate_attribute("country", "DE")
    events = [json.loads(pubsub.get_message(timeout=1)["data"]) for _ in range(2)]
    pubsub.close()
    assert [(e["kind"], e["target"], e["ids"], e["deleted"]) for e in events] == [
        ("object", "1", ["1"], 1),
        ("attribute", "country=DE", ["2"], 1),
    ]
    assert all(event["model"] == name and event["finished"] for event in events)


def test_the_schema_is_registered(users, keyspace, name):
    schema = json.loads(keyspace.hget("objectcache:models", name))
    assert schema == {
        "name": name,
        "bucket": {"rule": "div", "size": 100},
        "inverted": ["country", "tags"],
        "ttl": 600,
        "version": 1,
        "serializer": "json",
    }


def test_counters_match_hits_and_misses_and_ride_along(redis_client):
    clock = Clock()
    cache = ObjectCache(redis_client, counter=HitCounter(flush_every=1.0, clock=clock))
    items = cache.model("item", inverted=[])
    items.set(1, {"n": 1})
    for _ in range(7):
        items.get(1)
    for _ in range(3):
        items.get(999)
    assert list(redis_client.scan_iter("objectcache:stats:*")) == []  # not sent yet
    clock.now += 1.5
    items.get(1)  # this lookup's round trip carries the counts
    minute = int(clock.now // 60)
    assert redis_client.hgetall(f"objectcache:stats:item:{minute}") == {
        b"hits": b"7",
        b"misses": b"3",
    }
    cache.flush()
    rates = hit_rates(redis_client, "item", now=clock.now, windows={"1m": 1, "1h": 60})
    assert rates == {"1m": 8 / 11, "1h": 8 / 11}
    clock.now += 3600  # the minutes are forgotten; the running totals stay
    items.get(1)
    cache.flush()
    assert totals(redis_client, ["item", "nothing"]) == {"item": (9, 3), "nothing": (0, 0)}
    assert hit_rates(redis_client, "nothing", now=clock.now, windows={"1m": 1}) == {"1m": None}


def test_concurrent_writers_leave_no_dangling_index_entries(redis_server):
    caches = [ObjectCache(redis_server.client()) for _ in range(4)]
    models = [c.model("race", inverted=["color"], register=False) for c in caches]

    def writer(model, worker: int) -> None:
        for round_ in range(200):
            model.set(7, {"color": f"c{(worker + round_) % 6}"})

    threads = [threading.Thread(target=writer, args=(m, n)) for n, m in enumerate(models)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client = redis_server.client()
    stored = json.loads(client.hget("race:0", "7"))["color"]
    indexed = [key.decode() for key in client.scan_iter("race:inv:color:*")]
    assert indexed == [f"race:inv:color:{stored}"]


def test_values_that_cannot_be_indexed_are_refused(users, keyspace, name):
    with pytest.raises(TypeError, match="cannot index a float"):
        users.set(1, {"country": 1.5})
    assert not keyspace.exists(f"{name}:0")


def test_on_a_cluster_a_model_needs_a_hash_tag_and_keeps_to_one_slot(redis_cluster):
    redis_cluster.until_ok()
    client = redis_cluster.client()
    client.flushall(target_nodes=client.PRIMARIES)
    cache = ObjectCache(client)
    with pytest.raises(ValueError, match=r"name the model with a hash tag, \{user\}"):
        cache.model("user")
    users = cache.model("{user}", bucket=Div(10), inverted=["country"])
    users.set_many({number: user(number, "FR" if number % 2 else "DE") for number in range(100)})
    keys = list(client.scan_iter("{user}*", target_nodes=client.PRIMARIES))
    assert len(keys) == 10 + 2  # its buckets and inverted keys
    keys.append(b"objectcache:buckets:{user}")  # and its directory
    assert client.exists(keys[-1])
    assert {client.keyslot(key) for key in keys} == {client.keyslot("{user}")}
    client.close()
