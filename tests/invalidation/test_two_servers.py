"""Two dashboard processes (daphne) on one database and one channel layer: a job started
through one shows its progress on the other, and its end reaches the live feeds of both."""

import asyncio
import json
import time

import httpx
import pytest
import websockets
from asgiref.sync import sync_to_async

from cacheadmin.invalidation.worker import invalidation_worker
from cacheadmin.web.tokens import token_create
from tests.invalidation.test_engine import fill
from tests.servers import Daphne, dashboard_env
from tests.users import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_servers(settings, services):
    servers = [Daphne(dashboard_env(settings)).start() for _ in range(2)]
    yield servers
    for server in servers:
        server.stop()


def socket_to(server: Daphne, path: str, cookie: str):
    url = server.url.replace("http://", "ws://") + path
    return websockets.connect(url, additional_headers={"Cookie": cookie, "Origin": server.url})


async def until(socket, check, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), deadline - time.monotonic()))
        if frame.get("type") == "messages":
            await socket.send(json.dumps({"action": "ack", "seq": frame["seq"]}))
        if check(frame):
            return frame


async def test_progress_and_events_cross_server_processes(
    two_servers, operator, redis_client, broker
):
    first, second = two_servers
    fill(redis_client, 3000, "x:")
    _, secret = await sync_to_async(token_create)(user=operator, name="two servers")
    body = {"kind": "pattern", "target": "x:*", "confirm": "x:*"}
    started = await sync_to_async(httpx.post)(
        first.url + "/api/invalidations", json=body, headers={"Authorization": f"Bearer {secret}"}
    )
    assert started.status_code == 201, started.text
    job_id = started.json()["id"]
    cookie = await session_cookie(operator)
    async with (
        socket_to(second, f"/ws/invalidations/{job_id}/", cookie) as progress,
        socket_to(first, "/ws/live/", cookie) as feed_one,
        socket_to(second, "/ws/live/", cookie) as feed_two,
    ):
        for feed in (feed_one, feed_two):
            await feed.send(json.dumps({"action": "subscribe", "source": "invalidations"}))
            await until(feed, lambda f: f.get("state") == "live")
        assert json.loads(await progress.recv())["status"] == "queued"
        worker = invalidation_worker(say=print, complain=print)  # here, on the same channel layer
        await sync_to_async(worker.run)(once=True)
        done = await until(progress, lambda state: state["status"] == "done")
        assert done["deleted"] == 3000
        for feed in (feed_one, feed_two):
            frame = await until(feed, lambda f: f.get("type") == "messages")
            event = json.loads(frame["messages"][0]["data"])
            assert (event["id"], event["deleted"], event["status"]) == (job_id, 3000, "done")
