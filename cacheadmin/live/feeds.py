"""The upstreams: Redis channels and patterns (keyspace notifications are patterns
too), and the dashboard's own invalidation events, which cross processes through
the channel layer. Each reconnects by itself and states the gap it could not see."""

import asyncio
import contextlib
import json
import time

import redis
from channels.layers import get_channel_layer

from cacheadmin.core import connections
from cacheadmin.core.channel_groups import LIVE_INVALIDATIONS
from cacheadmin.core.instances import DEFAULT
from cacheadmin.core.problems import reason_of
from cacheadmin.live.hub import Upstream
from cacheadmin.live.pubsub import keyspace_flags
from cacheadmin.live.reconnecting import Reconnecting
from cacheadmin.objectcache.layout import EVENTS_CHANNEL

REJOIN_SECONDS = 3600
POLL_SECONDS = 1.0
HEALTH_EVERY = 5.0  # seconds of silence before a PING
HEALTH_WAIT = 5.0  # seconds a PING may go unanswered


class RedisFeed(Upstream):
    """SUBSCRIBE to a channel, or PSUBSCRIBE to a pattern, on the instance's server."""

    async def read(self) -> None:
        retry = Reconnecting()
        self.heard: float | None = None  # when the server last said anything
        while not self.stopped:
            try:
                client = self.connect()
            except connections.ConfigError as exc:
                self.announce("failed", message=str(exc))
                return
            pubsub = client.pubsub()
            try:
                await self._subscribe(client, pubsub, retry)
                await self._listen(pubsub)
            except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
                self.announce(
                    "reconnecting",
                    message=f"Redis connection lost ({reason_of(exc)}); reconnecting.",
                )
                # The gap began when the server was last heard, not when we noticed.
                await asyncio.sleep(retry.lost(since=self.heard))
            finally:
                await pubsub.aclose()
                await client.aclose()

    def connect(self):
        return connections.live_redis_client(self.feed.instance)

    async def _listen(self, pubsub) -> None:
        """Messages as they come; on a quiet connection a PING every HEALTH_EVERY seconds,
        and no answer within HEALTH_WAIT is a lost connection: a frozen server (SIGSTOP, a
        dead host behind a live TCP peer) once left the feed "live" and silent for good."""
        self.heard, pinged = time.time(), None
        while not self.stopped:
            message = await pubsub.get_message(timeout=POLL_SECONDS)
            now = time.time()
            if message is not None:
                self.heard, pinged = now, None
                if message["type"] in ("message", "pmessage"):
                    self.receive(message["channel"], message["data"])
            elif pinged is None and now - self.heard >= HEALTH_EVERY:
                await pubsub.ping()
                pinged = now
            elif pinged is not None and now - pinged >= HEALTH_WAIT:
                raise redis.TimeoutError(f"no answer to PING within {HEALTH_WAIT:g} s")

    async def _subscribe(self, client, pubsub, retry: Reconnecting) -> None:
        pattern = self.feed.pattern.encode()
        if self.feed.glob:
            await pubsub.psubscribe(pattern)
        else:
            await pubsub.subscribe(pattern)
        details = retry.back()
        if self.feed.source == "keyspace":
            details |= await keyspace_setting(client)
        self.announce("live", **details)


async def keyspace_setting(client) -> dict:
    """notify-keyspace-events, and a warning when it sends nothing."""
    try:
        reply = await client.config_get("notify-keyspace-events")
    except redis.ResponseError:  # CONFIG is renamed or forbidden on managed servers
        return {}
    flags = keyspace_flags(reply) or ""
    details = {"notify_keyspace_events": flags}
    if not flags or not any(kind in flags for kind in "KE"):
        details["warning"] = (
            "notify-keyspace-events is off on this server, so no notification will come: "
            "an operator can turn it on from the live page."
        )
    return details


class SentinelFeed(RedisFeed):
    """Sentinel's own events (+switch-master, +sdown, +odown, +failover-*, ...) from one
    of the instance's sentinels: after a loss, from the next one."""

    turn = -1

    def connect(self):
        self.turn += 1
        return connections.live_sentinel_client(self.feed.instance, self.turn)


class InvalidationsFeed(Upstream):
    """The dashboard's own invalidation events: jobs end in worker processes and send
    their event to a channel-layer group that every server process can join."""

    async def read(self) -> None:
        layer = get_channel_layer()
        retry = Reconnecting()
        while not self.stopped:
            try:
                name = await layer.new_channel()
                await layer.group_add(LIVE_INVALIDATIONS, name)
                self.announce("live", **retry.back())
                try:
                    while not self.stopped:
                        try:
                            event = await asyncio.wait_for(layer.receive(name), REJOIN_SECONDS)
                        except TimeoutError:  # group memberships expire (after a day)
                            await layer.group_add(LIVE_INVALIDATIONS, name)
                            continue
                        body = event.get("event", "")
                        if _instance_of(body) == self.feed.instance:
                            self.receive(EVENTS_CHANNEL.encode(), body.encode())
                finally:
                    await _quietly(layer.group_discard(LIVE_INVALIDATIONS, name))
            except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
                self.announce("reconnecting", message=f"Channel layer lost ({reason_of(exc)}).")
                await asyncio.sleep(retry.lost())


def _instance_of(body: str) -> str | None:
    """The instance an invalidation event is about (events before instances: default)."""
    try:
        event = json.loads(body)
    except ValueError:
        return None
    return event.get("instance", DEFAULT) if isinstance(event, dict) else None


async def _quietly(awaitable) -> None:
    with contextlib.suppress(redis.RedisError, OSError):
        await awaitable
