"""Sentinels that disagree on a service's master, as during a failover one that has not
heard of it yet: the dashboard takes the newest view (the highest config epoch), where
redis-py would take the first sentinel's word."""

import pytest
from redis.sentinel import Sentinel

from cacheadmin.gateways.keycodec import encode_key
from cacheadmin.gateways.redis_kinds.sentinels import NewestAsyncSentinel, NewestSentinel
from tests.helpers import instances
from tests.servers import SentinelSet

# xdist_group: in one test worker (--dist loadgroup), so its sentinel sets of its own starts once
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("two-views")]


@pytest.fixture(scope="module")
def two_views(tmp_path_factory, own_servers):
    """Two sets of one sentinel each, watching `sessions` on servers of their own: the
    second set failed over (its view is of epoch 1), the first not (epoch 0)."""
    stale = SentinelSet(tmp_path_factory.mktemp("stale"), sentinels=1).start()
    newer = SentinelSet(tmp_path_factory.mktemp("newer"), sentinels=1).start()
    for one in (stale, newer):  # no failover of their own on a busy machine: views stay
        one.sentinel().sentinel_set("sessions", "down-after-milliseconds", 3_600_000)
    newer.settle().failover()
    stale.master_client().set("where", "the-stale-view")
    newer.master_client().set("where", "the-newest-view")
    yield stale, newer
    newer.stop()
    stale.stop()


def addresses(two_views) -> list[tuple[str, int]]:
    stale, newer = two_views
    return [("127.0.0.1", port) for port in stale.sentinel_ports + newer.sentinel_ports]


def newer_servers(newer: SentinelSet) -> set[tuple[str, int]]:
    """The newer set's two servers: which is its master may change again under load (a
    set of one sentinel on a busy machine was seen failing back), but not the set."""
    return {("127.0.0.1", server.port) for server in (newer.master, newer.replica)}


def test_the_newest_view_names_the_master(two_views):
    stale, newer = two_views
    assert Sentinel(addresses(two_views)).discover_master("sessions")[1] == stale.master_port()
    found = NewestSentinel(addresses(two_views)).discover_master("sessions")
    assert found in newer_servers(newer)


async def test_the_live_feeds_take_the_newest_view_too(two_views):
    _, newer = two_views
    found = await NewestAsyncSentinel(addresses(two_views)).discover_master("sessions")
    assert found in newer_servers(newer)


def test_pages_read_the_newest_views_master(viewer_client, settings, tmp_path, two_views):
    hosts = ",".join(f"{host}:{port}" for host, port in addresses(two_views))
    instances(
        settings, tmp_path, f'[redis.sessions]\nurl = "redis+sentinel://{hosts}/sessions/0"\n'
    )
    page = viewer_client.get(f"/i/sessions/keys/k/{encode_key(b'where')}").content.decode()
    assert "the-newest-view" in page and "the-stale-view" not in page
