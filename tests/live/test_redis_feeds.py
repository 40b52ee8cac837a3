"""Redis channels and patterns pushed to websockets: shared upstreams, drops, restarts."""

import asyncio
import base64
import json
import signal

import pytest
import redis
from asgiref.sync import sync_to_async

from cacheadmin.live import feeds
from cacheadmin.live import hub as hub_module
from cacheadmin.live.consumer import current_hub
from tests.live.conftest import LiveSocket, eventually
from tests.servers import keyspace_of
from tests.users import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


async def test_publish_and_receive_text_binary_and_big_payloads(live, keyspace):
    socket = await live()
    status = await socket.subscribe(source="redis", pattern="orders.*")
    assert status["source"] == "redis" and status["pattern"] == "orders.*"
    keyspace.publish("orders.new", '{"id": 1}')
    keyspace.publish("orders.\xff".encode("latin-1"), b"\xff\x00binary")
    keyspace.publish("orders.big", b"x" * 5000)
    keyspace.publish("other", "not for us")
    received, dropped = await socket.messages(3)
    assert dropped == 0 and len(received) == 3
    # A cluster publishes each channel from the node of its slot: no order across channels.
    by_channel = {message["channel"]: message for message in received}
    first, binary, big = (by_channel[name] for name in ("orders.new", "orders.\\xff", "orders.big"))
    assert (first["source"], first["channel"], first["data"]) == (
        "redis",
        "orders.new",
        '{"id": 1}',
    )
    assert binary["channel"] == "orders.\\xff" and "data" not in binary
    assert base64.b64decode(binary["data_b64"]) == b"\xff\x00binary"
    assert len(big["data"]) == hub_module.PAYLOAD_BYTES and big["bytes"] == 5000
    assert isinstance(first["ts"], float)


async def test_a_plain_channel_is_subscribed_not_matched(services, live, redis_client):
    socket = await live()
    await socket.subscribe(source="redis", pattern="exact")
    assert redis_client.pubsub_numsub("exact") == [(b"exact", 1)]
    assert redis_client.pubsub_numpat() == 0


async def test_two_browsers_share_one_upstream_closed_when_both_leave(services, live, redis_client):
    first, second = await live(), await live()
    await first.subscribe(source="redis", pattern="share.*")
    await second.subscribe(source="redis", pattern="share.*")
    assert redis_client.pubsub_numpat() == 1
    redis_client.publish("share.x", "hello")
    for socket in (first, second):
        received, _ = await socket.messages(1)
        assert received[0]["data"] == "hello"
    await first.close()
    assert redis_client.pubsub_numpat() == 1
    await second.send(action="unsubscribe", source="redis", pattern="share.*")
    await second.until(lambda f: f["type"] == "unsubscribed")
    await eventually(sync_to_async(lambda: redis_client.pubsub_numpat() == 0))


async def test_bad_requests_get_an_error_and_change_nothing(services, live, redis_client):
    socket = await live()
    for request, says in [
        ("not json", "Send JSON"),
        ("[1]", "JSON object"),
        ('{"action": "shout"}', "action is"),
        ('{"action": "subscribe", "source": "memcached"}', "source is one of"),
        ('{"action": "subscribe", "source": "redis"}', "pattern is required"),
        ('{"action": "subscribe", "source": "redis", "pattern": 7}', "is a string"),
        ('{"action": "subscribe", "source": "redis", "pattern": "' + "a" * 300 + '"}', "at most"),
        ('{"action": "subscribe", "source": "redis", "pattern": "' + "*" * 17 + '"}', "at most 16"),
        ('{"action": "subscribe", "source": "keyspace", "pattern": "user:*"}', "notification"),
        ('{"action": "subscribe", "source": "rabbitmq"}', "exchange is required"),
        ('{"action": "subscribe", "source": "rabbitmq", "exchange": "amq.default"}', "default"),
        ('{"action": "ack", "seq": "1"}', "ack needs"),
        ('{"action": "subscribe", "source": "redis", "pattern": "a\\ud800"}', "not valid Unicode"),
        ('{"action": "subscribe", "source": "rabbitmq", "exchange": "\\udfff"}', "not valid"),
    ]:
        await socket.socket.send_to(text_data=request)
        frame = await socket.frame()
        assert frame["type"] == "error" and says in frame["message"], (request, frame)
    assert redis_client.pubsub_numpat() == 0 and current_hub().upstreams == {}


