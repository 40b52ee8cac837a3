"""Helpers shared by test modules: polling, an instances file."""

import time


def wait_for(check, seconds: float = 60, every: float = 0.05):
    """Ask check every `every` seconds until it answers something true, and return
    that; the test fails once seconds have passed."""
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(every)
    return result


def wait_for_statistics(check, seconds: float = 20):
    """wait_for, for the management statistics: they lag a few seconds behind."""
    return wait_for(check, seconds, every=0.3)


def instances(settings, tmp_path, text: str) -> None:
    """The dashboard's instances file: text, written in tmp_path."""
    path = tmp_path / "instances.toml"
    path.write_text(text)
    settings.CACHEADMIN_INSTANCES = str(path)


def socket_at(path: str, cookie: str):
    """A websocket of the real ASGI app, from the dashboard's own origin, as a user."""
    from channels.testing import WebsocketCommunicator

    from dashboard.asgi import application

    headers = [
        (b"origin", b"http://127.0.0.1:8000"),
        (b"host", b"127.0.0.1:8000"),
        (b"cookie", cookie.encode()),
    ]
    return WebsocketCommunicator(application, path, headers=headers)
