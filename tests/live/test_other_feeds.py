"""A RabbitMQ exchange tap and the dashboard's own invalidation events."""

import json
from urllib.parse import quote

import pika
import pytest
from asgiref.sync import sync_to_async
from django.conf import settings

from cacheadmin.gateways import connections
from cacheadmin.invalidation import jobs
from cacheadmin.invalidation.engine import Target
from cacheadmin.live.rabbit_tap import TAP_PREFIX, RabbitTap
from tests.live.conftest import eventually

pytestmark = pytest.mark.django_db(transaction=True)


def publish(exchange: str, routing_key: str, body: bytes) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(settings.RABBITMQ_URL))
    channel = connection.channel()
    channel.exchange_declare(exchange, exchange_type="topic")
    channel.basic_publish(exchange, routing_key, body)
    connection.close()


def taps(rabbit_admin, vhost: str) -> list[str]:
    queues = rabbit_admin.http.get(f"queues/{quote(vhost, safe='')}").json()
    return [queue["name"] for queue in queues if queue["name"].startswith(TAP_PREFIX)]


async def test_a_tap_receives_what_the_exchange_routes_and_goes_with_its_watchers(
    services, live, rabbit_admin, rabbit_vhost
):
    await sync_to_async(publish)("zl.events", "setup", b"")  # declares the exchange
    first, second = await live(), await live()
    status = await first.subscribe(source="rabbitmq", exchange="zl.events", binding_key="order.*")
    await second.subscribe(source="rabbitmq", exchange="zl.events", binding_key="order.*")
    assert status["queue"].startswith(TAP_PREFIX)
    assert await sync_to_async(taps)(rabbit_admin, rabbit_vhost) == [status["queue"]]
    await sync_to_async(publish)("zl.events", "order.new", b"<b>hello</b>")
    await sync_to_async(publish)("zl.events", "invoice.new", b"not bound")
    for socket in (first, second):
        received, _ = await socket.messages(1)
        assert received[0] == received[0] | {
            "source": "rabbitmq",
            "channel": "order.new",
            "data": "<b>hello</b>",
        }
    await first.close()
    await second.close()
    await eventually(sync_to_async(lambda: taps(rabbit_admin, rabbit_vhost) == []), timeout=15)


async def test_a_filtered_tap_finds_its_text_past_what_a_message_shows(services, live):
    """A body is cut to what a message shows (2,048 bytes) after the filter, not before."""
    await sync_to_async(publish)("zl.far", "setup", b"")  # declares the exchange
    socket = await live()
    status = await socket.subscribe(
        source="rabbitmq", exchange="zl.far", binding_key="#", filter="needle"
    )
    assert status["filter"] == "needle"
    far = b"x" * 3000 + b"needle"
    for key, body in [("far", far), ("none", b"y" * 3000), ("near", b"needle near")]:
        await sync_to_async(publish)("zl.far", key, body)
    received, dropped = await socket.messages(2)
    assert dropped == 0 and [message["channel"] for message in received] == ["far", "near"]
    assert received[0]["bytes"] == len(far) and received[0]["data"] == "x" * 2048
    assert received[1]["data"] == "needle near"


async def test_a_tap_whose_thread_dies_says_it_failed_and_why(services, live, monkeypatch):
    """The tap's thread once died on an error nobody caught: its feed stayed "connecting"."""

    def broken(self, channel):
        raise RuntimeError("a bug in the tap")

    monkeypatch.setattr(RabbitTap, "_declare", broken)  # fault injection, on a real broker
    await sync_to_async(publish)("zl.broken", "setup", b"")
    socket = await live()
    await socket.send(action="subscribe", source="rabbitmq", exchange="zl.broken")
    failed = await socket.until(lambda f: f["type"] == "status" and f["state"] != "connecting")
    assert failed["state"] == "failed" and "a bug in the tap" in failed["message"]


