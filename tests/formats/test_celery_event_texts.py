"""Celery events' texts as any database keeps them: no NUL, no lone surrogate."""

import json

from cacheadmin.formats.celery_events import from_body


def test_a_nul_and_a_lone_surrogate_become_their_escapes():
    event = {"type": "task-failed", "exception": "bad\x00byte", "args": ["\ud800", {"k\x00": 1}]}
    body = json.dumps(event).encode()
    (stored,) = from_body(body, "application/json")
    assert stored["exception"] == "bad\\x00byte"
    assert stored["args"] == ["\\ud800", {"k\\x00": 1}]
    json.dumps(stored).encode("utf-8")  # every text encodes


def test_an_event_nested_past_any_walk_is_skipped():
    deep = '{"type": "task-failed", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert from_body(deep.encode(), "application/json") == []
