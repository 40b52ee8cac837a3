"""The upstreams: Redis channels and patterns (keyspace notifications are patterns
too), and the dashboard's own invalidation events, which cross processes through
the channel layer. Each reconnects by itself and states the gap it could not see."""

import asyncio
import contextlib
import json
import time

import hiredis
import redis
from channels.layers import get_channel_layer
from redis._parsers.hiredis import NOT_ENOUGH_DATA, _AsyncHiredisParser

from cacheadmin.gateways import connections
from cacheadmin.gateways.instances import DEFAULT
from cacheadmin.gateways.problems import reason_of
from cacheadmin.gateways.redis_kinds.keyspace import LayoutFailure
from cacheadmin.live.hub import Upstream
from cacheadmin.live.pubsub import keyspace_flags
from cacheadmin.live.reconnecting import Reconnecting
from cacheadmin.objectcache.layout import EVENTS_CHANNEL
from cacheadmin.web.channel_groups import LIVE_INVALIDATIONS

REJOIN_SECONDS = 3600
POLL_SECONDS = 1.0
HEALTH_EVERY = 5.0  # seconds of silence before a PING
HEALTH_WAIT = 5.0  # seconds a PING may go unanswered


# A failover's replies (a slot moved, the cluster down a moment, a replica now) are
# losses too: the feed reconnects to what the topology is now. Other error replies
# (NOPERM) are refusals: the feed fails, saying why.
LOST = (
    redis.ConnectionError,
    redis.TimeoutError,
    OSError,
    redis.exceptions.MovedError,
    redis.exceptions.AskError,
    redis.exceptions.TryAgainError,
    redis.exceptions.ClusterDownError,
    redis.exceptions.MasterDownError,
    redis.exceptions.ReadOnlyError,
)
TOPOLOGY_EVERY = 2.0  # seconds between looks at which nodes a cluster feed should hear


