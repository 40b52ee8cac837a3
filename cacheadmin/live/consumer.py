"""/ws/live/: a browser (or a script) subscribes to feeds and receives their messages
in frames it acknowledges; see the README for the protocol."""

import asyncio
import logging
import weakref

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from cacheadmin.live.hub import Hub, Watcher
from cacheadmin.live.protocol import (
    MAX_PER_CONNECTION,
    MAX_PER_USER,
    Feed,
    ProtocolError,
    error_frame,
    feed_of,
    parse_request,
)
from cacheadmin.live.rabbit_tap import MAX_TAPS
from cacheadmin.live.upstreams import make_upstream
from cacheadmin.web import websockets
from cacheadmin.web.access import instance_for, reloaded
from cacheadmin.web.roles import can_view

log = logging.getLogger(__name__)
ACCESS_CHECK_SECONDS = websockets.ACCESS_CHECK_SECONDS  # a test makes it shorter
ACCESS_ENDED = websockets.ACCESS_ENDED
_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub]" = weakref.WeakKeyDictionary()


def current_hub() -> Hub:
    """The hub of this server process (of its event loop)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub(make_upstream)
    return hub


class LiveConsumer(AsyncWebsocketConsumer):
    # No channel of its own on the channel layer: a restart of that Redis would close
    # the socket. Its feeds read their sources and reconnect by themselves.
    channel_layer_alias = None

    async def __call__(self, scope, receive, send):
        """Whatever ends this consumer (a close, an error, a cancel), its feeds are
        detached: an upstream must never outlive its last watcher."""
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._leave()

    async def connect(self) -> None:
        self.hub = current_hub()
        self.feeds: set[Feed] = set()
        self.watcher = Watcher(self._send_text, user=self.scope["user"].get_username())
        self.sender = asyncio.create_task(self.watcher.run())
        self.sender.add_done_callback(self._sender_ended)
        self.guard = asyncio.create_task(self._keep_checking_access())
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self._leave()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None):
        try:
            request = parse_request(text_data or "")
            if request["action"] == "ack":
                self.watcher.ack(_seq(request))
            elif request["action"] == "subscribe":
                await self.subscribe(feed_of(request))
            else:
                await self.unsubscribe(feed_of(request))
        except ProtocolError as exc:
            await self.send(text_data=error_frame(str(exc)))
        except Exception:  # a bug must cost this request, not the socket and its feeds
            log.exception("live request failed: %.200r", text_data)
            await self.send(text_data=error_frame("The server could not handle this request."))

    async def subscribe(self, feed: Feed) -> None:
        allowed = await database_sync_to_async(self._allowed)(feed.instance)
        if allowed is None:  # the account was deactivated or lost every role
            await self.close(code=ACCESS_ENDED)
            return
        if not allowed:
            raise ProtocolError(f"There is no instance named {feed.instance!r}.")
        if feed not in self.feeds:
            if len(self.feeds) >= MAX_PER_CONNECTION:
                raise ProtocolError(f"At most {MAX_PER_CONNECTION} feeds per connection.")
            if self.hub.by_user[self.watcher.user] >= MAX_PER_USER:
                raise ProtocolError(
                    f"At most {MAX_PER_USER} feeds per user in this server process, over all tabs."
                )
            if _is_tap(feed) and feed not in self.hub.upstreams:
                taps = sum(1 for running in self.hub.upstreams if _is_tap(running))
                if taps >= MAX_TAPS:
                    raise ProtocolError(f"At most {MAX_TAPS} RabbitMQ taps run at once here.")
            self.feeds.add(feed)
        self.watcher.control({"type": "subscribed", **feed.as_json()})
        await self.hub.attach(feed, self.watcher)  # again: a failed feed is tried anew

    async def unsubscribe(self, feed: Feed) -> None:
        """Answered "unsubscribed" even for a feed not watched here (refused, or never
        asked on this connection): a page waiting for that answer is never left waiting."""
        if feed in self.feeds:
            self.feeds.discard(feed)
            await self.hub.detach(feed, self.watcher)
        self.watcher.control({"type": "unsubscribed", **feed.as_json()})

    def _allowed(self, *instances: str) -> bool | None:
        """Whether the user, as the database has them now, may still see these
        instances; None when they may see nothing at all any more."""
        user = reloaded(self.scope["user"])
        if not can_view(user):
            return None
        return all(instance_for(user, name) for name in instances)

    async def _keep_checking_access(self) -> None:
        """The socket outlives no account and no role: every ACCESS_CHECK_SECONDS the
        user is read again, and the socket closed (ACCESS_ENDED, which the page
        explains) once they may no longer see every feed's instance."""
        while True:
            await asyncio.sleep(ACCESS_CHECK_SECONDS)
            instances = {feed.instance for feed in self.feeds}
            if not await database_sync_to_async(self._allowed)(*instances):
                await self.close(code=ACCESS_ENDED)
                return

    async def _leave(self) -> None:
        if not hasattr(self, "sender"):
            return
        self.sender.cancel()
        self.guard.cancel()
        feeds, self.feeds = self.feeds, set()
        # All at once: each upstream closes its own connection, and one after the other
        # ten of them once took longer than a socket may take to close.
        await asyncio.gather(*(self.hub.detach(feed, self.watcher) for feed in feeds))

    def _sender_ended(self, task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("live socket: sending failed", exc_info=task.exception())
            asyncio.ensure_future(self.close(code=1011))

    async def _send_text(self, text: str) -> None:
        await self.send(text_data=text)


def _is_tap(feed: Feed) -> bool:
    """A RabbitMQ tap (an exchange's, or Celery's events on RabbitMQ): a thread each."""
    return feed.source == "rabbitmq" or (feed.source == "celery" and bool(feed.exchange))


def _seq(request: dict) -> int:
    seq = request.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise ProtocolError("ack needs the seq of a frame received.")
    return seq
