"""Celery's events folded into a task's record: the same record whatever the order of
the events and however often each comes (two recorders, late events); and events read
from what the brokers carry, JSON only."""

import base64
import itertools
import json
import pickle

from cacheadmin.formats import celery_events
from cacheadmin.tasks.celery_event_states import (
    apply_task_event,
    apply_worker_event,
    new_task,
)

ID = "5b0c3ab2-0000-4000-8000-000000000001"


def event(kind: str, at: float, **fields) -> dict:
    return {"type": f"task-{kind}", "uuid": ID, "timestamp": at, "hostname": "w@h", **fields}


LIFE = [
    event("sent", 1.0, name="shop.pay", queue="payments", hostname="client@web"),
    event("received", 2.0, name="shop.pay", args="(1,)", kwargs="{}", retries=0),
    event("started", 3.0),
    event("retried", 4.0, exception="Timeout('first')", traceback="Traceback 1"),
    event("received", 5.0, name="shop.pay", args="(1,)", kwargs="{}", retries=1),
    event("started", 6.0),
    event("failed", 7.0, exception="ValueError('<b>')", traceback="Traceback 2"),
]


def folded(events) -> dict:
    task = new_task()
    for one in events:
        apply_task_event(task, one)
    return task


def test_the_record_is_the_same_in_any_order_and_with_repeats():
    expected = folded(LIFE)
    assert expected["state"] == "failed" and expected["worker"] == "w@h"
    assert (expected["queue"], expected["retries"], expected["received_at"]) == ("payments", 1, 5.0)
    assert expected["exception"] == "ValueError('<b>')" and expected["traceback"] == "Traceback 2"
    assert [kind for kind, _ in expected["history"]] == [
        *("sent", "received", "started", "retried", "received", "started", "failed")
    ]
    for order in itertools.islice(itertools.permutations(LIFE), 0, None, 97):
        assert folded(order) == expected
    assert folded(LIFE + LIFE[::-1]) == expected


def test_a_sent_event_names_no_worker_and_a_late_one_changes_no_state():
    task = folded([LIFE[2], LIFE[0]])
    assert (task["state"], task["worker"], task["queue"]) == ("started", "w@h", "payments")
    assert folded([LIFE[0]]).get("worker") is None
    # The sender sends task-sent after the task: a fast worker's events come first.
    done = [event("received", 2.0), event("succeeded", 2.1), event("sent", 2.2, queue="q")]
    for order in itertools.permutations(done):
        assert (folded(order)["state"], folded(order)["queue"]) == ("succeeded", "q")


def test_texts_are_cut_and_odd_events_are_skipped():
    task = folded([event("received", 1.0, name="n" * 500, args="a" * 5000)])
    assert len(task["name"]) == 200 and len(task["args"]) == 1000 and task["args"].endswith("…")
    assert folded([event("received", float("nan")), event("lost", 2.0)])["state"] is None
    assert folded([event("received", True)])["state"] is None


def test_a_worker_keeps_its_newest_heartbeat():
    worker = {}
    beat = {"type": "worker-heartbeat", "hostname": "w@h", "freq": 2.0, "sw_ident": "py-celery"}
    apply_worker_event(worker, beat | {"timestamp": 10.0, "active": 1, "processed": 5})
    apply_worker_event(worker, beat | {"timestamp": 9.0, "active": 7, "processed": 1})
    assert (worker["heartbeat_at"], worker["active"], worker["processed"]) == (10.0, 1, 5)
    apply_worker_event(worker, {"type": "worker-offline", "hostname": "w@h", "timestamp": 11.0})
    assert worker["offline"] is True


def envelope(body: bytes, content_type: str = "application/json") -> bytes:
    return json.dumps(
        {
            "body": base64.b64encode(body).decode(),
            "content-type": content_type,
            "properties": {"body_encoding": "base64"},
        }
    ).encode()


def test_events_are_read_from_json_only():
    one = {"type": "task-received", "uuid": ID}
    assert celery_events.from_redis(envelope(json.dumps(one).encode())) == [one]
    grouped = json.dumps([one, {"type": "task-started"}, "junk", {"no": "type"}]).encode()
    assert len(celery_events.from_redis(envelope(grouped))) == 2
    pickled = pickle.dumps(one)  # never unpickled
    assert celery_events.from_redis(envelope(pickled, "application/x-python-serialize")) == []
    assert celery_events.from_redis(b"not json") == []
    assert (
        celery_events.from_redis(b'{"body": "!!", "properties": {"body_encoding": "base64"}}') == []
    )
    assert celery_events.from_body(json.dumps(one).encode(), "application/json") == [one]