class RedisFeed(Upstream):
    """SUBSCRIBE to a channel, PSUBSCRIBE to a pattern, or SSUBSCRIBE to a sharded
    channel, on the instance's server. On a cluster: a channel or pattern on any one
    node (a PUBLISH reaches every node); keyspace notifications on every primary (each
    node sends its own keys'); a sharded channel at its slot's primary. A failover is
    a reconnection, with the gap stated."""

    turn = -1

    async def read(self) -> None:
        retry = Reconnecting()
        self.heard: float | None = None  # when the server last said anything
        while not self.stopped:
            # resolved at each connection: the instance as configured now
            self.instance = connections.instance(self.feed.instance)
            try:
                targets = await self.targets()
            except connections.ConfigError as exc:
                self.announce("failed", message=str(exc))
                return
            except LOST as exc:
                await self._lost(retry, exc)
                continue
            pubsubs = [(node, client.pubsub()) for node, client in targets]
            try:
                for _, pubsub in pubsubs:
                    await self._subscribe(pubsub)
                details = retry.back() | await self._details(targets)
                self.announce("live", **details)
                await self._listen_all(pubsubs, {node for node, _ in targets})
            except LOST as exc:
                await self._lost(retry, exc)
            except redis.ResponseError as exc:  # refused (NOPERM): asking again would not help
                self.announce("failed", message=f"Redis refused this feed: {exc}")
                return
            finally:
                for (_, pubsub), (_, client) in zip(pubsubs, targets, strict=True):
                    await pubsub.aclose()
                    await client.aclose()

    async def _lost(self, retry: Reconnecting, exc: Exception) -> None:
        self.announce(
            "reconnecting", message=f"Redis connection lost ({reason_of(exc)}); reconnecting."
        )
        # The gap began when the server was last heard, not when we noticed.
        await asyncio.sleep(retry.lost(since=self.heard))

    async def targets(self) -> list[tuple[str, object]]:
        """(node, client) to subscribe with; node is "" where it does not matter."""
        per_node = _per_node(self.feed)
        self.turn += not per_node  # any node hears every PUBLISH: after a loss, the next
        nodes = await self._nodes(per_node)
        if nodes is None:
            return [("", self.connect())]
        return [
            (node if per_node else "", connections.live_node_client(self.instance, node))
            for node in nodes
        ]

    def connect(self):
        return connections.live_redis_client(self.instance)

    async def _nodes(self, per_node: bool) -> list[str] | None:
        """The nodes to listen at, asked anew; None for a single server."""
        channel = self.feed.pattern.encode() if self.feed.shard else None

        def ask() -> list[str] | None:
            space = connections.keyspace(self.instance)
            return space.listen_at(per_node=per_node, channel=channel, turn=self.turn)

        try:
            return await asyncio.to_thread(ask)
        except LayoutFailure as exc:
            raise redis.ConnectionError(str(exc)) from None

    async def _details(self, targets: list) -> dict:
        nodes = [node for node, _ in targets if node]
        details = {"nodes": nodes} if nodes else {}
        if self.feed.source == "keyspace":
            settings = [(node, await keyspace_setting(client)) for node, client in targets]
            details |= settings[0][1]
            off = [node for node, setting in settings if "warning" in setting]
            if nodes and off:
                details["warning"] = (
                    f"notify-keyspace-events is off on {', '.join(off)}, so no notification "
                    "of its keys will come: an operator can turn it on from the live page."
                )
        return details

    async def _listen_all(self, pubsubs: list, nodes: set[str]) -> None:
        """Listen on every connection; on a cluster that listens per node, also watch
        which nodes it should hear: a change (a failover) is a reconnection."""
        if not any(nodes):
            return await self._listen(*pubsubs[0])
        try:
            async with asyncio.TaskGroup() as group:
                for node, pubsub in pubsubs:
                    group.create_task(self._listen(node, pubsub))
                group.create_task(self._watch_nodes(nodes))
        except ExceptionGroup as failed:
            raise failed.exceptions[0] from None

    async def _watch_nodes(self, nodes: set[str]) -> None:
        while not self.stopped:
            await asyncio.sleep(TOPOLOGY_EVERY)
            now = set(await self._nodes(per_node=True) or ())
            if now != nodes:
                raise redis.ConnectionError(
                    f"the cluster's primaries changed ({', '.join(sorted(now))})"
                )

    async def _listen(self, node: str, pubsub) -> None:
        """Messages as they come; on a quiet connection a PING every HEALTH_EVERY seconds,
        and no answer within HEALTH_WAIT is a lost connection: a frozen server (SIGSTOP, a
        dead host behind a live TCP peer) once left the feed "live" and silent for good."""
        heard, pinged = time.time(), None
        self.heard = heard
        while not self.stopped:
            message = await pubsub.get_message(timeout=POLL_SECONDS)
            now = time.time()
            if message is not None:
                heard = self.heard = now
                pinged = None
                self._take(message, node)
                await self._drain(pubsub, node)
            elif pinged is None and now - heard >= HEALTH_EVERY:
                await pubsub.ping()
                pinged = now
            elif pinged is not None and now - pinged >= HEALTH_WAIT:
                raise redis.TimeoutError(f"no answer to PING within {HEALTH_WAIT:g} s")

    def _take(self, message: dict, node: str) -> None:
        if message["type"] in ("message", "pmessage", "smessage"):
            self.receive(message["channel"], message["data"], node=node)
        elif message["type"] == "sunsubscribe":  # its slot moved to another node
            raise redis.ConnectionError("the sharded channel's slot moved")

    async def _drain(self, pubsub, node: str) -> None:
        """The replies already read from the socket, parsed in one go: redis-py's
        get_message costs tens of microseconds a message, so a flood of 20,000 a second
        took most of a core that way; one read brings hundreds."""
        reader = buffered_replies(pubsub)
        if reader is None:
            return
        while (reply := reader.gets()) is not NOT_ENOUGH_DATA:
            kind = reply[0] if isinstance(reply, list) and reply else None
            if kind in (b"message", b"smessage"):
                self.receive(reply[1], reply[2], node=node)
            elif kind == b"pmessage":
                self.receive(reply[2], reply[3], node=node)
            elif isinstance(reply, Exception):  # an error reply: as get_message raises it
                raise reply
            elif (message := await pubsub.handle_message(reply)) is not None:
                self._take(message, node)  # a confirmation, a PONG: as get_message says it

    async def _subscribe(self, pubsub) -> None:
        pattern = self.feed.pattern.encode()
        if self.feed.shard:
            await pubsub.ssubscribe(pattern)
        elif self.feed.glob:
            await pubsub.psubscribe(pattern)
        else:
            await pubsub.subscribe(pattern)


def buffered_replies(pubsub) -> hiredis.Reader | None:
    """The hiredis reader of a subscribed connection, holding what was read from its
    socket and not parsed yet; None where redis-py parses in Python (no hiredis). A
    private part of redis-py (pinned): tests/live/test_full_rate.py checks it is there."""
    parser = getattr(pubsub.connection, "_parser", None)
    if isinstance(parser, _AsyncHiredisParser):
        return parser._reader
    return None


def _per_node(feed) -> bool:
    """Keyspace notifications come from the node holding the key, a sharded channel's
    messages from its slot's primary: such feeds listen at given nodes."""
    return feed.source == "keyspace" or feed.shard


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

    async def targets(self) -> list[tuple[str, object]]:
        self.turn += 1
        return [("", connections.live_sentinel_client(self.instance, self.turn))]


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
