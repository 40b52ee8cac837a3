"""The /ws/live/ protocol: what a client may ask for, checked before anything reaches
Redis or RabbitMQ, and the frames the server sends back."""

import json
import re
from dataclasses import dataclass, replace

from cacheadmin.gateways.instances import DEFAULT, NAME
from cacheadmin.gateways.keycodec import is_glob, is_utf8

SOURCES = ("redis", "keyspace", "rabbitmq", "invalidations", "sentinel", "celery")
MAX_PATTERN = 255  # bytes: AMQP's short strings (exchange, binding key) allow no more
MAX_FILTER = 255  # characters of a feed's filter
MAX_REQUEST = 4096  # characters of a client's message
MAX_STARS = 16  # as for key patterns: deeply nested globs were slow before Redis 7.0.9
MAX_PER_CONNECTION = 10
MAX_PER_USER = 20
KEYSPACE = re.compile(r"\A__key(space|event)@([0-9]{1,4}|\*)__:.+\Z", re.DOTALL)
FEED_FIELDS = ("instance", "source", "pattern", "exchange", "binding_key")
# Celery's events by routing key, as a binding: every event, a group, or one type.
CELERY_BINDING = re.compile(r"\A(#|[a-z]{1,20}\.(#|\*|[a-z-]{1,40}))\Z")
CELERY_EXCHANGE = "celeryev"


class ProtocolError(ValueError):
    """A request the server refuses; its text goes back to the client as is."""


@dataclass(frozen=True)
class Feed:
    """What one upstream subscription reads. Equal feeds share one upstream."""

    source: str
    pattern: str = ""
    exchange: str = ""
    binding_key: str = ""
    glob: bool = False  # PSUBSCRIBE the pattern, rather than SUBSCRIBE a channel
    instance: str = DEFAULT
    shard: bool = False  # SSUBSCRIBE a sharded channel (on a cluster, at its slot's primary)
    filter: str = ""  # only the messages whose channel or payload holds this text

    @property
    def id(self) -> str:
        fields = [self.source, self.pattern, self.exchange, self.binding_key, self.glob]
        fields += ["shard"] if self.shard else []
        fields += [{"filter": self.filter}] if self.filter else []  # ids of before, unfiltered
        # default's feeds keep the ids they had before there were instances
        return json.dumps(fields if self.instance == DEFAULT else [self.instance, *fields])

    def as_json(self) -> dict:
        mode = {"mode": self.mode} if self.pattern else {}
        filtered = {"filter": self.filter} if self.filter else {}
        fields = {name: getattr(self, name) for name in FEED_FIELDS}
        return fields | mode | filtered | {"feed": self.id}

    @property
    def mode(self) -> str:
        return "shard" if self.shard else "pattern" if self.glob else "channel"


def parse_request(text: str) -> dict:
    if len(text) > MAX_REQUEST:
        raise ProtocolError(f"A request is at most {MAX_REQUEST} characters.")
    try:
        request = json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError('Send JSON: {"action": "subscribe", "source": ...}.') from None
    if not isinstance(request, dict):
        raise ProtocolError("Send a JSON object.")
    if request.get("action") not in ("subscribe", "unsubscribe", "ack"):
        raise ProtocolError('action is "subscribe", "unsubscribe" or "ack".')
    return request


def feed_of(request: dict) -> Feed:
    """The feed a subscribe or unsubscribe request names, on its instance, or
    ProtocolError."""
    instance = request.get("instance", DEFAULT)
    if not isinstance(instance, str) or not NAME.match(instance):
        raise ProtocolError("instance is an instance's name, as in /i/<name>/.")
    return replace(_feed_on_default(request), instance=instance, filter=_filter(request))


def _filter(request: dict) -> str:
    """The text a message's channel or payload must hold (case counts); "" keeps all."""
    text = request.get("filter")
    if text is None:
        return ""
    if not isinstance(text, str):
        raise ProtocolError("filter is a string.")
    if len(text) > MAX_FILTER:
        raise ProtocolError(f"filter is at most {MAX_FILTER} characters.")
    if not is_utf8(text):
        raise ProtocolError("filter holds a character that is not valid Unicode.")
    return text


