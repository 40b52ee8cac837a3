"""Redis queues found on a big Redis Cluster: each primary searches with a budget of its
own (they search at once), and the page and the API say where the search was cut short."""

import time

import pytest
from redis.cluster import RedisCluster

from cacheadmin.gateways.redis_kinds import cluster_scan
from cacheadmin.queues import redis_queues
from tests.servers import keyspace_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("services")]

# Keys written by the server itself, all in the slot of the tag given as KEYS[1]: many
# in a fraction of a second, without a round trip each. A node running a script does
# not answer the cluster bus either: past the node timeout its replica would take over,
# without the script's keys. Hence short scripts.
FILL = """
for number = tonumber(ARGV[1]), tonumber(ARGV[2]) do
  redis.call('SET', KEYS[1] .. ':filler:' .. number, 'x')
end
"""
CHUNK = 50_000


def fill_primary(cluster: RedisCluster, slot: int, count: int) -> None:
    """count plain keys on the primary serving slot, all in that slot."""
    for start in range(0, count, CHUNK):
        tag = f"{{{cluster_scan.slot_tag(slot)}}}"
        cluster.eval(FILL, 1, tag, start + 1, min(start + CHUNK, count))


@pytest.fixture
def lopsided(cluster_keyspace):
    """600,000 keys on the first primary (in slot order, the first searched), a few on
    the others; a queue on each, and orders:queue on the last."""
    client = cluster_keyspace
    (first, big), *rest = cluster_scan.primaries(client)
    fill_primary(client, first, 600_000)
    for slot, _ in rest:
        fill_primary(client, slot, 1000)
    assert client.get_redis_connection(big).dbsize() == 600_000
    client.rpush("orders:queue", "a", "b")
    assert cluster_scan.key_owner(client, b"orders:queue").name == rest[-1][1].name
    for slot, _ in cluster_scan.primaries(client):
        client.rpush(f"queue:{{{cluster_scan.slot_tag(slot)}}}", "job")
    yield client
    client.flushall(target_nodes=client.PRIMARIES)  # the shared cluster's memory back


def test_every_primary_searches_with_a_budget_of_its_own(viewer_client, lopsided):
    """The first primary's 600,000 keys used up the one budget of every search before
    the search reached the others: orders:queue was never found."""
    (_, big), *rest = cluster_scan.primaries(lopsided)
    started = time.monotonic()
    data = viewer_client.get("/api/queues?kind=redis").json()
    names = {item["name"] for item in data["items"]}
    assert "orders:queue" in names, names
    assert {f"queue:{{{cluster_scan.slot_tag(slot)}}}" for slot, _ in rest} <= names
    assert not {node.name for _, node in rest} & set(data["cut_short_on"])
    assert data["complete"] is (data["cut_short_on"] == [])
    assert set(data["cut_short_on"]) <= {big.name}
    assert time.monotonic() - started < 2 * redis_queues.DISCOVERY_SECONDS + 0.5


def test_a_search_cut_short_says_where(viewer_client, lopsided, monkeypatch):
    monkeypatch.setattr(redis_queues, "DISCOVERY_SECONDS", 0.0)  # one SCAN call each
    (_, big), *_ = cluster_scan.primaries(lopsided)
    data = viewer_client.get("/api/queues?kind=redis").json()
    assert data["complete"] is False and data["cut_short_on"] == [big.name]
    assert "orders:queue" in {item["name"] for item in data["items"]}
    page = viewer_client.get("/queues/").content.decode()
    assert f"The search was cut short on {big.name}" in page


def test_a_search_that_ends_says_it_is_complete(viewer_client, cluster_keyspace):
    cluster_keyspace.rpush("orders:queue", "a")
    data = viewer_client.get("/api/queues?kind=redis").json()
    assert [item["name"] for item in data["items"]] == ["orders:queue"]
    assert data["complete"] is True and data["cut_short_on"] == []
    assert "cut short" not in viewer_client.get("/queues/").content.decode()


def test_a_single_server_says_when_its_search_was_cut_short(viewer_client, redis_client):
    redis_client.rpush("queue:late", "x")
    redis_client.set("queue:not-a-list", "x")
    found = redis_queues.find_queues(keyspace_of(redis_client), ("queue:*",), max_seconds=10)
    assert found.queues == [(b"queue:late", "list")] and found.cut_short == []
    redis_client.eval(FILL, 1, "many", 1, 20_000)
    cut = redis_queues.find_queues(keyspace_of(redis_client), ("queue:*",), max_seconds=0.0)
    assert cut.cut_short == [""]
    data = viewer_client.get("/api/queues?kind=redis").json()
    assert data["complete"] is True and data["cut_short_on"] == []