async def test_subscriptions_are_limited_per_connection(services, live):
    socket = await live()
    for number in range(10):
        await socket.send(action="subscribe", source="redis", pattern=f"limit.{number}.*")
    await socket.send(action="subscribe", source="redis", pattern="limit.more.*")
    frame = await socket.until(lambda f: f["type"] == "error")
    assert "At most 10 feeds per connection" in frame["message"]


async def test_wrong_origin_is_refused(services, viewer):
    socket = LiveSocket(await session_cookie(viewer), origin="http://evil.example")
    assert not await socket.connect()
    await socket.close()


async def test_a_slow_browser_is_told_what_it_lost_and_memory_stays_bounded(
    services, live, redis_client
):
    fast, slow = await live(), await live()
    await fast.subscribe(source="redis", pattern="flood")
    await slow.subscribe(source="redis", pattern="flood")
    total = 30_000
    publisher = redis_client.pipeline(transaction=False)
    for number in range(total):
        publisher.publish("flood", str(number))
    publisher.execute()
    received, dropped = await fast.messages(total, timeout=30)
    assert received and len(received) + dropped == total
    assert dropped > 0  # at most KEEP wait, RATE a second are sent; the rest are counted
    upstream = next(iter(current_hub().upstreams.values()))
    assert upstream.total == total
    # The slow one has acknowledged nothing: what reached it is WINDOW frames (and its
    # two status frames), however many were published.
    assert slow.socket.output_queue.qsize() <= hub_module.WINDOW + 3
    late, lost = await slow.messages(total, timeout=30)  # now it reads (and acks)
    assert len(late) + lost == total and lost > len(late)


async def test_the_feed_comes_back_after_redis_restarts(services, live, redis_server, redis_client):
    socket = await live()
    await socket.subscribe(source="redis", pattern="restart.*")
    await sync_to_async(redis_server.stop)()
    down = await socket.until(lambda f: f["type"] == "status")
    assert down["state"] == "reconnecting" and "reconnecting" in down["message"]
    await sync_to_async(redis_server.start)()
    back = await socket.until(lambda f: f["type"] == "status" and f["state"] == "live", timeout=15)
    assert back["gap_seconds"] > 0
    await eventually(sync_to_async(lambda: redis_server.client().pubsub_numpat() == 1))
    redis_server.client().publish("restart.x", "after")
    received, _ = await socket.messages(1)
    assert received[0]["data"] == "after"


async def test_a_frozen_redis_is_noticed_and_the_gap_stated(
    services, live, redis_server, monkeypatch
):
    """SIGSTOP keeps the TCP connection up and says nothing: the feed once stayed "live"."""
    monkeypatch.setattr(feeds, "HEALTH_EVERY", 1.0)  # PING after 1 s of quiet, not 5
    monkeypatch.setattr(feeds, "HEALTH_WAIT", 1.0)
    socket = await live()
    await socket.subscribe(source="redis", pattern="frozen.*")
    redis_server.process.send_signal(signal.SIGSTOP)
    try:
        down = await socket.until(lambda f: f["type"] == "status", timeout=10)
        assert down["state"] == "reconnecting" and "no answer to PING" in down["message"]
    finally:
        redis_server.process.send_signal(signal.SIGCONT)
    back = await socket.until(lambda f: f["type"] == "status" and f["state"] == "live", timeout=20)
    assert back["gap_seconds"] > 1


def set_events(client, flags: str) -> None:
    """notify-keyspace-events on the server, or on every node of a cluster (a replica's
    setting is the one that counts once it is promoted)."""
    nodes = list(keyspace_of(client).every_node().values())
    for node in nodes:
        node.config_set("notify-keyspace-events", flags)


