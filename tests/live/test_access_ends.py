"""An open live socket does not outlive its user's access: a deactivated account or
a removed role closes it (code 4403, which the page explains), on the next subscribe
at once and otherwise within the check interval."""

import pytest

from cacheadmin.live import consumer
from cacheadmin.models import InstanceRole

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("services")]


async def closed_with(socket) -> int:
    """The close code, after the frames still on their way."""
    while True:
        output = await socket.socket.receive_output(timeout=10)
        if output["type"] == "websocket.close":
            socket.closed = True
            return output["code"]


async def test_a_deactivated_account_is_closed_within_the_check(live, viewer, monkeypatch):
    monkeypatch.setattr(consumer, "ACCESS_CHECK_SECONDS", 0.2)
    socket = await live()
    await socket.subscribe(source="redis", pattern="news")
    viewer.is_active = False
    await viewer.asave()
    assert await closed_with(socket) == consumer.ACCESS_ENDED


async def test_a_role_removed_refuses_the_next_subscription(live, viewer):
    socket = await live()
    await socket.subscribe(source="redis", pattern="news")
    await viewer.groups.aclear()
    await socket.send(action="subscribe", source="redis", pattern="other")
    assert await closed_with(socket) == consumer.ACCESS_ENDED


async def test_a_role_on_the_feeds_instance_removed_closes_the_socket(
    live, viewer, monkeypatch, settings, tmp_path, redis_server
):
    path = tmp_path / "instances.toml"
    path.write_text(f'[redis.other]\nurl = "{redis_server.url_for(4)}"\n')
    settings.CACHEADMIN_INSTANCES = str(path)
    await InstanceRole.objects.acreate(user=viewer, instance="default", role="viewer")
    await InstanceRole.objects.acreate(user=viewer, instance="other", role="viewer")
    monkeypatch.setattr(consumer, "ACCESS_CHECK_SECONDS", 0.2)
    socket = await live()
    await socket.subscribe(source="redis", pattern="news")
    frames = await socket.frames_for(0.6)  # checked, still allowed: still open
    assert all(frame["type"] != "error" for frame in frames)
    await InstanceRole.objects.filter(user=viewer, instance="default").adelete()
    assert await closed_with(socket) == consumer.ACCESS_ENDED
