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


def test_a_step_asked_is_the_step_given_back_as_far_as_it_is_kept(
    services, settings, viewer_client
):
    settings.SAMPLE_SECONDS = 10
    now = int(time.time()) // 60 * 60
    for age in range(120, 0, -10):  # two minutes of 10 s samples, rolled up by the minute
        store.write("default", now - age, [Reading("redis.keys", "", age)])
    store.roll_up(now)
    minutes = viewer_client.get("/api/history", {"metric": "redis.keys", "step": 60}).json()
    assert [value for _, value in minutes["series"][0]["points"]] == [95, 35]  # the means
    raw = viewer_client.get("/api/history", {"metric": "redis.keys", "step": 10}).json()
    assert len(raw["series"][0]["points"]) == 12
    too_old = viewer_client.get(
        "/api/history", {"metric": "redis.keys", "step": 10, "since": now - 7200}
    )
    assert too_old.status_code == 400 and "kept for 3600 s" in str(too_old.json()["fields"])


def test_many_series_cost_a_query_a_tier(services, viewer_client, django_assert_max_num_queries):
    now = int(time.time())
    readings = [
        Reading("queue.ready", redis_queue_subject(b"q%d" % n), n, {"queue": f"q{n}"})
        for n in range(50)
    ]
    store.write("default", now - 10, readings)
    with django_assert_max_num_queries(10):  # the session, the series, a query a tier
        answer = viewer_client.get("/api/history", {"metric": "queue.ready", "since": now - 7200})
    assert len(answer.json()["series"]) == 50
