"""Live at full rate: a filter applied on the server before the rate cap, frames of up to
PER_TICK messages, and a burst that fits what waits delivered whole."""

import asyncio
import json
import time
import types

import pytest
import redis.asyncio

from cacheadmin.live import feeds
from cacheadmin.live import hub as hub_module
from cacheadmin.live.celery_feed import TAKEN_BYTES, CeleryRabbitTap
from cacheadmin.live.consumer import current_hub
from cacheadmin.live.hub import KEEP_BYTES
from cacheadmin.live.protocol import Feed
from cacheadmin.live.rabbit_tap import PREFETCH, RabbitTap
from tests.live.conftest import eventually

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_feed_without_a_filter_keeps_its_id_of_before():
    assert Feed("redis", pattern="orders").id == '["redis", "orders", "", "", false]'
    filtered = Feed("redis", pattern="orders", filter="needle")
    assert filtered.id == '["redis", "orders", "", "", false, {"filter": "needle"}]'
    assert filtered.as_json()["filter"] == "needle"
    assert "filter" not in Feed("redis", pattern="orders").as_json()


async def test_a_filtered_feed_gets_every_match_and_nothing_else(services, live, redis_client):
    filtered, unfiltered = await live(), await live()
    status = await filtered.subscribe(source="redis", pattern="mixed.*", filter="needle")
    assert status["filter"] == "needle" and '"filter"' in status["feed"]
    await unfiltered.subscribe(source="redis", pattern="mixed.*")
    assert len(current_hub().upstreams) == 2  # another feed: its own upstream
    publisher = redis_client.pipeline(transaction=False)
    wanted = set()
    for number in range(3000):
        if number % 10 == 0:
            payload, channel = f"{number} has a needle", "mixed.a"
            wanted.add(payload)
        elif number % 10 == 5:
            payload, channel = str(number), "mixed.needle"  # the channel holds it
            wanted.add(payload)
        else:
            payload, channel = f"{number} has a NEEDLE, not the same", "mixed.a"
        publisher.publish(channel, payload)
    publisher.execute()
    received, dropped = await filtered.messages(len(wanted))
    assert dropped == 0 and {message["data"] for message in received} == wanted
    assert await filtered.frames_for(0.3) == []  # and nothing else came
    everything, lost = await unfiltered.messages(3000, timeout=15)
    assert len(everything) + lost == 3000  # what the cap did not let through: counted


async def test_two_browsers_with_one_filter_share_an_upstream(services, live, redis_client):
    first, second = await live(), await live()
    await first.subscribe(source="redis", pattern="shared", filter="x")
    await second.subscribe(source="redis", pattern="shared", filter="x")
    assert redis_client.pubsub_numsub("shared") == [(b"shared", 1)]
    assert len(current_hub().upstreams) == 1


async def test_a_burst_that_fits_what_waits_is_delivered_whole_in_frames_of_per_tick(
    services, live, redis_client
):
    socket = await live()
    await socket.subscribe(source="redis", pattern="burst")
    publisher = redis_client.pipeline(transaction=False)
    for number in range(hub_module.KEEP):
        publisher.publish("burst", str(number))
    publisher.execute()
    frames, received = [], []
    while len(received) < hub_module.KEEP:
        frame = await socket.until(lambda f: f["type"] == "messages")
        assert frame["dropped"] == 0
        frames.append(frame)
        received += [int(message["data"]) for message in frame["messages"]]
    assert received == list(range(hub_module.KEEP))  # every one, in order
    assert max(len(frame["messages"]) for frame in frames) <= hub_module.PER_TICK


async def test_a_bad_filter_is_refused_and_changes_nothing(services, live, redis_client):
    socket = await live()
    for request, says in [
        ({"filter": "x" * 256}, "at most 255 characters"),
        ({"filter": 7}, "filter is a string"),
        ({"filter": 0}, "filter is a string"),  # never taken for "no filter"
        ({"filter": False}, "filter is a string"),
        ({"filter": []}, "filter is a string"),
    ]:
        await socket.socket.send_to(
            text_data=json.dumps(
                {"action": "subscribe", "source": "redis", "pattern": "f"} | request
            )
        )
        frame = await socket.frame()
        assert frame["type"] == "error" and says in frame["message"], (request, frame)
    assert redis_client.pubsub_numsub("f") == [(b"f", 0)] and current_hub().upstreams == {}
    await socket.subscribe(source="redis", pattern="f", filter="é" * 255)  # characters


