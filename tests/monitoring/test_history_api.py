"""GET /api/history: a figure's series as the sampler recorded them, filtered by model,
queue or vhost, on the instance asked; a bad parameter is a 400 naming it."""

import time

import pytest

from cacheadmin.monitoring import store
from cacheadmin.monitoring.figures import Reading, redis_queue_subject

pytestmark = pytest.mark.django_db


def test_a_queues_depth_and_the_memory_as_sampled(services, settings, viewer_client):
    settings.SAMPLE_SECONDS = 10
    now = int(time.time()) // 10 * 10
    for age, depth in ((30, 5), (20, 7), (10, 9)):
        labels = {"kind": "redis", "queue": "queue:mail", "framework": ""}
        other = {"kind": "redis", "queue": "queue:other", "framework": ""}
        store.write(
            "default",
            now - age,
            [
                Reading("queue.ready", redis_queue_subject(b"queue:mail"), depth, labels),
                Reading("queue.ready", redis_queue_subject(b"queue:other"), 1, other),
                Reading("redis.used_memory", "", 1000 + depth),
            ],
        )
    answer = viewer_client.get("/api/history", {"metric": "queue.ready", "queue": "queue:mail"})
    assert answer.status_code == 200, answer.json()
    (series,) = answer.json()["series"]
    assert series["labels"]["queue"] == "queue:mail"
    assert [value for _, value in series["points"]] == [5, 7, 9]
    every = viewer_client.get("/api/history", {"metric": "queue.ready"}).json()
    assert len(every["series"]) == 2 and every["more"] is False
    memory = viewer_client.get("/api/history", {"metric": "redis.used_memory"}).json()
    assert [value for _, value in memory["series"][0]["points"]] == [1005, 1007, 1009]
    assert "bytes used" in memory["meaning"]
    old = viewer_client.get("/api/history", {"metric": "redis.used_memory", "since": now - 15})
    assert [value for _, value in old.json()["series"][0]["points"]] == [1009]


def test_bad_parameters_are_named(services, viewer_client):
    wrong = viewer_client.get("/api/history", {"metric": "nope", "step": 7})
    assert wrong.status_code == 400
    assert set(wrong.json()["fields"]) == {"metric", "step"}
    assert viewer_client.get("/api/history", {"metric": "redis.keys"}).json()["series"] == []
    unknown = viewer_client.get("/api/history", {"metric": "redis.keys", "instance": "nope"})
    assert unknown.status_code == 404
