"""Every websocket sits behind origin check, login and role (cacheadmin.web.websockets)."""

import pytest
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.testing import WebsocketCommunicator
from django.urls import path

from cacheadmin.web.websockets import protected
from tests.users import session_cookie

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("services")]


class WhoAmI(AsyncJsonWebsocketConsumer):
    async def connect(self):
        await self.accept()
        await self.send_json({"user": self.scope["user"].get_username()})


APP = protected([path("ws/whoami/", WhoAmI.as_asgi())])


def communicator(
    cookie: str | None = None,
    origin: str = "http://127.0.0.1:8000",
    host: str = "127.0.0.1:8000",
    path: str = "/ws/whoami/",
    app=APP,
):
    headers = [(b"origin", origin.encode()), (b"host", host.encode())]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(app, path, headers=headers)


async def connects(socket: WebsocketCommunicator) -> bool:
    connected, _ = await socket.connect()
    await socket.disconnect()
    return connected


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


@pytest.mark.parametrize(
    "origin",
    [
        "http://127.0.0.1:9999",  # another port of the same host: another site
        "https://127.0.0.1:8000",  # another scheme
        "http://127.0.0.1",  # no port: port 80
        "http://localhost:8000",  # another name of the same machine
        "null",
        "",
        "http://evil@127.0.0.1:8000",  # a user part: not an origin
        "http://127.0.0.1:8000 ",  # a trailing space
        " http://127.0.0.1:8000",
        "http://127.0.0.1:+8000",
        "http://127.0.0.1:08000",
    ],
)
async def test_only_the_whole_origin_of_the_dashboard_is_let_in(viewer, origin):
    assert not await connects(communicator(await session_cookie(viewer), origin=origin))
    assert await connects(communicator(await session_cookie(viewer)))


async def test_a_host_that_is_not_allowed_is_refused_even_with_its_own_origin(viewer):
    cookie = await session_cookie(viewer)
    socket = communicator(cookie, origin="http://evil.example:8000", host="evil.example:8000")
    assert not await connects(socket)


async def test_a_trusted_origin_is_let_in_behind_a_proxy(viewer, settings):
    """TLS ends at the proxy: the socket is ws:// here, the page https:// there."""
    settings.ALLOWED_HOSTS = ["cache.example.com"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://cache.example.com"]
    cookie = await session_cookie(viewer)
    proxied = communicator(cookie, origin="https://cache.example.com", host="cache.example.com")
    assert await connects(proxied)
    other = communicator(cookie, origin="https://cache.example.com:8443", host="cache.example.com")
    assert not await connects(other)


async def test_an_unknown_path_is_refused_cleanly(viewer):
    from dashboard.asgi import application

    cookie = await session_cookie(viewer)
    for unknown in ("/ws/nothing/", "/ws/live/extra", "/"):
        socket = communicator(cookie, path=unknown, app=application)
        assert not await connects(socket)  # a refusal, not an exception


async def test_default_ports_and_https_behind_a_proxy(viewer, settings):
    settings.ALLOWED_HOSTS = ["cache.example.com"]
    cookie = await session_cookie(viewer)
    plain = communicator(cookie, origin="http://cache.example.com:80", host="cache.example.com")
    assert await connects(plain)  # port 80 said or not, the same origin
    settings.SESSION_COOKIE_SECURE = True  # served over HTTPS only (daphne sees ws://)
    secure = communicator(cookie, origin="https://cache.example.com", host="cache.example.com")
    assert await connects(secure)
    plain = communicator(cookie, origin="http://cache.example.com", host="cache.example.com")
    assert not await connects(plain)  # a plain-HTTP page is another site