async def test_a_tap_comes_back_when_the_broker_drops_its_connection(
    services, live, rabbit_admin, rabbit_vhost
):
    def vhost_connections():
        connections = rabbit_admin.http.get("connections").json()
        return [c["name"] for c in connections if c.get("vhost") == rabbit_vhost]

    # Another test's connections (a killed worker's) stay listed for a statistics
    # interval: the tap's is the one that was not there before it.
    before = set(await sync_to_async(vhost_connections)())
    await sync_to_async(publish)("zl.restart", "setup", b"")
    socket = await live()
    first = await socket.subscribe(source="rabbitmq", exchange="zl.restart", binding_key="#")

    def tap_connections():
        return [name for name in vhost_connections() if name not in before]

    # The management API lists a connection after its statistics interval.
    names = await eventually(sync_to_async(tap_connections), timeout=20)
    for name in names:  # closed by the broker, as in a restart
        await sync_to_async(rabbit_admin.http.delete)(f"connections/{quote(name, safe='')}")
    down = await socket.until(lambda f: f["type"] == "status")
    assert down["state"] == "reconnecting"
    back = await socket.until(lambda f: f["type"] == "status" and f["state"] == "live", timeout=15)
    assert back["queue"] != first["queue"] and back["gap_seconds"] > 0
    await sync_to_async(publish)("zl.restart", "after", b"again")
    received, _ = await socket.messages(1)
    assert received[0]["data"] == "again"


async def test_a_missing_exchange_is_said_plainly_and_tried_again_when_asked(services, live):
    socket = await live()
    await socket.send(action="subscribe", source="rabbitmq", exchange="zl.later")
    failed = await socket.until(lambda f: f["type"] == "status" and f["state"] == "failed")
    assert "no exchange 'zl.later'" in failed["message"]
    await sync_to_async(publish)("zl.later", "setup", b"")  # now it exists
    await socket.subscribe(source="rabbitmq", exchange="zl.later")
    other = await live()
    await other.subscribe(source="rabbitmq", exchange="zl.later")


async def test_names_too_long_for_amqp_are_refused_before_the_broker(live):
    socket = await live()
    await socket.send(action="subscribe", source="rabbitmq", exchange="\u00e9" * 200)
    refused = await socket.until(lambda f: f["type"] == "error")
    assert "at most 255 bytes" in refused["message"]


async def test_invalidation_events_reach_the_live_feed(services, live, operator, redis_client):
    socket = await live()
    await socket.subscribe(source="invalidations")
    redis_client.set("inv:1", "x")
    job = await sync_to_async(jobs.job_create)(
        user=operator,
        instance=connections.instance(),
        target=Target("key", b"inv:1"),
        estimate=1,
        rate=None,
    )
    job, problem = await sync_to_async(jobs.job_start)(job=job)  # one key: runs now
    assert problem is None and job.status == "done"
    received, _ = await socket.messages(1)
    event = received[0]
    assert event["source"] == "invalidations" and event["channel"] == "cacheadmin:invalidations"
    announced = json.loads(event["data"])
    assert (announced["id"], announced["target"], announced["deleted"]) == (job.id, "inv:1", 1)


async def test_the_invalidations_feed_stays_live_while_nothing_happens(services, live):
    """channels-redis waits 5 s at a time for a message: a Redis read timeout of 5 s
    once ended every wait in "Channel layer lost" and a reconnection."""
    socket = await live()
    await socket.subscribe(source="invalidations")
    frames = await socket.frames_for(12)
    assert [frame for frame in frames if frame["type"] == "status"] == []


async def test_a_tap_on_a_url_pika_cannot_use_fails_once_and_says_so(live, settings):
    """It was retried every few seconds for as long as the page stayed open."""
    settings.RABBITMQ_URL = "amqp://guest:s3cret@127.0.0.1:notaport/%2F"
    socket = await live()
    await socket.send(action="subscribe", source="rabbitmq", exchange="zl.any")
    said = await socket.until(lambda f: f["type"] == "status" and f["state"] != "connecting")
    assert said["state"] == "failed" and "RABBITMQ_URL is not an AMQP URL" in said["message"]
    assert "s3cret" not in said["message"]
