"""The live hub of one server process: one upstream subscription per feed, shared by
every browser watching it, closed when the last one leaves.

An upstream reads as fast as it can and never waits for a browser. A feed with a
filter keeps only the messages whose channel or payload holds its text, before
anything else. An upstream keeps at most KEEP messages and KEEP_BYTES of payloads
waiting (the oldest pushed out and counted), and every TICK sends up to RATE a second
of them (a late tick's share is sent on the next), in frames of at most PER_TICK
messages and FRAME_BYTES, each encoded once and offered as the same text to each
watcher. A watcher (one browser) holds at most MAX_FRAMES frames, sends at most WINDOW
frames its browser has not acknowledged, and keeps the frames waiting and those sent
unacknowledged within WAITING_BYTES (but the newest frame); when its browser falls
behind it drops its oldest frames and says how many messages it lost. So memory is
bounded whatever the publish rate and however slow a browser.
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
RATE = 5000  # messages of a feed sent a second, at most: what the live page can draw
PER_TICK = 500  # messages in a frame, at most
KEEP = 2 * PER_TICK  # messages waiting for a frame, at most
KEEP_BYTES = 8_000_000  # of their payloads (a feed that keeps payloads whole: Celery's)
PAYLOAD_BYTES = 2048  # of each message's payload
FRAME_BYTES = 1_000_000  # of a frame's messages once encoded (escapes can grow them 6x)
MAX_FRAMES = 20  # waiting per browser
WAITING_BYTES = 4_000_000  # of the frames waiting or unacknowledged, per browser
WINDOW = 4  # frames sent to a browser and not yet acknowledged
STOP_WAIT = 2.0  # seconds a leaving browser waits for an upstream to close


class Watcher:
    """One browser connection: its frames, waiting until its browser keeps up."""

    def __init__(self, send: Callable[[str], Awaitable[None]], *, user: str = ""):
        self.send = send
        self.user = user
        self.frames: deque[tuple[str, str, int]] = deque()  # (feed id, fragment, count)
        self.waiting = 0  # characters of the frames waiting
        self.controls: deque[str] = deque(maxlen=50)
        self.dropped: Counter[str] = Counter()  # by feed, since its last frame
        self.sent = self.acked = 0
        self.unacked: deque[tuple[int, int]] = deque()  # (seq, characters) sent, not acked
        self.unacked_size = 0
        self.wake = asyncio.Event()

    def offer(self, feed_id: str, fragment: str, count: int, lost: int) -> None:
        self.lose(feed_id, lost)
        self.frames.append((feed_id, fragment, count))
        self.waiting += len(fragment)
        while len(self.frames) > MAX_FRAMES or (
            self.waiting + self.unacked_size > WAITING_BYTES and len(self.frames) > 1
        ):
            old_feed, old_fragment, old_count = self.frames.popleft()
            self.waiting -= len(old_fragment)
            self.lose(old_feed, old_count)
        self.wake.set()

    def lose(self, feed_id: str, count: int) -> None:
        """Messages of a feed this browser will not get: told with its next frame."""
        if count:
            self.dropped[feed_id] += count
            process_counts.live_dropped(count)
            self.wake.set()

    def control(self, frame: dict) -> None:
        """Status and errors: never dropped for being slow, never behind the window."""
        self.controls.append(json.dumps(frame))
        self.wake.set()

    def forget(self, feed_id: str) -> None:
        """A feed left: nothing more of it goes out, not even its losses."""
        self.frames = deque(frame for frame in self.frames if frame[0] != feed_id)
        self.waiting = sum(len(fragment) for _, fragment, _ in self.frames)
        self.dropped.pop(feed_id, None)

    def ack(self, seq: int) -> None:
        self.acked = max(self.acked, min(seq, self.sent))
        while self.unacked and self.unacked[0][0] <= self.acked:
            self.unacked_size -= self.unacked.popleft()[1]
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
                    self.waiting -= len(fragment)
                else:  # nothing new, but losses not told yet
                    feed_id, fragment = self._unreported(), "[]"
                await self._send_frame(feed_id, fragment)

    async def _send_frame(self, feed_id: str, fragment: str) -> None:
        """A frame of its own for this browser, counted until acknowledged. A function
        of its own: the frame's text goes with it (a local of run() lived on while run
        waited, 50 browsers holding their last frame each: 7 MiB at 20,000/s)."""
        self.sent += 1
        dropped = self.dropped.pop(feed_id, 0)
        frame = messages_frame(seq=self.sent, feed_id=feed_id, dropped=dropped, fragment=fragment)
        self.unacked.append((self.sent, len(frame)))
        self.unacked_size += len(frame)
        await self.send(frame)

    def _unreported(self) -> str | None:
        return next((feed_id for feed_id, count in self.dropped.items() if count), None)


class Upstream:
    """One subscription to a source, shared by its watchers. Subclasses read the source
    in read(), calling receive() for each message, and announce() their state."""

    keep_bytes: int = PAYLOAD_BYTES  # of a payload kept (more where a frame decodes it)

    def __init__(self, feed: Feed):
        self.feed = feed
        self.needle = feed.filter.encode()
        self.watchers: set[Watcher] = set()
        # (channel, data, when, length, node: which cluster node said it, or "")
        self.kept: deque[tuple[bytes, bytes, float, int, str]] = deque()
        self.kept_bytes = 0  # of the payloads kept
        self.pushed_out = 0  # kept messages pushed out by newer ones, since the last frame
        self.allowance = float(PER_TICK)  # messages the rate lets go now
        self.flushed_at = time.monotonic()
        self.received = 0  # since the last tick
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
        if not self.needle or self._matches(channel, data):
            self.keep(channel, data, length, node)

    def keep(self, channel: bytes, data: bytes, length: int | None = None, node: str = "") -> None:
        """A message that passed the filter, kept for the next frame."""
        length = len(data) if length is None else length
        if len(data) > self.keep_bytes:
            data = data[: self.keep_bytes]  # what a frame shows: the rest is not kept
        self.kept.append((channel, data, time.time(), length, node))
        self.kept_bytes += len(data)
        self.received += 1
        while len(self.kept) > KEEP or (self.kept_bytes > KEEP_BYTES and len(self.kept) > 1):
            self._pop()
            self.pushed_out += 1

    def _pop(self) -> tuple[bytes, bytes, float, int, str]:
        message = self.kept.popleft()
        self.kept_bytes -= len(message[1])
        return message

    def take_over(self, failed: "Upstream") -> None:
        """The watchers and the messages kept of the same feed's failed upstream, so a
        feed started anew loses nothing it had read."""
        self.watchers = failed.watchers
        self.kept, self.kept_bytes = failed.kept, failed.kept_bytes
        self.pushed_out = failed.pushed_out

    def _matches(self, channel: bytes | str, data: bytes) -> bool:
        """Whether the feed's filter is in the channel's or the payload's text (case
        counts): their bytes as sent, the filter's as UTF-8."""
        name = channel.encode() if isinstance(channel, str) else channel
        return self.needle in name or self.needle in data

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
        """A flush every TICK on a fixed schedule, so a late tick is made up by the
        next one rather than lowering the rate."""
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            due = max(due + TICK, loop.time() - TICK)  # a loop held up long: no burst
            await asyncio.sleep(max(0.0, due - loop.time()))
            self.flush()

    def flush(self) -> None:
        """Send what the rate allows of the messages kept, oldest first, in frames; the
        rest wait for the next tick (the oldest pushed out if more keep coming)."""
        now = time.monotonic()
        self.allowance = min(float(KEEP), self.allowance + RATE * (now - self.flushed_at))
        self.flushed_at = now
        self.total += self.received
        self.received = 0
        lost, self.pushed_out = self.pushed_out, 0
        count = min(len(self.kept), int(self.allowance))
        self.allowance -= count
        batch = [self._pop() for _ in range(count)]
        for start in range(0, len(batch), PER_TICK):
            chunk = batch[start : start + PER_TICK]
            fragment, sent = self.encode(chunk)
            self.offer(fragment, sent, lost + len(chunk) - sent)
            lost = 0
        if lost:
            for watcher in self.watchers:
                watcher.lose(self.feed.id, lost)

    def encode(self, chunk: list[tuple]) -> tuple[str, int]:
        """A frame's messages as JSON text, within FRAME_BYTES (the rest not sent), and
        how many it holds."""
        encoded, size = [], 2
        for item in chunk:
            text = json.dumps(self.message(*item))
            if size + len(text) + 2 > FRAME_BYTES and encoded:
                break
            encoded.append(text)
            size += len(text) + 2
        return "[" + ", ".join(encoded) + "]", len(encoded)

    def offer(self, fragment: str, count: int, lost: int) -> None:
        for watcher in self.watchers:
            watcher.offer(self.feed.id, fragment, count, lost)

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
                if upstream is not None:  # stopped first: a cancel here leaves it failed
                    await upstream.stop()
                fresh = self.make_upstream(feed)
                if upstream is not None:
                    fresh.take_over(upstream)
                upstream = self.upstreams[feed] = fresh
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
