"""A live socket through the real ASGI application, logged in as a viewer."""

import asyncio
import inspect
import json
import time

import pytest
from channels.testing import WebsocketCommunicator

from dashboard.asgi import application
from tests.users import session_cookie

ORIGIN = "http://127.0.0.1:8000"


class LiveSocket:
    """A client of /ws/live/ that reads frames and acknowledges them like the page."""

    def __init__(self, cookie: str, origin: str = ORIGIN):
        headers = [(b"origin", origin.encode()), (b"host", b"127.0.0.1:8000")]
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        self.socket = WebsocketCommunicator(application, "/ws/live/", headers=headers)
        self.closed = False

    async def connect(self) -> bool:
        connected, _ = await self.socket.connect()
        return connected

    async def send(self, **request) -> None:
        await self.socket.send_to(text_data=json.dumps(request))

    async def frame(self, timeout: float = 5) -> dict:
        return json.loads(await self.socket.receive_from(timeout=timeout))

    async def until(self, check, timeout: float = 10) -> dict:
        """The first frame for which check(frame) holds; messages frames are acked."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            assert left > 0, "timed out waiting for a frame"
            frame = await self.frame(timeout=left)
            if frame["type"] == "messages":
                await self.send(action="ack", seq=frame["seq"])
            if check(frame):
                return frame

    async def subscribe(self, **request) -> dict:
        """Subscribe and wait until the feed is live; its status frame."""
        await self.send(action="subscribe", **request)
        await self.until(lambda f: f["type"] == "subscribed")
        return await self.until(lambda f: f["type"] == "status" and f["state"] == "live")

    async def messages(self, count: int, timeout: float = 10) -> tuple[list, int]:
        """Messages received until count are received or lost; and how many were lost."""
        received, dropped = [], 0
        deadline = time.monotonic() + timeout
        while len(received) + dropped < count:
            left = deadline - time.monotonic()
            assert left > 0, f"got {len(received)} messages and {dropped} dropped of {count}"
            frame = await self.until(lambda f: f["type"] == "messages", timeout=left)
            received += frame["messages"]
            dropped += frame["dropped"]
        return received, dropped

    async def frames_for(self, seconds: float) -> list[dict]:
        """Every frame that comes within seconds (messages acked); none is an empty list."""
        frames, deadline = [], time.monotonic() + seconds
        while time.monotonic() < deadline:
            # receive_nothing, not a receive that times out: that cancels the consumer.
            if await self.socket.receive_nothing(timeout=0.2, interval=0.02):
                continue
            frame = await self.frame()
            if frame["type"] == "messages":
                await self.send(action="ack", seq=frame["seq"])
            frames.append(frame)
        return frames

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        # The communicator cancels a consumer that takes over its timeout (1 s by
        # default) to finish; leaving ten feeds took longer under a full test run's
        # load, and the cancelled consumer left feeds behind. Daphne waits 10 s.
        await self.socket.disconnect(timeout=10)


@pytest.fixture
async def live(viewer):
    sockets = []

    async def open_socket(user=None, **options) -> LiveSocket:
        socket = LiveSocket(await session_cookie(user or viewer), **options)
        assert await socket.connect()
        sockets.append(socket)
        return socket

    yield open_socket
    for socket in sockets:
        await socket.close()
    await asyncio.sleep(0)


async def eventually(check, timeout: float = 10):
    """check's answer once true (check may be a coroutine function); the test fails
    once timeout seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)
