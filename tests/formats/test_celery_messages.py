"""Celery task messages decoded from what celery 5.7 and kombu 5.7 write: the envelope of
kombu's virtual transports (the Redis one's, made here by its in-memory sibling, which
builds it with the same code), protocols 1 and 2, and every malformed shape refused
without an exception. The message is data: a pickle is never unpickled."""

import base64
import itertools
import json
import pickle
from datetime import UTC, datetime, timedelta

import pytest
from celery import Celery

from cacheadmin.formats.celery_messages import (
    MAX_MESSAGE_BYTES,
    SHOWN_CHARS,
    from_amqp,
    from_redis,
    from_redis_unacked,
)

QUEUES = (f"pure-celery-{n}" for n in itertools.count())  # the memory transport is global


@pytest.fixture
def app():
    app = Celery("pure_tests", broker="memory://", set_as_current=False)
    yield app
    app.close()


def sent(app: Celery, *args, **options) -> bytes:
    """A message sent with Celery, as kombu's virtual transport keeps it (JSON)."""
    queue = next(QUEUES)
    app.send_task(*args, queue=queue, **options)
    with app.connection_for_write() as connection:
        return json.dumps(connection.default_channel._get(queue)).encode()


def test_protocol_2_gives_every_field(app):
    parent, root = "9f0c-parent", "77aa-root"
    before = datetime.now(UTC)
    raw = sent(
        app,
        "shop.mail",
        args=(1, "<script>alert(1)</script>"),
        kwargs={"to": "a@b"},
        countdown=30,
        expires=600,
        priority=5,
        parent_id=parent,
        root_id=root,
        retries=2,
    )
    task = from_redis(raw)
    assert task.is_task and task.problem is None
    assert (task.task, task.protocol, task.retries, task.priority) == ("shop.mail", 2, 2, 5)
    assert task.args == "(1, '<script>alert(1)</script>')" and task.args_from == "argsrepr"
    assert task.kwargs == "{'to': 'a@b'}"
    assert before + timedelta(seconds=29) < task.eta < before + timedelta(seconds=32)
    assert before + timedelta(seconds=599) < task.expires < before + timedelta(seconds=602)
    assert (task.parent_id, task.root_id) == (parent, root)
    assert task.origin and task.body == "JSON" and task.content_type == "application/json"


def test_without_argsrepr_the_json_body_gives_the_arguments(app):
    envelope = json.loads(sent(app, "shop.add", args=(1, [2, 3]), kwargs={"x": None}))
    del envelope["headers"]["argsrepr"], envelope["headers"]["kwargsrepr"]
    task = from_redis(json.dumps(envelope).encode())
    assert (task.args, task.kwargs, task.args_from) == ("[1, [2, 3]]", '{"x": null}', "body")


def test_protocol_1_is_read_from_the_body(app):
    app.conf.task_protocol = 1
    task = from_redis(sent(app, "shop.old", args=("a",), countdown=5))
    assert (task.task, task.protocol, task.args, task.args_from) == ("shop.old", 1, '["a"]', "body")
    assert task.eta is not None and task.id


def test_a_pickle_is_never_unpickled(app, monkeypatch):
    raw = sent(app, "shop.add", args=(1,), serializer="pickle")
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("unpickled"))
    task = from_redis(raw)
    assert task.task == "shop.add" and task.body == "pickle, not read"
    assert task.args == "(1,)" and task.args_from == "argsrepr"  # the headers are JSON


@pytest.mark.parametrize("serializer", ["yaml", "msgpack"])
def test_yaml_and_msgpack_are_named_not_decoded(app, serializer):
    task = from_redis(sent(app, "shop.add", args=(1,), serializer=serializer))
    assert task.task == "shop.add" and task.body.endswith(", not decoded")
    assert serializer in task.body


def test_long_arguments_and_names_are_shortened(app):
    task = from_redis(sent(app, "x" * 5000, args=("y" * 5000,)))
    assert len(task.task) == SHOWN_CHARS + 1 and task.task.endswith("…")
    assert len(task.args) == SHOWN_CHARS + 1 and task.args.endswith("…")


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xff\xfe not utf-8",
        b"plain text",
        b"[1, 2, 3]",
        b'{"body": 1}',
        b'{"headers": []}',
        b'{"headers": {"task": 1}, "body": "!!!", "properties": {"body_encoding": "base64"}}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"headers": {}, "x": "' + b"a" * MAX_MESSAGE_BYTES + b'"}',
        b'{"headers": {"id": 9' + b"9" * 10_000 + b"}}",
    ],
)
def test_anything_malformed_is_said_never_raised(raw):
    task = from_redis(raw)
    assert not task.is_task and task.problem.startswith("not a Celery")


def test_wrong_shapes_in_a_task_give_a_partial_result(app):
    envelope = json.loads(sent(app, "shop.add", args=(1,)))
    envelope["headers"] |= {"retries": "many", "eta": "tomorrow", "parent_id": {"a": [1]}}
    envelope["body"] = base64.b64encode(b'{"not": "a list"}').decode()
    task = from_redis(json.dumps(envelope).encode())
    assert task.task == "shop.add" and task.retries is None and task.eta is None
    assert task.parent_id == '{"a": [1]}'
    assert task.problem == "its body is not [args, kwargs, embed]"


def test_an_unacked_entry_names_its_route(app):
    envelope = json.loads(sent(app, "shop.add", args=(1,)))
    reserved = from_redis_unacked(json.dumps([envelope, "celery", "celery"]).encode())
    assert reserved.message.task == "shop.add"
    assert (reserved.exchange, reserved.routing_key) == ("celery", "celery")
    for raw in (b"{}", b"[1, 2]", b"nope", b'[{"x": 1}, "", ""]'):
        assert from_redis_unacked(raw).message.problem.startswith("not a")


def test_an_amqp_message_as_the_management_api_gives_it(app):
    envelope = json.loads(sent(app, "shop.add", args=("<i>x</i>",), priority=3))
    payload = base64.b64decode(envelope["body"])
    properties = {"content_type": "application/json", "headers": envelope["headers"]}
    properties["priority"] = 3
    task = from_amqp(payload, properties)
    assert (task.task, task.args, task.priority, task.body) == (
        "shop.add",
        "('<i>x</i>',)",
        3,
        "JSON",
    )
    cut = from_amqp(payload[:10], properties, complete=False)
    assert cut.task == "shop.add" and cut.body == "cut by the broker, not decoded"
    assert not from_amqp(b'{"method": "ping"}', {"headers": None}).is_task