async def test_keyspace_notifications_and_the_setting_that_sends_them(live, keyspace):
    socket = await live()
    set_events(keyspace, "")
    off = await socket.subscribe(source="keyspace", pattern="__keyevent@0__:expired")
    assert off["notify_keyspace_events"] == "" and "off" in off["warning"]
    set_events(keyspace, "Ex")
    keyspace.set("session:1", "x", px=1)
    await asyncio.sleep(0.05)
    keyspace.get("session:1")  # expired on access, if not already
    received, _ = await socket.messages(1)
    assert received[0] == received[0] | {
        "source": "keyspace",
        "channel": "__keyevent@0__:expired",
        "data": "session:1",
    }
    if isinstance(keyspace, redis.RedisCluster):  # each node sends its own keys' events
        assert received[0]["node"] == keyspace.get_node_from_key("session:1").name
    set_events(keyspace, "")


async def test_hostile_input_gets_an_error_and_the_socket_goes_on(services, live, redis_client):
    socket = await live()
    for request in ["[" * 5000, "[" * 1000 + "]" * 1000, '{"action": "ack", "seq": 1e400}']:
        await socket.socket.send_to(text_data=request)
        assert (await socket.frame())["type"] == "error"
    await socket.subscribe(source="redis", pattern="still.here")
    redis_client.publish("still.here", "yes")
    received, _ = await socket.messages(1)
    assert received[0]["data"] == "yes"


async def test_leaving_detaches_everything_and_limits_count_per_user(services, live, redis_client):
    sockets = [await live(), await live(), await live()]
    for number in range(20):
        await sockets[number // 10].send(action="subscribe", source="redis", pattern=f"u.{number}*")
    for first, socket in ((0, sockets[0]), (10, sockets[1])):
        last = f"u.{first + 9}*"
        await socket.until(lambda f, last=last: f["type"] == "status" and f["pattern"] == last)
    await sockets[2].send(action="subscribe", source="redis", pattern="u.more*")
    refused = await sockets[2].until(lambda f: f["type"] == "error")
    assert "At most 20 feeds per user" in refused["message"]
    hub = current_hub()
    await sockets[0].close()
    await sockets[1].close()
    await eventually(lambda: _async(hub.upstreams == {} and sum(hub.by_user.values()) == 0))
    await eventually(sync_to_async(lambda: redis_client.pubsub_numpat() == 0))


async def _async(value):
    return value


async def test_a_channel_named_like_a_pattern_can_be_subscribed_as_such(
    services, live, redis_client
):
    socket = await live()
    status = await socket.subscribe(source="redis", pattern="odd*name", mode="channel")
    assert status["mode"] == "channel"
    assert redis_client.pubsub_numsub("odd*name") == [(b"odd*name", 1)]
    assert redis_client.pubsub_numpat() == 0


async def test_a_frame_stays_within_its_budget_whatever_the_payloads(services, live, redis_client):
    socket = await live()
    await socket.subscribe(source="redis", pattern="escapes")
    publisher = redis_client.pipeline(transaction=False)
    for _ in range(200):  # 2.4 MB once escaped, under KEEP: two frames' budget at least
        publisher.publish("escapes", "\x01" * 5000)  # each character escaped as \u0001
    publisher.execute()
    received = dropped = 0
    while received + dropped < 200:
        raw = await socket.socket.receive_from(timeout=5)
        if '"messages"' not in raw:
            continue
        assert len(raw) < hub_module.FRAME_BYTES + 500
        frame = json.loads(raw)
        await socket.send(action="ack", seq=frame["seq"])
        received, dropped = received + len(frame["messages"]), dropped + frame["dropped"]
    assert received + dropped == 200 and dropped > 0


def test_a_watcher_forgets_a_feed_it_left():
    watcher = hub_module.Watcher(send=None)
    watcher.offer("a", "[1]", 1, 5)
    watcher.offer("b", "[2]", 1, 0)
    watcher.forget("a")
    assert list(watcher.frames) == [("b", "[2]", 1)] and "a" not in watcher.dropped
