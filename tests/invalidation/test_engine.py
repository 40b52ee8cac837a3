"""The invalidation engine on a real Redis: previews, batches, checkpoints."""

import pytest
import redis

from cacheadmin.gateways.redis_kinds import cluster_scan
from cacheadmin.gateways.redis_kinds.cluster import counter_on
from cacheadmin.invalidation import engine
from cacheadmin.invalidation.engine import Progress, Target
from cacheadmin.objectcache import Div, ObjectCache
from tests.servers import keyspace_of


def matching_keys(client, pattern: str) -> list[bytes]:
    """Every key matching pattern, on a server or on every primary of a cluster."""
    node_scan = lambda node, at, hint: node.scan(cursor=at, match=pattern, count=hint)  # noqa: E731
    scan, cursor = keyspace_of(client).scanner(node_scan, 0)
    keys = []
    while True:
        cursor, batch = scan(cursor, 1000)
        keys += batch
        if cursor == 0:
            return keys


def fill(client, count: int, prefix: str) -> None:
    with client.pipeline(transaction=False) as pipe:
        for number in range(count):
            pipe.set(f"{prefix}{number}", "x")
        pipe.execute()


COUNTER = "cacheadmin:dashboard:jobs:test:deleted"


def run_batch(client, target, progress, count=500) -> Progress:
    """A server's batch, or a cluster's, as the worker runs them."""
    return engine.run_batch(keyspace_of(client), target, progress, count=count, counter=COUNTER)


def run_to_end(client, target, progress=None, count=500) -> Progress:
    progress = progress or Progress()
    while not progress.done:
        progress = run_batch(client, target, progress, count=count)
    return progress


def counter_keys(client, counter: str = COUNTER) -> list[str]:
    """A job's counter: one per primary on a cluster."""
    if isinstance(client, redis.RedisCluster):
        return [counter_on(counter, slot) for slot, _ in cluster_scan.primaries(client)]
    return [counter]


def counted(client) -> int:
    """What the job's counters hold together."""
    return sum(int(client.get(key) or 0) for key in counter_keys(client))


def test_a_pattern_deletes_exactly_its_keys_glob_characters_included(keyspace):
    fill(keyspace, 20_000, "cache:page:")
    fill(keyspace, 5_000, "cache:pages:")  # a near miss
    fill(keyspace, 100, "cache:page*literal:")  # a literal * in the names
    target = Target("pattern", b"cache:page:*")
    progress = run_to_end(keyspace, target)
    assert progress.deleted == 20_000
    assert keyspace_of(keyspace).size() == 5_100 + len(counter_keys(keyspace))
    for key in counter_keys(keyspace):
        keyspace.delete(key)  # a new job
    literal = Target("pattern", b"cache:page\\*literal:*")
    assert run_to_end(keyspace, literal).deleted == 100
    assert keyspace_of(keyspace).size() == 5_000 + len(counter_keys(keyspace))


def test_a_resumed_job_counts_right(keyspace):
    fill(keyspace, 10_000, "gone:")
    target = Target("pattern", b"gone:*")
    progress = Progress()
    for _ in range(3):
        progress = run_batch(keyspace, target, progress, count=1000)
    checkpoint = progress
    # the worker dies after the next batch but before saving: the batch is replayed
    run_batch(keyspace, target, checkpoint, count=1000)
    assert run_to_end(keyspace, target, checkpoint, count=1000).deleted == 10_000
    assert keyspace_of(keyspace).size() == len(counter_keys(keyspace))
    assert counted(keyspace) == 10_000


def test_preview_of_a_pattern_is_an_estimate_past_the_budget(keyspace):
    fill(keyspace, 60_000, "a:")
    fill(keyspace, 60_000, "b:")
    preview = engine.preview(keyspace_of(keyspace), Target("pattern", b"a:*"))
    assert preview.estimated and 40_000 < preview.estimate < 80_000
    assert len(preview.sample) == 20 and all(key.startswith(b"a:") for key in preview.sample)
    assert preview.memory > 0
    small = engine.preview(keyspace_of(keyspace), Target("pattern", b"nothing:*"))
    assert small.estimate == 0 and small.sample == []


def test_object_cache_targets(services, redis_client):
    users = ObjectCache(redis_client).model("user", bucket=Div(100), inverted=["country"])
    users.set_many({n: {"country": "FR" if n % 2 else "DE"} for n in range(300)})
    one = engine.preview(keyspace_of(redis_client), Target("object", b"3", "user"))
    assert (one.estimate, one.objects, one.entries) == (1, 1, ["user:inv:country:FR"])
    by_value = Target("attribute", b"FR", "user", "country")
    assert engine.preview(keyspace_of(redis_client), by_value).estimate == 150
    assert engine.run_small(redis_client, by_value) == 150
    assert engine.run_small(redis_client, Target("object", b"2", "user")) == 1
    assert engine.run_small(redis_client, Target("bucket", b"1", "user")) == 50
    model = Target("model", b"user", "user")
    assert run_to_end(redis_client, model).deleted >= 3
    assert [k for k in redis_client.scan_iter("user:*")] == []
    with pytest.raises(engine.TargetError, match="no object-cache model"):
        engine.preview(keyspace_of(redis_client), Target("object", b"1", "nobody"))


def test_a_model_drops_only_its_buckets_and_inverted_keys(services, redis_client):
    users = ObjectCache(redis_client).model("user", bucket=Div(100), inverted=["country"])
    users.set_many({n: {"country": "FR"} for n in range(250)})
    redis_client.set("user:42:profile", "an app's own key")
    redis_client.set("user:inventory", "another")
    progress = run_to_end(redis_client, Target("model", b"user", "user"))
    assert progress.deleted == 3 + 1 + 1  # buckets 0-2, the FR set and the directory
    assert redis_client.exists("user:42:profile", "user:inventory") == 2
    with pytest.raises(engine.TargetError, match="no object-cache model"):
        engine.preview(keyspace_of(redis_client), Target("model", b"session", "session"))


def test_a_star_spares_the_dashboard_keys_and_counts_right(services, redis_client):
    fill(redis_client, 20_000, "k:")
    redis_client.set("cacheadmin:dashboard:channels:x", "1")
    progress = run_to_end(redis_client, Target("pattern", b"*"), count=1000)
    assert progress.deleted == 20_000
    assert redis_client.exists("cacheadmin:dashboard:channels:x", COUNTER) == 2


def test_text_targets_that_are_not_text_or_ids_are_refused(services, redis_client):
    ObjectCache(redis_client).model("user", bucket=Div(100), inverted=["country"])
    with pytest.raises(engine.TargetError, match="whole numbers"):
        engine.preview(keyspace_of(redis_client), Target("object", b"abc", "user"))
    with pytest.raises(engine.TargetError, match="UTF-8"):
        engine.preview(keyspace_of(redis_client), Target("attribute", b"\xff", "user", "country"))


def test_a_byte_typed_in_a_pattern_is_literal():
    from cacheadmin.gateways.keycodec import parse_typed_glob

    assert parse_typed_glob("a\\x2a*") == b"a\\**"


def test_a_job_counts_the_keys_scan_returned_not_its_count_hints(keyspace):
    """It added COUNT (500 here) a call: 5 keys were 'scanned 1,500' on a cluster."""
    fill(keyspace, 5, "few:")
    progress = run_to_end(keyspace, Target("pattern", b"few:*"))
    assert progress.deleted == 5 and 5 <= progress.scanned <= 5 + len(counter_keys(keyspace))
