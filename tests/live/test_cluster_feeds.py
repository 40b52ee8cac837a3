"""Live feeds on a Redis Cluster: sharded channels at their slot's primary (and on a
single server), keyspace notifications from every primary, each saying its node, and
a failover under a feed: a reconnection with its gap stated."""

import pytest
from asgiref.sync import sync_to_async

from tests.live.test_redis_feeds import set_events

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cluster(cluster_keyspace, cluster):
    """The instance `default` is the shared cluster, emptied."""
    yield cluster
    set_events(cluster_keyspace, "")


async def test_a_sharded_channel_is_heard_and_listed(live, viewer_client, keyspace):
    socket = await live()
    status = await socket.subscribe(source="redis", pattern="orders", mode="shard")
    assert status["mode"] == "shard" and status["pattern"] == "orders"
    assert await sync_to_async(keyspace.spublish)("orders", "one") == 1
    received, _ = await socket.messages(1)
    assert (received[0]["channel"], received[0]["data"]) == ("orders", "one")
    page = await sync_to_async(viewer_client.get)("/live/")
    assert 'data-figure="shard-channel">orders<' in page.content.decode()
    pattern = await live()
    await pattern.send(action="subscribe", source="keyspace", pattern="x", mode="shard")
    refused = await pattern.until(lambda frame: frame["type"] == "error")
    assert "Only a Redis channel is sharded" in refused["message"]


async def test_keyspace_notifications_come_from_every_primary(live, cluster):
    client = cluster.client()
    set_events(client, "E$")
    socket = await live()
    status = await socket.subscribe(source="keyspace", pattern="__keyevent@0__:set")
    assert len(status["nodes"]) == 3 and status["notify_keyspace_events"]
    keys = [f"user:{number}" for number in range(30)]
    for key in keys:
        client.set(key, "x")
    received, dropped = await socket.messages(len(keys))
    assert dropped == 0 and sorted(message["data"] for message in received) == sorted(keys)
    for message in received:
        assert message["node"] == client.get_node_from_key(message["data"]).name
    assert len({message["node"] for message in received}) == 3


@pytest.mark.parametrize(
    "feed, how",
    [
        ("shard", "CLUSTER FAILOVER"),
        ("shard", "the primary killed"),
        ("keyspace", "CLUSTER FAILOVER"),
    ],
)
async def test_a_feed_through_a_failover_comes_back_with_its_gap(live, cluster, feed, how):
    client = cluster.client()
    set_events(client, "E$")
    socket = await live()
    if feed == "shard":
        await socket.subscribe(source="redis", pattern="news", mode="shard")
    else:
        await socket.subscribe(source="keyspace", pattern="__keyevent@0__:set")
    primary = cluster.node_at(client.get_node_from_key("news").name)
    killed = how != "CLUSTER FAILOVER"
    try:
        await sync_to_async(cluster.kill if killed else cluster.failover)(primary)
        await socket.until(lambda frame: frame.get("state") == "reconnecting", timeout=20)
        back = await socket.until(lambda frame: frame.get("state") == "live", timeout=30)
        assert back["gap_seconds"] > 0
        client = cluster.client()
        if feed == "shard":
            await sync_to_async(client.spublish)("news", "after")
        else:
            await sync_to_async(client.set)("news", "after")
        received, _ = await socket.messages(1, timeout=10)
        assert received[0]["data"] == ("after" if feed == "shard" else "news")
    finally:
        if killed:
            await sync_to_async(cluster.revive)(primary)
