"""The upstreams: Redis channels and patterns (keyspace notifications are patterns
too), and the dashboard's own invalidation events, which cross processes through
the channel layer. Each reconnects by itself and states the gap it could not see."""

import asyncio
import contextlib

import redis
import redis.asyncio as aioredis
from channels.layers import get_channel_layer
from django.conf import settings

from cacheadmin.core.channel_groups import LIVE_INVALIDATIONS
from cacheadmin.core.problems import reason_of
from cacheadmin.live.hub import Upstream
from cacheadmin.live.pubsub import keyspace_flags
from cacheadmin.live.reconnecting import Reconnecting
from cacheadmin.objectcache.layout import EVENTS_CHANNEL

REJOIN_SECONDS = 3600


class RedisFeed(Upstream):
    """SUBSCRIBE to a channel, or PSUBSCRIBE to a pattern, on REDIS_URL's server."""

    async def read(self) -> None:
        retry = Reconnecting()
        while True:
            client = aioredis.Redis.from_url(
                settings.REDIS_URL,
                socket_connect_timeout=settings.REDIS_TIMEOUT,
                socket_keepalive=True,
                client_name="cacheadmin-live",
            )
            pubsub = client.pubsub()
            try:
                await self._subscribe(client, pubsub, retry)
                async for message in pubsub.listen():
                    if message["type"] in ("message", "pmessage"):
                        self.receive(message["channel"], message["data"])
            except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
                self.announce(
                    "reconnecting",
                    message=f"Redis connection lost ({reason_of(exc)}); reconnecting.",
                )
                await asyncio.sleep(retry.lost())
            finally:
                await pubsub.aclose()
                await client.aclose()

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


class InvalidationsFeed(Upstream):
    """The dashboard's own invalidation events: jobs end in worker processes and send
    their event to a channel-layer group that every server process can join."""

    async def read(self) -> None:
        layer = get_channel_layer()
        retry = Reconnecting()
        while True:
            try:
                name = await layer.new_channel()
                await layer.group_add(LIVE_INVALIDATIONS, name)
                self.announce("live", **retry.back())
                try:
                    while True:
                        try:
                            event = await asyncio.wait_for(layer.receive(name), REJOIN_SECONDS)
                        except TimeoutError:  # group memberships expire (after a day)
                            await layer.group_add(LIVE_INVALIDATIONS, name)
                            continue
                        self.receive(EVENTS_CHANNEL.encode(), event.get("event", "").encode())
                finally:
                    await _quietly(layer.group_discard(LIVE_INVALIDATIONS, name))
            except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
                self.announce("reconnecting", message=f"Channel layer lost ({reason_of(exc)}).")
                await asyncio.sleep(retry.lost())


async def _quietly(awaitable) -> None:
    with contextlib.suppress(redis.RedisError, OSError):
        await awaitable
