"""Queues made by task frameworks, found by their own registries with the real libraries:
RQ 2.12 (queues enqueued, drained by a real worker, emptied) and Celery 5.7 on Redis
(tasks sent to a queue no worker reads, with a priority)."""

import pika
import pytest
from celery import Celery
from rq import Queue, SimpleWorker

from cacheadmin.gateways.keycodec import encode_key
from tests.helpers import wait_for_statistics

pytestmark = pytest.mark.django_db


def redis_rows(client, **params) -> dict[str, dict]:
    answer = client.get("/api/queues", {"kind": "redis", "page_size": 200, **params})
    assert answer.status_code == 200, answer.content
    return {row["name"]: row for row in answer.json()["items"]}


@pytest.fixture
def rq_queues(services, redis_client):
    """high: 5 jobs waiting; low: one job that a real worker ran (so its result is a
    stream, rq:results:<id>) and one that failed; bulk: emptied."""
    high, low, bulk = (Queue(name, connection=redis_client) for name in ("high", "low", "bulk"))
    for number in range(5):
        high.enqueue(len, "x" * number)
    low.enqueue(len, "abc")
    low.enqueue("builtins.int", "not a number")  # fails: ValueError
    SimpleWorker([low], connection=redis_client).work(burst=True)
    bulk.enqueue(len, "x")
    bulk.empty()
    return high, low, bulk


def test_rq_queues_are_found_by_their_registry_even_empty(viewer_client, rq_queues):
    rows = redis_rows(viewer_client)
    assert {name: rows[name]["messages_ready"] for name in rows} == {
        "rq:queue:high": 5,
        "rq:queue:low": 0,
        "rq:queue:bulk": 0,
    }
    assert {row["framework"] for row in rows.values()} == {"rq"}
    page = viewer_client.get(f"/queues/redis/{encode_key(b'rq:queue:bulk')}")  # empty
    assert page.status_code == 200, page.status_code


def test_rqs_own_keys_are_never_queues(viewer_client, rq_queues, settings, redis_client):
    settings.REDIS_QUEUE_PATTERNS = ["*"]  # every list and stream
    assert list(redis_client.scan_iter(match="rq:results:*"))  # a stream, for each job run
    names = set(redis_rows(viewer_client))
    assert names == {"rq:queue:high", "rq:queue:low", "rq:queue:bulk"}


@pytest.fixture
def celery_app(services, settings):
    app = Celery("cacheadmin_tests", broker=settings.REDIS_URL, set_as_current=False)
    yield app
    app.close()


def test_celery_queues_are_found_by_kombus_bindings_with_their_priorities(
    viewer_client, celery_app, settings
):
    celery_app.send_task("shop.add", args=(1, 2))  # the default queue, celery
    for priority in (0, 0, 3, 9):
        celery_app.send_task("shop.mail", args=("x",), queue="orphan", priority=priority)
    settings.REDIS_QUEUE_PATTERNS = ["queue:*"]  # neither name matches: the bindings find them
    rows = redis_rows(viewer_client)
    orphan, default = rows["orphan"], rows["celery"]
    assert (orphan["framework"], orphan["messages_ready"]) == ("celery", 4)
    assert orphan["priorities"] == {"0": 2, "3": 1, "9": 1}
    assert (default["framework"], default["messages_ready"]) == ("celery", 1)
    settings.REDIS_QUEUE_PATTERNS = ["*"]  # the priority sub-queues are the queue's, not more
    assert set(redis_rows(viewer_client)) == {"orphan", "celery"}


def test_a_plain_queue_has_no_framework(viewer_client, services, redis_client):
    redis_client.rpush("queue:emails", "x")
    assert redis_rows(viewer_client)["queue:emails"]["framework"] is None


def test_celerys_queues_on_rabbitmq_are_named_as_its_own(services, viewer_client, settings):
    settings.RABBITMQ_STATS_INTERVAL = 0.01
    connection = pika.BlockingConnection(pika.URLParameters(settings.RABBITMQ_URL))
    channel = connection.channel()
    names = ("celery", "celeryev.5f0c", "worker1@host.celery.pidbox", "fw.orders")
    for name in names:
        channel.queue_declare(name)

    def rows() -> dict | None:
        answer = viewer_client.get("/api/queues", {"kind": "rabbitmq", "page_size": 500})
        found = {row["name"]: row["framework"] for row in answer.json()["items"]}
        return found if "worker1@host.celery.pidbox" in found else None

    try:
        found = wait_for_statistics(rows)
    finally:
        for name in names:  # the vhost is shared by the session's tests
            channel.queue_delete(name)
        connection.close()
    assert found["celery"] == found["celeryev.5f0c"] == "celery"
    assert found["worker1@host.celery.pidbox"] == "celery" and found["fw.orders"] is None
