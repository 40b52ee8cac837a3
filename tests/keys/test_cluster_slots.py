"""A key's page on a cluster whose slots move (resharding): routed by the key's slot, it
follows ASK while the slot migrates and MOVED once it has, with the slot map the
dashboard learned before."""

import re

import pytest
from redis.crc import key_slot

from cacheadmin.gateways.redis_kinds import cluster_keys
from cacheadmin.invalidation.engine import Target
from tests.invalidation.test_engine import run_to_end
from tests.keys.test_keys_pages import detail_url
from tests.servers import free_port

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("services")]

MOVING = b"moving:<b>one</b>"


def held_by(html: str) -> str:
    return re.search(r'data-figure="node">([^<]*)<', html).group(1)


@pytest.fixture
def moving_slot(cluster_keyspace, redis_cluster):
    """MOVING's slot, its primary, and the primary of slot 0 (whose first slot stays 0,
    so the job's counter there stays put): the slot given back at the end."""
    slot = key_slot(MOVING)
    source = redis_cluster.node_at(cluster_keyspace.get_node_from_key(MOVING).name)
    target = redis_cluster.node_at(cluster_keyspace.nodes_manager.get_node_from_slot(0).name)
    assert source is not target and slot > 0
    yield slot, source, target
    redis_cluster.give_back(slot, source)


def the_slow_path(*args):
    raise AssertionError("a node was asked again, the long way")


def test_pages_and_jobs_follow_a_slot_as_it_moves(
    viewer_client, cluster_keyspace, redis_cluster, moving_slot, monkeypatch
):
    slot, source, target = moving_slot
    at_source, at_target = (f"127.0.0.1:{node.port}" for node in (source, target))
    staying = next(  # a key of the same slot, left on source for now
        key for n in range(100_000) if key_slot(key := b"moving:stays:%d" % n) == slot
    )
    cluster_keyspace.set(MOVING, b"travels")
    cluster_keyspace.set(staying, b"stays")
    first = viewer_client.get(detail_url(MOVING)).content.decode()
    assert held_by(first) == at_source  # and the dashboard has learned the slots

    redis_cluster.start_moving(slot, source, target, [MOVING])
    page = viewer_client.get(detail_url(MOVING))
    html = page.content.decode()
    assert page.status_code == 200 and "travels" in html  # source said ASK
    assert held_by(html) == at_target
    assert "stays" in viewer_client.get(detail_url(staying)).content.decode()
    with monkeypatch.context() as patched:  # one round trip per node, ASKING first
        patched.setattr(cluster_keys, "_describe_node", the_slow_path)
        listing = viewer_client.get("/api/keys?match=moving:*").json()
    nodes = {item["key"]: item["node"] for item in listing["keys"]}
    assert nodes == {MOVING.decode(): at_target, staying.decode(): at_source}
    exact = viewer_client.get("/api/keys", {"match": MOVING.decode()}).json()
    assert [(item["type"], item["node"]) for item in exact["keys"]] == [("string", at_target)]
    html = viewer_client.get("/keys/namespaces/").content.decode()
    assert "Exact: every one of the 2 keys was counted." in html

    redis_cluster.start_moving(slot, source, target, [staying])
    redis_cluster.finish_moving(slot, target)
    page = viewer_client.get(detail_url(MOVING))
    html = page.content.decode()
    assert page.status_code == 200 and "travels" in html  # source said MOVED
    assert held_by(html) == at_target

    redis_cluster.start_moving(slot, target, source, [MOVING])  # and back, half way
    progress = run_to_end(cluster_keyspace, Target("pattern", b"moving:*"))
    assert progress.deleted == 2
    assert [node.client().cluster("countkeysinslot", slot) for node in (source, target)] == [0, 0]


README_ACL = (  # the README's monitoring user, with what it says a cluster needs too
    "on >watch-only ~* &* +@read +info +scan +ping +client|setname +config|get +slowlog "
    "+memory|usage +object +select +type +ttl +pttl +pubsub|channels +pubsub|numsub "
    "+pubsub|numpat +subscribe +psubscribe +pubsub|shardchannels +pubsub|shardnumsub "
    "+ssubscribe +asking +command +cluster|slots +cluster|info +cluster|nodes"
)


@pytest.fixture
def monitor(cluster_keyspace, redis_cluster, settings):
    """The instance as the README's monitoring user, set on every node (with the rules
    given, on top); gone after."""

    def as_monitor(*rules: str) -> None:
        for node in redis_cluster.nodes:
            client = node.client()
            client.execute_command("ACL", "SETUSER", "monitor", *README_ACL.split(), *rules)
        settings.REDIS_URL = redis_cluster.url.replace("://", "://monitor:watch-only@")

    yield as_monitor
    for node in redis_cluster.nodes:
        node.client().execute_command("ACL", "DELUSER", "monitor")


def test_the_readmes_monitoring_user_reads_a_cluster(viewer_client, cluster_keyspace, monitor):
    cluster_keyspace.set(MOVING, b"travels")
    cluster_keyspace.hset("user:1", "name", "x")
    monitor()
    listing = viewer_client.get("/api/keys")
    assert listing.status_code == 200, listing.content
    assert sorted(item["key"] for item in listing.json()["keys"]) == [MOVING.decode(), "user:1"]
    pages = ["/", "/keys/", detail_url(MOVING), "/keys/namespaces/", "/cache/", "/live/"]
    for path in [*pages, "/queues/?kind=redis"]:
        page = viewer_client.get(path)
        assert page.status_code == 200, (path, page.content.decode()[-600:])


def test_a_user_refused_what_a_cluster_client_asks_first_is_told_what_to_grant(
    viewer_client, cluster_keyspace, monitor
):
    monitor("-command")
    page = viewer_client.get("/keys/")
    assert page.status_code == 503
    assert "ACL SETUSER monitor +command" in page.content.decode()


def test_a_cluster_whose_nodes_are_all_down_is_said_so(viewer_client, settings):
    settings.REDIS_URL = f"redis+cluster://127.0.0.1:{free_port()},127.0.0.1:{free_port()}"
    for path in ("/keys/", "/api/keys", "/"):
        page = viewer_client.get(path)
        assert page.status_code in (200, 502, 503), path  # the overview shows it in a card
        assert "cannot be reached" in page.content.decode(), path
