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
