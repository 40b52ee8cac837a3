"""The live hub of one server process: one upstream subscription per feed, shared by
every browser watching it, closed when the last one leaves.

An upstream reads as fast as it can and never waits for a browser: it keeps the newest
PER_TICK messages of each tick and counts the rest. Every TICK it encodes what it kept
once and offers the same text to each watcher. A watcher (one browser) holds at most
MAX_FRAMES frames and sends at most WINDOW frames its browser has not acknowledged;
when its browser falls behind it drops its oldest frames and says how many messages
it lost. So memory is bounded whatever the publish rate and however slow a browser.
"""

import asyncio
import base64
import json
import logging
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable

from cacheadmin.gateways.keycodec import display_key
from cacheadmin.live.protocol import Feed, messages_frame
from cacheadmin.monitoring import process_counts

log = logging.getLogger(__name__)

TICK = 0.1  # seconds between frames of a feed
PER_TICK = 50  # messages of a feed sent per tick: 500 a second is more than anyone reads
PAYLOAD_BYTES = 2048  # of each message's payload
FRAME_CHARS = 128 * 1024  # of a frame's messages once encoded (escapes can grow them 6x)
MAX_FRAMES = 20  # waiting per browser
WINDOW = 4  # frames sent to a browser and not yet acknowledged
STOP_WAIT = 2.0  # seconds a leaving browser waits for an upstream to close


class Watcher:
    """One browser connection: its frames, waiting until its browser keeps up."""

    def __init__(self, send: Callable[[str], Awaitable[None]], *, user: str = ""):
        self.send = send
        self.user = user
        self.frames: deque[tuple[str, str, int]] = deque()  # (feed id, fragment, count)
        self.controls: deque[str] = deque(maxlen=50)
        self.dropped: Counter[str] = Counter()  # by feed, since its last frame
        self.sent = self.acked = 0
        self.wake = asyncio.Event()

    def offer(self, feed_id: str, fragment: str, count: int, lost: int) -> None:
        self.dropped[feed_id] += lost
        process_counts.live_dropped(lost)
        if len(self.frames) >= MAX_FRAMES:
            old_feed, _, old_count = self.frames.popleft()
            self.dropped[old_feed] += old_count
            process_counts.live_dropped(old_count)
        self.frames.append((feed_id, fragment, count))
        self.wake.set()

    def control(self, frame: dict) -> None:
        """Status and errors: never dropped for being slow, never behind the window."""
        self.controls.append(json.dumps(frame))
        self.wake.set()

    def forget(self, feed_id: str) -> None:
        """A feed left: nothing more of it goes out, not even its losses."""
        self.frames = deque(frame for frame in self.frames if frame[0] != feed_id)
        self.dropped.pop(feed_id, None)

    def ack(self, seq: int) -> None:
        self.acked = max(self.acked, min(seq, self.sent))
        self.wake.set()

    async def run(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.controls:
                await self.send(self.controls.popleft())
            while self.sent - self.acked < WINDOW and (self.frames or self._unreported()):
                if self.frames:
                    feed_id, fragment, _ = self.frames.popleft()
                else:  # nothing new, but losses not told yet
                    feed_id, fragment = self._unreported(), "[]"
                self.sent += 1
                dropped = self.dropped.pop(feed_id, 0)
                await self.send(
                    messages_frame(
                        seq=self.sent, feed_id=feed_id, dropped=dropped, fragment=fragment
                    )
                )

    def _unreported(self) -> str | None:
        return next((feed_id for feed_id, count in self.dropped.items() if count), None)


class Upstream:
    """One subscription to a source, shared by its watchers. Subclasses read the source
    in read(), calling receive() for each message, and announce() their state."""

    def __init__(self, feed: Feed):
        self.feed = feed
        self.watchers: set[Watcher] = set()
        # (channel, data, when, length, node: which cluster node said it, or "")
        self.kept: deque[tuple[bytes, bytes, float, int, str]] = deque(maxlen=PER_TICK)
        self.received = 0  # this tick
        self.total = 0
        self.state = {"type": "status", "state": "connecting", **feed.as_json()}
        self.tasks: list[asyncio.Task] = []
        self.failed = False  # read() ended: the feed must be started anew
        # Set before the tasks are cancelled: a read loop checks it too, since a cancel
        # that lands as a read's own timeout fires can be swallowed (redis-py's
        # get_message returned "no message" and a stopped feed went on reading).
        self.stopped = False

    def receive(
        self, channel: bytes, data: bytes, length: int | None = None, node: str = ""
    ) -> None:
        """The hot path: no encoding, no waiting. length: of a payload cut before; node:
        the cluster node that sent it, where that matters (keyspace notifications)."""
        length = len(data) if length is None else length
        self.kept.append((channel, data, time.time(), length, node))
        self.received += 1

    def announce(self, state: str, **details) -> None:
        self.state = {"type": "status", "state": state, **self.feed.as_json(), **details}
        for watcher in self.watchers:
            watcher.control(self.state)

    def start(self) -> None:
        self.tasks = [asyncio.create_task(self._reading()), asyncio.create_task(self._flushing())]

    async def stop(self) -> None:
        """Cancel the reading and flushing; wait a little for them to close their
        connections, never longer than STOP_WAIT (they finish on their own)."""
        self.stopped = True
        for task in self.tasks:
            task.cancel()
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=STOP_WAIT)

    async def read(self) -> None:
        raise NotImplementedError

    async def _reading(self) -> None:
        try:
            await self.read()  # returns only when the feed cannot go on (it said why)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug must not pass silently, nor kill the process
            log.exception("live feed %s failed", self.feed.id)
            self.announce("failed", message=f"This feed stopped: {exc!r}")
        else:
            if not self.stopped and self.state["state"] != "failed":  # ended, saying nothing
                self.announce("failed", message="This feed stopped.")
        self.failed = True

    async def _flushing(self) -> None:
        while True:
            await asyncio.sleep(TICK)
            self.flush()

    def flush(self) -> None:
        if not self.received:
            return
        encoded, size = [], 2
        for item in reversed(self.kept):  # the newest first, within the frame's budget
            text = json.dumps(self.message(*item))
            if size + len(text) + 2 > FRAME_CHARS and encoded:
                break
            encoded.append(text)
            size += len(text) + 2
        encoded.reverse()
        lost = self.received - len(encoded)
        self.total += self.received
        self.kept.clear()
        self.received = 0
        fragment = "[" + ", ".join(encoded) + "]"
        for watcher in self.watchers:
            watcher.offer(self.feed.id, fragment, len(encoded), lost)

    def message(self, channel: bytes, data: bytes, at: float, length: int, node: str) -> dict:
        message = {"source": self.feed.source, "channel": display_key(channel), "ts": at}
        if node:
            message["node"] = node
        shown = data[:PAYLOAD_BYTES]
        try:
            message["data"] = shown.decode("utf-8")
        except UnicodeDecodeError:
            message["data_b64"] = base64.b64encode(shown).decode()
        if length > len(shown):
            message["bytes"] = length  # the payload was cut to PAYLOAD_BYTES
        return message


