"""Live feeds name their instance: a channel of the second Redis reaches the feed on
`second` only, and an instance the user may not see is never confirmed."""

import pytest

from cacheadmin.models import InstanceRole
from tests.servers import RedisServer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def second(settings, tmp_path, own_servers):
    server = RedisServer(tmp_path).start()
    path = tmp_path / "instances.toml"
    path.write_text(f'[redis.second]\nurl = "{server.url}"\n')
    settings.CACHEADMIN_INSTANCES = str(path)
    client = server.client()
    yield client
    client.close()
    server.stop()


async def test_a_feed_reads_its_instance(services, live, redis_client, second):
    socket = await live()
    status = await socket.subscribe(instance="second", source="redis", pattern="news")
    assert status["instance"] == "second"
    await socket.subscribe(source="redis", pattern="news")  # default's, another feed
    second.publish("news", "from second")
    redis_client.publish("news", "from default")
    received, _ = await socket.messages(2)
    by_feed = {message["data"]: message for message in received}
    assert set(by_feed) == {"from second", "from default"}


async def test_an_instance_one_may_not_see_is_refused_like_a_missing_one(live, viewer, second):
    await InstanceRole.objects.acreate(user=viewer, instance="default", role="viewer")
    socket = await live()
    for name in ("second", "nowhere"):
        await socket.send(action="subscribe", instance=name, source="redis", pattern="news")
        error = await socket.until(lambda frame: frame["type"] == "error")
        assert error["message"] == f"There is no instance named '{name}'."
    await socket.send(action="subscribe", instance="Bad Name", source="redis", pattern="x")
    error = await socket.until(lambda frame: frame["type"] == "error")
    assert "instance is an instance's name" in error["message"]


async def test_a_feed_redis_refuses_fails_once_and_says_why(services, live, second, settings):
    """A user without the channel's permission: Redis answers SUBSCRIBE with NOPERM.
    Asking again would not help, so the feed fails with Redis' words (before, it went
    on reconnecting for good, or stopped with a Python traceback in its message)."""
    second.execute_command(
        "ACL", "SETUSER", "no-channels", "on", ">np", "~*", "resetchannels", "+@all"
    )
    url = second.connection_pool.connection_kwargs
    path = settings.CACHEADMIN_INSTANCES
    with open(path, "w", encoding="utf-8") as file:
        file.write(f'[redis.second]\nurl = "redis://no-channels:np@127.0.0.1:{url["port"]}/0"\n')
    socket = await live()
    await socket.send(instance="second", action="subscribe", source="redis", pattern="news")
    # "live" once SUBSCRIBE is sent; its refusal comes as the first reply
    failed = await socket.until(
        lambda f: f["type"] == "status" and f["state"] not in ("connecting", "live")
    )
    assert failed["state"] == "failed", failed
    assert failed["message"].startswith("Redis refused this feed:")
    assert "no permissions to access one of the channels" in failed["message"]
