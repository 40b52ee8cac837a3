"""A Redis list or stream used as a queue: both ends, processing lists, groups, and
the depth history the sampler keeps (tests/monitoring)."""

import pytest

from cacheadmin.gateways.keycodec import encode_key
from cacheadmin.models import Sample
from tests.servers import free_port

pytestmark = pytest.mark.django_db


def page(client, key: bytes, **headers):
    return client.get(f"/queues/redis/{encode_key(key)}", headers=headers)


def test_a_list_shows_both_ends_and_its_processing_list(viewer_client, keyspace):
    keyspace.rpush("queue:emails", "first", *[f"m{n}" for n in range(10)], "last")
    keyspace.rpush("queue:emails:processing", "working <b>on</b> it")
    keyspace.rpush("queue:emails", b"x" * 5000)  # cut on the server
    html = page(viewer_client, b"queue:emails").content.decode()
    assert 'data-figure="ready">13<' in html and 'data-figure="unacked">1<' in html
    assert ">first<" in html and ">last<" in html and "5,000 bytes" in html
    assert "working &lt;b&gt;on&lt;/b&gt; it" in html and "<b>on</b>" not in html
    assert html.count('data-figure="item"') == 3 + 3 + 1
    assert ">m5<" not in html  # only three from each end


def test_a_stream_shows_its_entries_groups_lag_and_idle_consumers(viewer_client, keyspace):
    for n in range(6):
        keyspace.xadd("orders:queue", {"n": n})
    keyspace.xgroup_create("orders:queue", "billing", id="0")
    keyspace.xreadgroup("billing", "worker-1", {"orders:queue": ">"}, count=2)
    html = page(viewer_client, b"orders:queue").content.decode()
    assert 'data-figure="ready">6<' in html and 'data-figure="unacked">2<' in html
    assert "billing" in html and "worker-1: 2 pending, idle " in html
    assert html.count('data-figure="field"') == 6  # three oldest, three newest
    lag = keyspace.xinfo_groups("orders:queue")[0].get("lag")
    if lag is not None:  # Redis 7 reports it
        assert f'<td class="num">{lag}</td>' in html
    keyspace.xadd("orders:queue", {f"f{n}": n for n in range(500)})
    wide = page(viewer_client, b"orders:queue").content.decode()
    assert "480 more fields" in wide and wide.count('data-figure="field"') < 60


def test_hostile_names_are_escaped_and_other_keys_are_not_queues(viewer_client, keyspace):
    key = b'queue:<img src=x onerror="alert(1)">\xff'
    keyspace.rpush(key, "<script>alert(1)</script>")
    html = page(viewer_client, key).content.decode()
    assert "<img src=x" not in html and "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    keyspace.set("queue:plain", "x")
    assert page(viewer_client, b"queue:plain").status_code == 404
    assert page(viewer_client, b"queue:gone").status_code == 404
    assert viewer_client.get("/queues/redis/not*base64").status_code == 404


def test_redis_down_is_a_problem_not_a_500(viewer_client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = page(viewer_client, b"queue:emails")
    assert response.status_code == 503 and "not reachable" in response.content.decode()
    refresh = page(viewer_client, b"queue:emails", HX_Request="true")
    assert refresh.status_code == 200 and "not reachable" in refresh.content.decode()


def test_the_pages_read_the_history_and_never_write_it(services, viewer_client, redis_client):
    redis_client.rpush("queue:jobs", 1, 2, 3)
    html = page(viewer_client, b"queue:jobs").content.decode()
    viewer_client.get("/queues/")
    assert Sample.objects.count() == 0
    assert "No samples yet" in html and "No sampler is running" in html


def test_a_neighbour_of_another_type_or_a_key_that_changed_is_not_a_500(
    services, viewer_client, redis_client
):
    redis_client.rpush("queue:a", 1)
    redis_client.set("queue:a:processing", "not a list")
    redis_client.rpush("queue:a:inflight", "working")
    html = page(viewer_client, b"queue:a").content.decode()
    assert "queue:a:inflight" in html and "queue:a:processing</code>" not in html