class Hub:
    """Upstreams by feed, for one event loop (one server process)."""

    def __init__(self, make_upstream: Callable[[Feed], Upstream]):
        self.make_upstream = make_upstream
        self.upstreams: dict[Feed, Upstream] = {}
        self.by_user: Counter[str] = Counter()
        self.lock = asyncio.Lock()

    async def attach(self, feed: Feed, watcher: Watcher) -> Upstream:
        """Watch the feed, starting its upstream if none runs (or it failed: a feed
        asked for again is tried again, for everyone watching it)."""
        async with self.lock:
            upstream = self.upstreams.get(feed)
            if upstream is None or upstream.failed:
                fresh = self.upstreams[feed] = self.make_upstream(feed)
                if upstream is not None:
                    fresh.watchers = upstream.watchers
                    await upstream.stop()
                upstream = fresh
                upstream.start()
            if watcher not in upstream.watchers:
                upstream.watchers.add(watcher)
                self.by_user[watcher.user] += 1
        watcher.control(upstream.state)
        return upstream

    async def detach(self, feed: Feed, watcher: Watcher) -> None:
        async with self.lock:
            upstream = self.upstreams.get(feed)
            if upstream is None or watcher not in upstream.watchers:
                return
            upstream.watchers.discard(watcher)
            watcher.forget(feed.id)
            self.by_user[watcher.user] -= 1
            if upstream.watchers:
                return
            del self.upstreams[feed]
        await upstream.stop()
