"""Celery task messages read as data: the task, its id, its arguments shortened, its
retries, ETA, expiry, parent, root and origin.

Two shapes arrive here. On Redis, kombu keeps each message as a JSON envelope
`{"body": <base64>, "content-encoding", "content-type", "headers", "properties"}` (and
its `unacked` hash holds `[envelope, exchange, routing_key]`). On RabbitMQ the
management API gives the payload (the body itself) and the properties, the headers
among them. Celery's protocol 2 puts everything but the arguments in the headers and
the body is `[args, kwargs, embed]`; protocol 1 put everything in the body.

Everything here is untrusted: a body is decoded into values only when it is JSON; a
pickle is never unpickled (nor yaml or msgpack decoded); every text is cut to a bound
and stays text. Nothing raises on a malformed message: the answer says what could not
be read.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime

MAX_MESSAGE_BYTES = 256 * 1024  # a larger message is not parsed (its start still shows raw)
SHOWN_CHARS = 200  # an argument list or a header, cut there with "…"
JSON = "application/json"
PICKLE = "application/x-python-serialize"


@dataclass(frozen=True)
class CeleryTask:
    """One decoded message. task and id are None when it is not a Celery task message;
    problem then says why, or else what part of it could not be read."""

    task: str | None = None
    id: str | None = None
    args: str | None = None  # shortened, as text: never a value to render as markup
    kwargs: str | None = None
    args_from: str | None = None  # "argsrepr" (the sender's own), or "body" (decoded JSON)
    retries: int | None = None
    eta: datetime | None = None  # a countdown is sent as an ETA: now + countdown
    expires: datetime | None = None
    parent_id: str | None = None
    root_id: str | None = None
    group_id: str | None = None
    origin: str | None = None
    protocol: int | None = None
    priority: int | None = None
    content_type: str | None = None
    body: str | None = None  # what became of the body: "JSON", "pickle, not read", ...
    redelivered: bool = False
    problem: str | None = None

    @property
    def is_task(self) -> bool:
        return self.task is not None and self.id is not None


@dataclass(frozen=True)
class Reserved:
    """An entry of kombu's `unacked` hash: the message and where it was routed."""

    message: CeleryTask
    exchange: str | None
    routing_key: str | None


def from_redis(raw: bytes) -> CeleryTask:
    """A message as kombu's Redis transport keeps it in a queue's list."""
    envelope, problem = _parse_json(raw)
    if problem:
        return CeleryTask(problem=f"not a Celery message: {problem}")
    return from_envelope(envelope)


def from_redis_unacked(raw: bytes) -> Reserved:
    """An `unacked` hash value: JSON `[envelope, exchange, routing_key]`."""
    entry, problem = _parse_json(raw)
    if problem:
        return Reserved(CeleryTask(problem=f"not a reserved message: {problem}"), None, None)
    if not (isinstance(entry, list) and len(entry) == 3):
        shape = "not [message, exchange, routing key]"
        return Reserved(CeleryTask(problem=f"not a reserved message: {shape}"), None, None)
    envelope, exchange, routing_key = entry
    return Reserved(from_envelope(envelope), _text(exchange), _text(routing_key))


def from_envelope(envelope: object) -> CeleryTask:
    """kombu's JSON envelope, already parsed."""
    if not isinstance(envelope, dict) or not isinstance(envelope.get("headers"), dict):
        return CeleryTask(problem="not a Celery message: no kombu envelope with headers")
    properties = _dict(envelope.get("properties"))
    content_type = _text(envelope.get("content-type"))
    body, body_note = _envelope_body(envelope.get("body"), properties)
    delivery = _dict(properties.get("delivery_info"))
    redelivered = envelope["headers"].get("redelivered") is True or delivery.get("redelivered")
    return _task(
        envelope["headers"],
        properties,
        content_type=content_type,
        body=body,
        body_note=body_note,
        redelivered=redelivered is True,
    )


def from_amqp(
    payload: bytes, properties: object, *, complete: bool = True, redelivered: bool = False
) -> CeleryTask:
    """A message as RabbitMQ's management API gets it: the payload (cut when not
    complete) and its properties, the headers among them."""
    properties = _dict(properties)
    content_type = _text(properties.get("content_type"))
    body, body_note = (payload, None) if complete else (None, "cut by the broker, not decoded")
    return _task(
        _dict(properties.get("headers")),
        properties,
        content_type=content_type,
        body=body,
        body_note=body_note,
        redelivered=redelivered,
    )