def test_a_slow_browser_holds_at_most_its_waiting_bytes():
    watcher = hub_module.Watcher(send=None)
    big = "[" + "x" * 999_000 + "]"
    for _ in range(10):
        watcher.offer("a", big, 500, 0)
    assert watcher.waiting <= hub_module.WAITING_BYTES and len(watcher.frames) == 4
    assert watcher.dropped["a"] == 6 * 500


async def test_frames_sent_and_not_acknowledged_count_in_a_browsers_bytes():
    sent = []

    async def send(text):
        sent.append(text)

    watcher = hub_module.Watcher(send=send)
    running = asyncio.create_task(watcher.run())
    big = json.dumps(["x" * 999_000])
    for _ in range(hub_module.WINDOW):
        watcher.offer("a", big, 500, 0)
    await eventually(lambda: len(sent) == hub_module.WINDOW, timeout=5)
    assert watcher.unacked_size >= hub_module.WINDOW * len(big)
    for _ in range(3):  # the browser acknowledges nothing: one frame may wait, not more
        watcher.offer("a", big, 500, 0)
    assert len(watcher.frames) == 1 and watcher.dropped["a"] == 2 * 500
    watcher.ack(hub_module.WINDOW)
    assert watcher.unacked_size == 0
    # the one waiting goes out, its loss told
    await eventually(lambda: len(sent) == hub_module.WINDOW + 1, timeout=5)
    assert json.loads(sent[-1])["dropped"] == 2 * 500
    running.cancel()


def test_a_feed_keeps_at_most_keep_bytes_of_payloads_and_counts_what_it_pushed_out():
    upstream = hub_module.Upstream(Feed("celery", pattern="*"))
    upstream.keep_bytes = TAKEN_BYTES  # whole payloads, as Celery's feeds keep them
    payload = b"e" * 1_000_000
    for _ in range(20):
        upstream.receive(b"task-sent", payload)
    assert upstream.kept_bytes <= hub_module.KEEP_BYTES
    assert upstream.kept_bytes == len(upstream.kept) * len(payload)
    assert upstream.pushed_out == 20 - len(upstream.kept) > 0
    upstream.flush()
    assert upstream.kept_bytes == len(upstream.kept) * len(payload)


async def test_a_feed_started_anew_keeps_what_its_failed_upstream_had_read():
    class Failing(hub_module.Upstream):
        async def read(self):
            self.announce("failed", message="gone")

    hub = hub_module.Hub(Failing)
    feed = Feed("redis", pattern="anew")
    watcher = hub_module.Watcher(send=None)
    first = await hub.attach(feed, watcher)
    await first.stop()  # its flushes stopped: what it read waits
    first.receive(b"anew", b"read before the failure")
    first.failed = True
    second = await hub.attach(feed, hub_module.Watcher(send=None))
    assert second is not first and watcher in second.watchers
    assert [data for _, data, *_ in second.kept] == [b"read before the failure"]
    await second.stop()


async def test_a_flood_is_parsed_from_the_socket_in_one_go(services, redis_server):
    """The feeds read what came in one go through redis-py's hiredis reader, a private
    part of redis-py: a version that moved it would fall back to a message at a time
    (20,000 a second took most of a core), silently but for this test."""
    client = redis.asyncio.Redis.from_url(redis_server.url)
    pubsub = client.pubsub()
    await pubsub.subscribe("drained")
    assert feeds.buffered_replies(pubsub) is not None
    await pubsub.aclose()
    await client.aclose()


