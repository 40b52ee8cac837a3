"""A preview's estimate is within 10% of what a job then deletes, on a single server
and on a Redis Cluster, whether the keys are spread over the primaries or kept on
one by a hash tag (a pattern, or an object-cache model named with a tag)."""

import pytest

from cacheadmin.invalidation import engine
from cacheadmin.invalidation.engine import Target
from cacheadmin.objectcache import ObjectCache
from tests.core.test_globs import CASES as GLOB_CASES
from tests.invalidation.test_engine import fill, matching_keys
from tests.servers import keyspace_of


def assert_close(preview: engine.Preview, truth: int) -> None:
    assert preview.estimated, "the budget should have cut the scan short"
    assert abs(preview.estimate - truth) <= truth / 10, (preview.estimate, truth)


def test_a_pattern_spread_over_every_primary(keyspace):
    fill(keyspace, 60_000, "even:")
    fill(keyspace, 60_000, "other:")
    preview = engine.preview(keyspace_of(keyspace), Target("pattern", b"even:*"))
    assert_close(preview, 60_000)
    assert len(preview.sample) == 20 and all(k.startswith(b"even:") for k in preview.sample)


def test_a_pattern_a_hash_tag_keeps_on_one_primary(keyspace):
    fill(keyspace, 30_000, "{tagged}:")
    fill(keyspace, 90_000, "spread:")
    assert_close(engine.preview(keyspace_of(keyspace), Target("pattern", b"{tagged}:*")), 30_000)


def test_an_object_cache_model_with_a_hash_tag(keyspace):
    customers = ObjectCache(keyspace).model("{customer}", inverted=["email"])
    for start in range(0, 20_000, 2_000):
        numbers = range(start, start + 2_000)
        customers.set_many({n: {"email": f"c{n}@example.com"} for n in numbers})
    fill(keyspace, 60_000, "filler:")
    truth = len(matching_keys(keyspace, "{customer}:*"))
    assert truth > 20_000
    preview = engine.preview(keyspace_of(keyspace), Target("model", b"{customer}", "{customer}"))
    assert_close(preview, truth)


def test_a_small_keyspace_is_counted_exactly(keyspace):
    fill(keyspace, 700, "few:")
    fill(keyspace, 300, "more:")
    preview = engine.preview(keyspace_of(keyspace), Target("pattern", b"few:*"))
    assert (preview.estimate, preview.estimated) == (700, False)


@pytest.mark.parametrize(("pattern", "key", "expected"), GLOB_CASES)
def test_the_preview_matches_keys_as_redis_does(services, redis_client, pattern, key, expected):
    redis_client.set(key, "x")
    assert bool(redis_client.keys(pattern)) is expected  # the server's own word
    assert engine.preview(keyspace_of(redis_client), Target("pattern", pattern)).estimate == int(
        expected
    )


def test_every_primary_is_sampled(cluster_keyspace):
    assert len(keyspace_of(cluster_keyspace).sized_scanners()) == 3


def test_a_rare_pattern_is_counted_not_guessed(keyspace):
    """Three keys among 120,000: the budget's sample missed them ("About 0 keys,
    Nothing to delete"), or scaled one it saw to 25."""
    fill(keyspace, 120_000, "filler:")
    for n in range(3):
        keyspace.set(f"lone:{n}", "x")
    preview = engine.preview(keyspace_of(keyspace), Target("pattern", b"lone:*"))
    assert (preview.estimate, preview.estimated) == (3, False)
    assert preview.examined >= 120_003 and preview.keys == 120_003


def test_a_small_tagged_model_among_many_keys_is_counted(keyspace):
    customers = ObjectCache(keyspace).model("{customer}", inverted=["plan"])
    customers.set_many({n: {"plan": f"p{n % 6}"} for n in range(4_000)})
    fill(keyspace, 120_000, "filler:")
    truth = len(matching_keys(keyspace, "{customer}:*"))  # 40 buckets, 6 inverted keys
    preview = engine.preview(keyspace_of(keyspace), Target("model", b"{customer}", "{customer}"))
    assert (preview.estimate, preview.estimated, truth) == (46, False, 46)


def test_an_estimate_of_nothing_says_what_it_saw_and_offers_the_job(
    keyspace, operator_client, monkeypatch
):
    monkeypatch.setattr(engine, "PREVIEW_SECONDS", 0)  # no reading on past the share
    fill(keyspace, 60_000, "filler:")
    last = matching_keys(keyspace, "*")[-1].decode()  # the last key a SCAN returns
    preview = engine.preview(keyspace_of(keyspace), Target("pattern", last.encode()))
    assert (preview.estimate, preview.estimated) == (0, True)
    page = operator_client.get("/invalidations/new", {"kind": "pattern", "target": last})
    text = page.content.decode()
    assert "No match found yet" in text and "Nothing to delete" not in text
    assert "the rest may hold some" in text and 'name="confirm"' in text
    answer = operator_client.post(
        "/api/invalidations", {"kind": "pattern", "target": last}, "application/json"
    )
    assert answer.status_code == 400 and "No key matched among the" in answer.json()["message"]
    assert answer.json()["preview"]["examined"] < answer.json()["preview"]["keyspace"]
