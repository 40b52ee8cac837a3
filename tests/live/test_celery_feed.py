"""The live source `celery`: a real worker's events, from its Redis or its RabbitMQ, as
messages whose channel is the event's type and whose payload is the event as JSON."""

import json

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings

from cacheadmin.live.protocol import ProtocolError, feed_of
from tests.tasks.test_celery_events import send, start_worker, stopped
from tests.tasks.test_celery_workers import forget_celery_exchanges

pytestmark = pytest.mark.django_db(transaction=True)


async def until_event(socket, task_id: str, kind: str) -> list[dict]:
    """Every message received until the event kind of the task came."""
    seen = []
    while not any(
        message["channel"] == kind and json.loads(message["data"]).get("uuid") == task_id
        for message in seen
    ):
        received, _ = await socket.messages(1, timeout=30)
        seen += received
    return seen


async def test_a_worker_s_task_events_come_from_redis_by_type(
    services, live, redis_server, tmp_path
):
    socket = await live()
    status = await socket.subscribe(source="celery", pattern="task.*")
    assert (status["source"], status["pattern"], status["exchange"]) == ("celery", "task.*", "")
    worker = start_worker(redis_server.url, "live1@tests", tmp_path)
    try:
        tasks = [("events.boom", ("<b>no</b>",), "work")]
        (task_id,) = await sync_to_async(send)(redis_server.url, tasks)
        seen = await until_event(socket, task_id, "task-failed")
    finally:
        stopped(worker)
    kinds = [message["channel"] for message in seen]
    assert {"task-sent", "task-received", "task-started", "task-failed"} <= set(kinds)
    assert not any(kind.startswith("worker-") for kind in kinds)  # task.* only
    failed = json.loads(next(m["data"] for m in seen if m["channel"] == "task-failed"))
    assert failed["hostname"] == "live1@tests" and "<b>no</b>" in failed["exception"]
    assert all(message["source"] == "celery" for message in seen)


async def test_a_worker_s_events_come_from_rabbitmq(services, live, tmp_path):
    worker = start_worker(settings.RABBITMQ_URL, "live2@tests", tmp_path)
    try:
        socket = await live()
        # the worker declares the celeryev exchange as it starts: until then, a refusal
        while True:
            await socket.send(action="subscribe", source="celery", broker="rabbitmq")
            status = await socket.until(
                lambda f: f["type"] == "status" and f["state"] in ("live", "failed")
            )
            if status["state"] == "live":
                break
            assert "no Celery worker has sent events here yet" in status["message"]
        assert status["exchange"] == "celeryev"
        tasks = [("events.add", (1, 2), "work")]
        (task_id,) = await sync_to_async(send)(settings.RABBITMQ_URL, tasks)
        seen = await until_event(socket, task_id, "task-succeeded")
        succeeded = json.loads(next(m["data"] for m in seen if m["channel"] == "task-succeeded"))
        assert succeeded["result"] == "3"
    finally:
        stopped(worker)
        await sync_to_async(forget_celery_exchanges)(settings.RABBITMQ_URL)


@pytest.mark.parametrize("pattern", ["task.", "*", "task.*.x", "TASK.failed", "a" * 30 + ".x"])
def test_a_celery_pattern_is_a_binding_of_event_routing_keys(pattern):
    with pytest.raises(ProtocolError):
        feed_of({"action": "subscribe", "source": "celery", "pattern": pattern})


def test_a_celery_feed_names_its_broker():
    redis_feed = feed_of({"source": "celery"})
    rabbit_feed = feed_of({"source": "celery", "broker": "rabbitmq", "pattern": "task.failed"})
    assert (redis_feed.pattern, redis_feed.exchange) == ("#", "")
    assert (rabbit_feed.pattern, rabbit_feed.exchange) == ("task.failed", "celeryev")
    echoed = feed_of({"source": "celery", **rabbit_feed.as_json()})  # as the page re-subscribes
    assert echoed == rabbit_feed
    with pytest.raises(ProtocolError):
        feed_of({"source": "celery", "broker": "kafka"})


@pytest.mark.parametrize("broker", ["redis", "rabbitmq"])
async def test_a_filtered_celery_feed_filters_the_events_not_their_envelopes(
    services, live, redis_server, broker
):
    """On Redis, kombu's envelope holds an event in base64: a filter over it would find
    nothing. The filter is over the event as shown, its type and its JSON."""
    url = redis_server.url if broker == "redis" else settings.RABBITMQ_URL
    socket = await live()
    try:
        await sync_to_async(send)(url, [("events.add", ("declare",), "work")])  # celeryev
        await socket.send(action="subscribe", source="celery", broker=broker, filter="ndl-7")
        status = await socket.until(lambda f: f["type"] == "status" and f["state"] == "live")
        assert status["filter"] == "ndl-7"
        tasks = [("events.add", (text,), "work") for text in ("a", "ndl-7 b", "c", "ndl-7 d")]
        ids = await sync_to_async(send)(url, tasks)
        received, dropped = await socket.messages(2)
    finally:
        if broker == "rabbitmq":
            await sync_to_async(forget_celery_exchanges)(url)
    events = [json.loads(message["data"]) for message in received]
    assert dropped == 0 and [message["channel"] for message in received] == ["task-sent"] * 2
    assert [event["uuid"] for event in events] == [ids[1], ids[3]]  # in order, none between