async def test_what_one_read_brings_is_taken_as_get_message_would_take_it(services, redis_server):
    """Messages, a PONG and an error reply, all in the socket before the feed reads: the
    drain takes the messages read with the first, and an error reply ends the feed as
    get_message's would (a refusal, not a connection lost)."""
    client = redis.asyncio.Redis.from_url(redis_server.url)
    publisher = redis.asyncio.Redis.from_url(redis_server.url)
    pubsub = client.pubsub()
    await pubsub.subscribe("drained")
    assert (await pubsub.get_message(timeout=5))["type"] == "subscribe"
    upstream = feeds.RedisFeed(Feed("redis", pattern="drained"))
    taken_one_by_one = []
    upstream._take = lambda message, node: taken_one_by_one.append(message)
    for number in range(300):
        await publisher.publish("drained", f"m{number}")
    await pubsub.ping()
    await pubsub.connection.send_command("NO-SUCH-COMMAND")  # an error reply
    await publisher.publish("drained", "after the error")
    with pytest.raises(redis.ResponseError, match="unknown command"):
        await asyncio.wait_for(upstream._listen("", pubsub), 10)
    drained = [data for _, data, *_ in upstream.kept]
    assert len(taken_one_by_one) + len(drained) == 300 + 1  # the messages and the PONG
    assert drained == [f"m{n}".encode() for n in range(300 - len(drained), 300)]
    assert len(drained) > 250  # most came with the first read, parsed in one go
    await pubsub.aclose()
    await client.aclose()
    await publisher.aclose()


def test_a_feed_sends_rate_a_second_and_a_late_ticks_share_on_the_next(monkeypatch):
    clock = [1000.0]  # the hub's monotonic clock, moved by the test alone
    hub_clock = types.SimpleNamespace(monotonic=lambda: clock[0], time=time.time)
    monkeypatch.setattr(hub_module, "time", hub_clock)
    upstream = hub_module.Upstream(Feed("redis", pattern="rate"))
    offered = []
    upstream.offer = lambda fragment, count, lost: offered.append((count, lost))

    def kept(count: int) -> None:
        for number in range(count):
            upstream.receive(b"rate", b"m%d" % number)

    def tick(seconds: float) -> list:
        offered.clear()
        clock[0] += seconds  # the last flush that long ago
        upstream.flush()
        return offered[:]

    kept(hub_module.KEEP)
    assert tick(0) == [(hub_module.PER_TICK, 0)]  # a first frame at once
    assert tick(hub_module.TICK) == [(hub_module.RATE * hub_module.TICK, 0)]
    kept(hub_module.KEEP)
    late = tick(2 * hub_module.TICK)  # a tick late: its share sent with the next
    assert late == [(hub_module.PER_TICK, 0), (hub_module.PER_TICK, 0)]
    kept(hub_module.KEEP)
    assert sum(count for count, _ in tick(10.0)) == hub_module.KEEP  # at most what waits
    kept(hub_module.KEEP)
    assert tick(0) == []  # nothing more owed: a long wait is not a burst to come


async def test_unsubscribing_a_feed_not_watched_is_answered_unsubscribed(services, live):
    """A page waits for "unsubscribed" before it takes a feed's frames again: a feed
    refused on this connection (or never asked) is answered so too, not with an error."""
    socket = await live()
    await socket.send(action="unsubscribe", source="redis", pattern="never")
    answer = await socket.frame()
    assert answer["type"] == "unsubscribed" and answer["pattern"] == "never"


def test_a_celery_message_not_decoded_is_kept_as_it_came():
    tap = CeleryRabbitTap(Feed("celery", pattern="#", exchange="celeryev"))
    tap.receive(b"task.multi", b"not JSON", 8)  # a worker's group, unreadable
    tap.receive(b"task.sent", b"{broken", 7)
    assert [(channel, data) for channel, data, *_ in tap.kept] == [
        (b"task.multi", b"not JSON"),
        (b"task.sent", b"{broken"),
    ]


def test_a_celery_tap_takes_ahead_no_more_than_keep_bytes_of_bodies():
    celery = CeleryRabbitTap(Feed("celery", pattern="#", exchange="celeryev"))
    assert celery.prefetch() >= 1 and celery.prefetch() * celery.keep_bytes <= KEEP_BYTES
    plain = RabbitTap(Feed("rabbitmq", exchange="orders", binding_key="#"))
    assert plain.prefetch() == PREFETCH
