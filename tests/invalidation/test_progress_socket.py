"""Job progress pushed to browsers over the Channels layer, through the real ASGI app."""

import pytest
from asgiref.sync import sync_to_async

from cacheadmin.gateways import connections
from cacheadmin.invalidation import jobs
from cacheadmin.invalidation.engine import Target
from cacheadmin.models import InvalidationJob
from cacheadmin.web import job_progress
from tests.helpers import socket_at
from tests.invalidation.test_engine import fill
from tests.users import session_cookie

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("services")]


def socket_for(job_id: int, cookie: str):
    return socket_at(f"/ws/invalidations/{job_id}/", cookie)


async def test_a_watching_browser_gets_the_state_then_each_step(viewer, operator, redis_client):
    await sync_to_async(fill)(redis_client, 3000, "x:")
    target = Target("pattern", b"x:*")
    job = await sync_to_async(jobs.job_create)(
        user=operator, instance=connections.instance(), target=target, estimate=3000, rate=None
    )
    await sync_to_async(InvalidationJob.objects.filter(id=job.id).update)(status="running")
    job.status = "running"
    socket = socket_for(job.id, await session_cookie(viewer))
    connected, _ = await socket.connect()
    assert connected
    first = await socket.receive_json_from(timeout=3)
    assert (first["id"], first["status"], first["deleted"]) == (job.id, "running", 0)
    more = True
    while more:
        more, problem = await sync_to_async(jobs.job_step)(job=job, count=1000)
        assert problem is None
    seen = []
    while not seen or seen[-1]["status"] != "done":
        seen.append(await socket.receive_json_from(timeout=3))
    assert seen[-1]["deleted"] == 3000
    await socket.disconnect()


async def test_no_socket_for_a_job_that_is_not_there(viewer):
    socket = socket_for(999_999, await session_cookie(viewer))
    connected, _ = await socket.connect()
    assert not connected
    await socket.disconnect()


async def test_no_socket_for_a_job_on_an_instance_the_user_may_not_see(
    settings, tmp_path, operator, viewer, redis_client, redis_server
):
    """Job ids are sequential: a user with a role on another instance only learns
    nothing of this one's jobs."""
    from cacheadmin.models import InstanceRole

    path = tmp_path / "instances.toml"
    path.write_text(f'[redis.other]\nurl = "{redis_server.url_for(3)}"\n')
    settings.CACHEADMIN_INSTANCES = str(path)
    await InstanceRole.objects.acreate(user=viewer, instance="other", role="viewer")
    job = await sync_to_async(jobs.job_create)(
        user=operator,
        instance=connections.instance(),
        target=Target("pattern", b"x:*"),
        estimate=1,
        rate=None,
    )
    socket = socket_for(job.id, await session_cookie(viewer))
    connected, _ = await socket.connect()
    assert not connected
    await socket.disconnect()
    await InstanceRole.objects.acreate(user=viewer, instance=connections.instance(), role="viewer")
    socket = socket_for(job.id, await session_cookie(viewer))
    connected, _ = await socket.connect()
    assert connected and (await socket.receive_json_from(timeout=3))["id"] == job.id
    await socket.disconnect()


@pytest.mark.parametrize("how", ["deactivated", "role removed"])
async def test_a_job_socket_closes_once_its_user_loses_access(
    viewer, operator, redis_client, monkeypatch, how
):
    """It was checked at the handshake only: a deactivated account went on receiving
    a running job's progress."""
    monkeypatch.setattr(job_progress, "ACCESS_CHECK_SECONDS", 0.2)
    target = Target("pattern", b"x:*")
    job = await sync_to_async(jobs.job_create)(
        user=operator, instance=connections.instance(), target=target, estimate=10, rate=None
    )
    socket = socket_for(job.id, await session_cookie(viewer))
    connected, _ = await socket.connect()
    assert connected and (await socket.receive_json_from(timeout=3))["id"] == job.id
    assert await socket.receive_nothing(timeout=0.5)  # checked, still allowed: still open
    if how == "deactivated":
        viewer.is_active = False
        await viewer.asave()
    else:
        await viewer.groups.aclear()
    closed = await socket.receive_output(timeout=3)
    assert (closed["type"], closed["code"]) == ("websocket.close", 4403)
    await socket.disconnect()
