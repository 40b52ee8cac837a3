"""/live/: active channels on the server, and the operators' keyspace switch."""

import re

import pytest
import redis

from cacheadmin.models import AuditEntry
from tests.live.test_redis_feeds import set_events
from tests.servers import free_port, keyspace_of

pytestmark = pytest.mark.django_db


def events_everywhere(client) -> set[str]:
    """notify-keyspace-events as each node reads it back, its flags in a set order."""
    nodes = list(keyspace_of(client).every_node().values())
    assert len(nodes) == (6 if isinstance(client, redis.RedisCluster) else 1)
    read = [node.config_get("notify-keyspace-events")["notify-keyspace-events"] for node in nodes]
    return {"".join(sorted(flags, key="Exe".find)) for flags in read}


def test_the_page_lists_active_channels_escaped(viewer_client, keyspace):
    listener = keyspace.pubsub()
    listener.subscribe("orders", "<b>chan</b>")
    listener.psubscribe("x.*")
    try:
        html = viewer_client.get("/live/").content.decode()
    finally:
        listener.close()
    assert html.count('data-figure="channel"') == 2
    assert "&lt;b&gt;chan&lt;/b&gt;" in html and "<b>chan</b>" not in html
    assert 'data-socket="/ws/live/"' in html
    if isinstance(keyspace, redis.RedisCluster):  # the listener's node, and no other
        assert html.count('data-figure="node-patterns"') == 1
    else:
        assert '<span data-figure="patterns">1 pattern subscribed to</span>' in html
    fragment = viewer_client.get("/live/", headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<section class="card" id="live-channels"')


def test_a_clusters_patterns_are_counted_per_node_never_summed(viewer_client, cluster_keyspace):
    """NUMPAT is a node's count of distinct patterns: three subscriptions to one pattern
    (one on a node, two on another) and one to another pattern make 1 and 2, not 3."""
    first, second = (
        cluster_keyspace.get_redis_connection(node) for node in cluster_keyspace.get_primaries()[:2]
    )
    listeners = [first.pubsub(), second.pubsub(), second.pubsub(), second.pubsub()]
    patterns = ["orders.*", "orders.*", "orders.*", "audit.*"]
    try:
        for listener, pattern in zip(listeners, patterns, strict=True):
            listener.psubscribe(pattern)
            assert listener.get_message(timeout=5)["type"] == "psubscribe"
        html = viewer_client.get("/live/").content.decode()
    finally:
        for listener in listeners:
            listener.close()
    names = [
        f"{node.connection_pool.connection_kwargs['host']}:{node.connection_pool.connection_kwargs['port']}"
        for node in (first, second)
    ]
    said = re.findall(r'data-figure="node-patterns">([^<]*)<', html)
    assert sorted(said) == sorted([f"1 on {names[0]}", f"2 on {names[1]}"])
    assert "3 pattern" not in html


def test_operators_turn_keyspace_notifications_on_after_confirming(
    viewer_client, operator_client, keyspace
):
    set_events(keyspace, "")
    assert 'notify-keyspace-events ""' in viewer_client.get("/live/").content.decode()
    assert viewer_client.post("/live/keyspace-events", {"flags": "Exe"}).status_code == 403
    confirm = operator_client.post("/live/keyspace-events", {"flags": "Exe"})
    assert (
        confirm.status_code == 200
        and "CONFIG SET notify-keyspace-events" in confirm.content.decode()
    )
    cluster = isinstance(keyspace, redis.RedisCluster)
    assert ("On every node of the cluster" in confirm.content.decode()) == cluster
    assert events_everywhere(keyspace) == {""}
    done = operator_client.post("/live/keyspace-events", {"flags": "Exe", "confirmed": "yes"})
    assert done.status_code == 302
    assert events_everywhere(keyspace) == {"Exe"}  # on every node of a cluster
    page = operator_client.get("/live/").content.decode()
    assert '<option value="Exe" selected>' in page  # though Redis reads it back as "xeE"
    entry = AuditEntry.objects.get(action="redis.keyspace_events")
    assert entry.outcome == "ok" and "Exe" in entry.target
    set_events(keyspace, "")


@pytest.mark.parametrize("flags", ["x", "KE", "Q", "E; FLUSHALL", "E" * 30])
def test_bad_flags_change_nothing(services, operator_client, redis_client, flags):
    redis_client.config_set("notify-keyspace-events", "")
    answer = operator_client.post("/live/keyspace-events", {"flags": flags, "confirmed": "yes"})
    assert answer.status_code == 400
    assert redis_client.config_get("notify-keyspace-events")["notify-keyspace-events"] == ""
    assert not AuditEntry.objects.filter(action="redis.keyspace_events").exists()


def test_redis_down_is_a_card_not_a_500(viewer_client, operator_client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    page = viewer_client.get("/live/")
    assert page.status_code == 200 and "not reachable" in page.content.decode()
    failed = operator_client.post("/live/keyspace-events", {"flags": "Ex", "confirmed": "yes"})
    assert failed.status_code == 503
    assert AuditEntry.objects.get(action="redis.keyspace_events").outcome == "failed"


def test_the_keyspace_switch_needs_the_csrf_token(services, operator, redis_client):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    refused = client.post("/live/keyspace-events", {"flags": "Ex", "confirmed": "yes"})
    assert refused.status_code == 403
    assert redis_client.config_get("notify-keyspace-events")["notify-keyspace-events"] == ""


def test_sentinel_events_are_offered_on_a_sentinel_instance_only(
    services, viewer_client, redis_client, sentinel_sessions
):
    option = '<option value="sentinel">'
    assert option in viewer_client.get("/i/sessions/live/").content.decode()
    assert option not in viewer_client.get("/live/").content.decode()


def test_a_rabbitmq_only_instance_offers_its_exchanges_and_no_redis(
    services, viewer_client, settings, tmp_path, redis_server
):
    path = tmp_path / "instances.toml"
    path.write_text(
        f'[rabbitmq.broker]\namqp_url = "{settings.RABBITMQ_URL}"\n'
        f'management_url = "{settings.RABBITMQ_MANAGEMENT_URL}"\n\n'
        f'[redis.cache]\nurl = "{redis_server.url}"\n'
    )
    settings.CACHEADMIN_INSTANCES = str(path)
    broker = viewer_client.get("/i/broker/live/")
    html = broker.content.decode()
    assert broker.status_code == 200 and '<option value="rabbitmq">' in html
    assert 'value="redis"' not in html and 'value="invalidations"' not in html
    assert 'id="live-channels"' not in html and "no Redis instance" not in html
    assert "Messages as they pass: a RabbitMQ exchange tap, and Celery&#x27;s events." in html
    assert '<option value="celery-rabbitmq">' in html and 'value="celery-redis"' not in html
    cache = viewer_client.get("/i/cache/live/").content.decode()
    assert '<option value="redis">' in cache and 'value="rabbitmq"' not in cache
    assert "RabbitMQ" not in cache.split("<h1>Live</h1>")[1].split("</p>")[0]
