"""The `sentinel` source: Sentinel's own events, such as +switch-master in a failover;
and on an instance that is no Sentinel service, a failed feed that says why."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sessions(sentinel_sessions):
    return sentinel_sessions


async def test_a_failover_is_told_by_the_sentinels(services, live, sessions):
    from asgiref.sync import sync_to_async

    socket = await live()
    status = await socket.subscribe(instance="sessions", source="sentinel")
    assert (status["source"], status["pattern"], status["mode"]) == ("sentinel", "*", "pattern")
    new_port = await sync_to_async(sessions.failover)()
    seen = []
    while not any(message["channel"] == "+switch-master" for message in seen):
        received, _ = await socket.messages(1, timeout=20)
        seen += received
    switch = next(message for message in seen if message["channel"] == "+switch-master")
    assert switch["source"] == "sentinel" and switch["data"].endswith(f" {new_port}")


async def test_an_instance_without_sentinels_has_no_sentinel_feed(live):
    socket = await live()
    await socket.send(action="subscribe", source="sentinel")
    failed = await socket.until(lambda frame: frame.get("state") == "failed")
    assert "is not a Sentinel service" in failed["message"]


@pytest.mark.parametrize("how", ["SENTINEL FAILOVER", "the master killed"])
async def test_a_feed_through_a_failover_comes_back_with_its_gap(services, live, sessions, how):
    """A killed master drops the connection, a demoted one closes its clients: the feed
    reconnects, to the new master, and says how long it could not hear."""
    from asgiref.sync import sync_to_async

    socket = await live()
    await socket.subscribe(instance="sessions", source="redis", pattern="news")
    fail_over = sessions.failover if how == "SENTINEL FAILOVER" else sessions.kill_master
    await sync_to_async(fail_over)()
    await socket.until(lambda frame: frame.get("state") == "reconnecting", timeout=20)
    back = await socket.until(lambda frame: frame.get("state") == "live", timeout=30)
    assert back["gap_seconds"] > 0
    await sync_to_async(lambda: sessions.master_client().publish("news", "after"))()
    received, _ = await socket.messages(1, timeout=10)
    assert received[0]["data"] == "after"
