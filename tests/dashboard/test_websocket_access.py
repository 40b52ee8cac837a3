"""Every websocket sits behind origin check, login and role (cacheadmin.core.websockets)."""

import pytest
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.testing import WebsocketCommunicator
from django.urls import path

from cacheadmin.core.websockets import protected
from tests.users import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


class WhoAmI(AsyncJsonWebsocketConsumer):
    async def connect(self):
        await self.accept()
        await self.send_json({"user": self.scope["user"].get_username()})


APP = protected([path("ws/whoami/", WhoAmI.as_asgi())])


def communicator(cookie: str | None = None, origin: str = "http://127.0.0.1:8000"):
    headers = [(b"origin", origin.encode()), (b"host", b"127.0.0.1:8000")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(APP, "/ws/whoami/", headers=headers)


async def test_anonymous_is_refused():
    socket = communicator()
    connected, _ = await socket.connect()
    assert not connected
    await socket.disconnect()


async def test_the_served_application_protects_its_websockets():
    from dashboard.asgi import application

    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
    socket = WebsocketCommunicator(application, "/ws/live/", headers=headers)
    connected, _ = await socket.connect()
    assert not connected
    await socket.disconnect()


async def test_viewer_is_let_in(viewer):
    socket = communicator(await session_cookie(viewer))
    connected, _ = await socket.connect()
    assert connected
    assert await socket.receive_json_from() == {"user": viewer.username}
    await socket.disconnect()


async def test_user_without_role_is_refused(nobody):
    socket = communicator(await session_cookie(nobody))
    connected, _ = await socket.connect()
    assert not connected
    await socket.disconnect()


async def test_foreign_origin_is_refused(viewer):
    socket = communicator(await session_cookie(viewer), origin="http://evil.example")
    connected, _ = await socket.connect()
    assert not connected
    await socket.disconnect()
