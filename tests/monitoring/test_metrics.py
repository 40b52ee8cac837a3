"""/metrics: the sampler's last figures in Prometheus' text format, read from the
database (a hung instance never delays a scrape), to a viewer's token (its instances
only) or an address in METRICS_ALLOW; anyone else gets a 401."""

import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from cacheadmin.models import InstanceRole, InvalidationJob, Sample
from cacheadmin.web.tokens import token_create
from tests.helpers import instances
from tests.monitoring.test_sampler import sampler

pytestmark = pytest.mark.django_db


def scraped(client, token: str | None = None) -> dict:
    """{(metric sample name, frozenset of labels): value} of a scrape."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = client.get("/metrics", headers=headers)
    assert answer.status_code == 200, answer.content
    assert answer["Content-Type"].startswith("text/plain; version=")
    values = {}
    for family in text_string_to_metric_families(answer.content.decode()):
        for sample in family.samples:
            values[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return values


def labels(**names: str) -> frozenset:
    return frozenset(names.items())


def test_a_viewer_token_scrapes_the_sampled_figures_at_once_though_one_hangs(
    services, settings, tmp_path, client, viewer, redis_client, silent_port
):
    settings.REDIS_TIMEOUT = 1.0
    instances(settings, tmp_path, f'[redis.hung]\nurl = "redis://127.0.0.1:{silent_port}/0"\n')
    redis_client.rpush("queue:mail", 1, 2, 3)
    redis_client.set("a", "1")
    redis_client.get("a")
    InvalidationJob.objects.create(kind="key", target=b"a", requester_name="x", deleted=7)
    sampler().sample(int(time.time()))
    _, token = token_create(user=viewer, name="prometheus")

    started = time.monotonic()
    found = scraped(client, token)
    assert time.monotonic() - started < 0.5  # the hung instance is not asked
    assert found[("cacheadmin_redis_up", labels(instance="default"))] == 1
    assert found[("cacheadmin_redis_up", labels(instance="hung"))] == 0
    assert found[("cacheadmin_redis_keyspace_hits_total", labels(instance="default"))] >= 1
    assert found[("cacheadmin_redis_used_memory_bytes", labels(instance="default"))] > 0
    ready = labels(instance="default", vhost="", queue="queue:mail", state="ready")
    assert found[("cacheadmin_queue_messages", ready)] == 3
    assert found[("cacheadmin_sample_age_seconds", labels(instance="default"))] < 60
    assert found[("cacheadmin_invalidation_keys_deleted_total", frozenset())] == 7
    assert found[("cacheadmin_invalidation_jobs", labels(status="queued"))] == 1
    assert ("cacheadmin_live_dropped_total", frozenset()) in found
    Sample.objects.all().delete()  # pruned: the last figures leave, the age stays
    later = scraped(client, token)
    assert ("cacheadmin_redis_up", labels(instance="default")) not in later
    assert later[("cacheadmin_sample_age_seconds", labels(instance="hung"))] < 60


def test_nobody_else_scrapes(services, client, nobody, settings, viewer_client):
    assert viewer_client.get("/metrics").status_code == 401  # a session is no scraper
    assert viewer_client.post("/metrics").status_code == 405
    refused = client.get("/metrics")
    assert refused.status_code == 401 and refused["WWW-Authenticate"].startswith("Bearer")
    assert b"METRICS_ALLOW" in refused.content
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    _, no_role = token_create(user=nobody, name="no role")
    headers = {"Authorization": f"Bearer {no_role}"}
    assert client.get("/metrics", headers=headers).status_code == 401
    settings.METRICS_ALLOW = ["10.0.0.0/8"]
    assert client.get("/metrics").status_code == 401  # the test client is 127.0.0.1
    settings.METRICS_ALLOW = ["127.0.0.0/8"]
    proxied = client.get("/metrics", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert proxied.status_code == 401  # through a proxy, the address is the proxy's


def test_an_allowed_address_scrapes_without_a_token(services, client, settings, redis_client):
    settings.METRICS_ALLOW = ["127.0.0.0/8"]
    sampler().sample(int(time.time()))
    assert scraped(client)[("cacheadmin_redis_up", labels(instance="default"))] == 1
    mapped = client.get("/metrics", REMOTE_ADDR="::ffff:127.0.0.1")  # IPv4 over IPv6
    assert mapped.status_code == 200


def test_a_token_sees_only_its_owners_instances(
    services, settings, tmp_path, client, viewer, redis_server, redis_client
):
    instances(settings, tmp_path, f'[redis.other]\nurl = "{redis_server.url_for(2)}"\n')
    InstanceRole.objects.create(user=viewer, instance="other", role="viewer")
    InvalidationJob.objects.create(
        instance="default", kind="key", target=b"a", requester_name="x", deleted=5
    )
    sampler().sample(int(time.time()))
    _, token = token_create(user=viewer, name="prometheus")
    found = scraped(client, token)
    assert found[("cacheadmin_redis_up", labels(instance="other"))] == 1
    assert ("cacheadmin_redis_up", labels(instance="default")) not in found
    assert found[("cacheadmin_invalidation_keys_deleted_total", frozenset())] == 0


def test_the_brokers_alarms_and_nodes_memory(services, client, settings, rabbit_admin):
    settings.METRICS_ALLOW = ["127.0.0.1"]
    sampler().sample(int(time.time()))
    found = scraped(client)
    assert found[("cacheadmin_rabbitmq_up", labels(instance="default"))] == 1
    assert found[("cacheadmin_rabbitmq_alarms", labels(instance="default"))] == 0
    memory = {
        dict(names)["node"]: value
        for (name, names), value in found.items()
        if name == "cacheadmin_rabbitmq_node_memory_bytes"
    }
    assert memory and all(value > 0 for value in memory.values())
