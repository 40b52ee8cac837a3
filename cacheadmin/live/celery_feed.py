"""The live source `celery`: Celery's events (`celery worker -E`) as they are sent, each
a message whose channel is the event's type (task-succeeded, worker-heartbeat) and
whose payload is the event as JSON. On Redis, a PSUBSCRIBE to kombu's channels of the
`celeryev` exchange; on RabbitMQ, a tap of that exchange (a queue of our own).

An event is decoded only when a frame takes it (the hub keeps the newest of a tick), but
for a worker's grouped events (`task.multi`, one message, many events), split as they
come so that each counts as one message, and on a filtered feed, whose filter is over
the event as shown (its type and JSON), not over the envelope it came in (kombu's on
Redis holds it in base64)."""

import asyncio
import json

from cacheadmin.formats import celery_events
from cacheadmin.gateways import connections
from cacheadmin.live.feeds import RedisFeed
from cacheadmin.live.hub import Upstream
from cacheadmin.live.rabbit_tap import RabbitTap

TAKEN_BYTES = celery_events.MAX_MESSAGE_BYTES  # a body must be whole to be decoded


class CeleryEvents(Upstream):
    """What both brokers' feeds share: events decoded into messages."""

    keep_bytes = TAKEN_BYTES  # decoded when its frame is made: kept whole (a larger one
    # is not decoded, and is shown cut)
    filters_whole_body = False  # a tap's: the filter is over the events, in receive()

    def decode(self, data: bytes) -> list[dict]:
        raise NotImplementedError

    def receive(
        self, channel: bytes, data: bytes, length: int | None = None, node: str = ""
    ) -> None:
        grouped = channel.endswith(b".multi")
        if not grouped and not self.needle:
            super().receive(channel, data, length, node)
            return
        events = self.decode(data)
        if not events:  # not events we can read (too big, not JSON): shown as they came
            super().receive(channel, data, length, node)
        for event in events:  # already decoded: its type for a channel
            super().receive(event["type"].encode(), json.dumps(event).encode())

    def message(self, channel: bytes, data: bytes, at: float, length: int, node: str) -> dict:
        if b"." in channel:  # as sent (a routing key, or kombu's channel): decode it now
            events = self.decode(data)
            if len(events) == 1:
                channel, data = events[0]["type"].encode(), json.dumps(events[0]).encode()
                length = len(data)
        return super().message(channel, data, at, length, node)


class CeleryRedisFeed(CeleryEvents, RedisFeed):
    """The events kombu publishes on the instance's Redis (its database's channels)."""

    def decode(self, data: bytes) -> list[dict]:
        return celery_events.from_redis(data)

    async def targets(self) -> list[tuple[str, object]]:
        def broker() -> object:
            return connections.keyspace(self.instance).celery_broker()

        if await asyncio.to_thread(broker) is None:  # a cluster: kombu cannot use one
            raise connections.ConfigError("Celery cannot use a Redis Cluster as its broker.")
        return [("", self.connect())]

    async def _subscribe(self, pubsub) -> None:
        db = pubsub.connection_pool.connection_kwargs.get("db", 0)
        glob = self.feed.pattern.replace("#", "*")  # kombu binds `#` as `*` on Redis too
        await pubsub.psubscribe(celery_events.redis_channel(db, glob))


class CeleryRabbitTap(CeleryEvents, RabbitTap):
    """The `celeryev` exchange of the instance's RabbitMQ, tapped with the binding."""

    missing = (
        "There is no exchange {exchange!r} in this virtual host: no Celery worker has sent "
        "events here yet (start workers with -E, or celery control enable_events)."
    )

    def binding_key(self) -> str:
        return self.feed.pattern

    def decode(self, data: bytes) -> list[dict]:
        return celery_events.from_body(data, celery_events.JSON)