def _feed_on_default(request: dict) -> Feed:
    source = request.get("source")
    if source not in SOURCES:
        raise ProtocolError(f"source is one of {', '.join(SOURCES)}.")
    if source == "invalidations":
        return Feed("invalidations")
    if source == "celery":
        return _celery_feed(request)
    if source == "sentinel" and not request.get("pattern"):
        return Feed("sentinel", pattern="*", glob=True)  # every event
    if source == "rabbitmq":
        exchange = _text(request, "exchange", required=True)
        if exchange in ("amq.default", ""):
            raise ProtocolError(
                "The default exchange cannot be bound to: tap the exchange the messages are "
                "published to."
            )
        return Feed("rabbitmq", exchange=exchange, binding_key=_text(request, "binding_key") or "#")
    pattern = _text(request, "pattern", required=True)
    mode = request.get("mode", "auto")
    if mode not in ("auto", "channel", "pattern", "shard"):
        raise ProtocolError(
            'mode is "channel", "pattern", "shard" (a sharded channel: SSUBSCRIBE) or "auto" '
            "(a pattern when it has * ? or [)."
        )
    if mode == "shard" and source != "redis":
        raise ProtocolError(
            'Only a Redis channel is sharded: mode "shard" goes with source "redis".'
        )
    if pattern.count("*") > MAX_STARS:
        raise ProtocolError(f"Use at most {MAX_STARS} * in a pattern.")
    if source == "keyspace" and not KEYSPACE.match(pattern):
        raise ProtocolError(
            "A keyspace pattern names notification channels: __keyevent@0__:expired, "
            "__keyspace@0__:user:*, __keyevent@*__:*."
        )
    if mode == "shard":
        return Feed(source, pattern=pattern, shard=True)
    if source == "keyspace" or mode == "pattern" or (mode == "auto" and is_glob(pattern.encode())):
        return Feed(source, pattern=pattern, glob=True)
    return Feed(source, pattern=pattern)


def _celery_feed(request: dict) -> Feed:
    """Celery's events on the instance's Redis (the default) or RabbitMQ: pattern is a
    binding of their routing keys (`#`, `task.*`, `task.failed`, `worker.heartbeat`).
    A feed's own status frame (exchange "celeryev": RabbitMQ) is a request too."""
    pattern = _text(request, "pattern") or "#"
    if not CELERY_BINDING.match(pattern):
        raise ProtocolError(
            "A Celery pattern binds the events' routing keys: #, task.*, task.failed, "
            "worker.heartbeat."
        )
    broker = request.get("broker") or (
        "rabbitmq" if request.get("exchange") == CELERY_EXCHANGE else "redis"
    )
    if broker not in ("redis", "rabbitmq"):
        raise ProtocolError('broker is "redis" or "rabbitmq".')
    return Feed("celery", pattern=pattern, exchange=CELERY_EXCHANGE if broker == "rabbitmq" else "")


def _text(request: dict, name: str, *, required: bool = False) -> str:
    value = request.get(name, "")
    if not isinstance(value, str):
        raise ProtocolError(f"{name} is a string.")
    if required and not value:
        raise ProtocolError(f"{name} is required for this source.")
    if not is_utf8(value):
        raise ProtocolError(f"{name} holds a character that is not valid Unicode.")
    if len(value.encode()) > MAX_PATTERN:
        raise ProtocolError(f"{name} is at most {MAX_PATTERN} bytes.")
    if "\x00" in value:
        raise ProtocolError(f"{name} cannot hold a NUL character.")
    return value


def error_frame(message: str) -> str:
    return json.dumps({"type": "error", "message": message})


def messages_frame(*, seq: int, feed_id: str, dropped: int, fragment: str) -> str:
    """The fragment (the JSON list of messages) is encoded once per feed and tick, and
    the same text goes to every browser watching: only this envelope is per browser."""
    return (
        f'{{"type": "messages", "seq": {seq}, "feed": {json.dumps(feed_id)}, '
        f'"dropped": {dropped}, "messages": {fragment}}}'
    )
