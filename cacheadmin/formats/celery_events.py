"""Celery's events (`celery worker -E`) read as data.

A worker sends each event to the `celeryev` exchange with the routing key of its type
(`task-succeeded` goes as `task.succeeded`); since Celery 4 it may send a group of
them as one message, a JSON list (`task.multi`). On Redis, kombu publishes the message
on the channel `/<db>.celeryev/<routing key>` as its JSON envelope, the body in base64;
on RabbitMQ the body is the event itself.

Everything here is untrusted: only JSON is decoded (an event sent as a pickle is
skipped, never unpickled), and an event is a dict with a text `type`, else skipped.
Nothing raises on a malformed message: it yields no event.
"""

import base64
import binascii
import json

EXCHANGE = "celeryev"
JSON = "application/json"
MAX_MESSAGE_BYTES = 1024 * 1024  # a larger message is not decoded
MAX_EVENTS = 10_000  # of one grouped message


def redis_channel(db: int, binding: str = "*") -> str:
    """The channel pattern kombu publishes events of a binding to, on a database:
    `*` every event, `task.*` every task event."""
    return f"/{db}.{EXCHANGE}/{binding}"


def from_redis(data: bytes) -> list[dict]:
    """The events of one kombu envelope, as published on Redis."""
    envelope = _json(data)
    if not isinstance(envelope, dict):
        return []
    properties = envelope.get("properties")
    encoding = properties.get("body_encoding") if isinstance(properties, dict) else None
    body = envelope.get("body")
    if not isinstance(body, str):
        return []
    if encoding == "base64":
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return []
    else:
        raw = body.encode("utf-8", "surrogatepass")
    return from_body(raw, envelope.get("content-type"))


def from_body(body: bytes, content_type: object) -> list[dict]:
    """The events of a message body (RabbitMQ's, or a Redis envelope's decoded)."""
    if content_type != JSON:
        return []
    found = _json(body)
    events = found[:MAX_EVENTS] if isinstance(found, list) else [found]
    try:
        return [_storable(event) for event in events if _is_event(event)]
    except RecursionError:  # nested past what a walk of it can follow
        return []


def _storable(value: object) -> object:
    """Texts any database keeps: a NUL (PostgreSQL refuses it in text and JSON) shown as
    \\x00, a lone surrogate (no UTF-8 has it) as its escape."""
    if isinstance(value, str):
        return value.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode()
    if isinstance(value, list):
        return [_storable(item) for item in value]
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    return value


def _is_event(event: object) -> bool:
    return isinstance(event, dict) and isinstance(event.get("type"), str)


def _json(data: bytes) -> object:
    if len(data) > MAX_MESSAGE_BYTES:
        return None
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


def routing_key(event_type: str) -> str:
    """`task-succeeded` -> `task.succeeded`, as Celery routes it."""
    return event_type.replace("-", ".", 1)