def _envelope_body(body: object, properties: dict) -> tuple[bytes | None, str | None]:
    """The body's bytes: kombu's Redis transport writes them base64 in a JSON string."""
    if not isinstance(body, str):
        return None, "no body"
    if properties.get("body_encoding") != "base64":
        return body.encode("utf-8", "surrogatepass"), None
    try:
        return base64.b64decode(body, validate=True), None
    except (binascii.Error, ValueError):
        return None, "body not base64"


def _task(
    headers: dict,
    properties: dict,
    *,
    content_type: str | None,
    body: bytes | None,
    body_note: str | None,
    redelivered: bool,
) -> CeleryTask:
    decoded, note = _body_values(body, content_type, headers) if body is not None else (None, None)
    common = {
        "priority": _integer(properties.get("priority")),
        "content_type": content_type,
        "body": body_note or note,
        "redelivered": redelivered,
    }
    if isinstance(headers.get("task"), str) and isinstance(headers.get("id"), str):
        return _protocol_2(headers, decoded, common)
    if isinstance(decoded, dict) and "task" in decoded and "id" in decoded:
        return _protocol_1(decoded, common)
    why = "no task name and id in its headers or body"
    if note and body_note is None and decoded is None:
        why += f" (its body: {note})"
    return CeleryTask(problem=f"not a Celery task message: {why}", **common)


def _protocol_2(headers: dict, decoded: object, common: dict) -> CeleryTask:
    args, kwargs, args_from = _text(headers.get("argsrepr")), _text(headers.get("kwargsrepr")), None
    if args is not None or kwargs is not None:
        args_from = "argsrepr"  # the sender's own rendering: it may hide what it chose to
    elif isinstance(decoded, list) and len(decoded) == 3:
        args, kwargs, args_from = _shown(decoded[0]), _shown(decoded[1]), "body"
    problem = None
    if decoded is not None and not (isinstance(decoded, list) and len(decoded) == 3):
        problem = "its body is not [args, kwargs, embed]"
    return CeleryTask(
        task=_text(headers["task"]),
        id=_text(headers["id"]),
        args=args,
        kwargs=kwargs,
        args_from=args_from,
        retries=_integer(headers.get("retries")),
        eta=_moment(headers.get("eta")),
        expires=_moment(headers.get("expires")),
        parent_id=_text(headers.get("parent_id")),
        root_id=_text(headers.get("root_id")),
        group_id=_text(headers.get("group")),
        origin=_text(headers.get("origin")),
        protocol=2,
        problem=problem,
        **common,
    )


def _protocol_1(body: dict, common: dict) -> CeleryTask:
    return CeleryTask(
        task=_text(body["task"]),
        id=_text(body["id"]),
        args=_shown(body.get("args")),
        kwargs=_shown(body.get("kwargs")),
        args_from="body",
        retries=_integer(body.get("retries")),
        eta=_moment(body.get("eta")),
        expires=_moment(body.get("expires")),
        group_id=_text(body.get("taskset")),
        protocol=1,
        **common,
    )


def _body_values(body: bytes, content_type: str | None, headers: dict) -> tuple[object, str]:
    """The body's values when it is JSON; otherwise what it is, unread."""
    if compression := headers.get("compression"):
        return None, f"compressed ({_text(compression)}), not read"
    if content_type == PICKLE:
        return None, "pickle, not read"
    if content_type != JSON:
        return None, f"{content_type or 'no content type'}, not decoded"
    values, problem = _parse_json(body)
    return (None, f"JSON, {problem}") if problem else (values, "JSON")


def _parse_json(raw: bytes) -> tuple[object, str | None]:
    if not isinstance(raw, bytes | bytearray):
        return None, "not bytes"
    if len(raw) > MAX_MESSAGE_BYTES:
        return None, f"{len(raw):,} bytes, larger than the {MAX_MESSAGE_BYTES // 1024} KB read"
    try:
        return json.loads(raw.decode("utf-8")), None
    except UnicodeDecodeError:
        return None, "not UTF-8 text"
    except (ValueError, RecursionError):  # not JSON, nested too deep, a number too long
        return None, "not JSON"


def _shown(value: object) -> str:
    """A decoded value as compact JSON, cut to SHOWN_CHARS."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    except (ValueError, RecursionError):
        text = "(unreadable)"
    return _cut(text)


def _text(value: object) -> str | None:
    if value is None:
        return None
    return _cut(value) if isinstance(value, str) else _shown(value)


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def _integer(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _moment(value: object) -> datetime | None:
    """An ISO 8601 time (Celery writes them so); a naive one is taken as UTC."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}
