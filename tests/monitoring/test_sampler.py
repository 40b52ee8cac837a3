"""The sampler's loop against real servers: every instance and every kind of queue in
one round, a hung instance that delays no other, and charts of times nobody watched."""

import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from rq import Queue

from cacheadmin.gateways.keycodec import encode_key
from cacheadmin.management.commands.sampler import SOURCES
from cacheadmin.models import Sample, SamplerLease
from cacheadmin.monitoring.figures import (
    QUEUE_CONSUMERS,
    QUEUE_READY,
    QUEUE_UNACKED,
    RQ_FAILED,
    rabbit_queue_subject,
    redis_queue_subject,
)
from cacheadmin.monitoring.sampler import Sampler, bound
from cacheadmin.tasks.figures import rq_subject
from tests.helpers import instances, wait_for

pytestmark = pytest.mark.django_db
RQ = str(Path(sys.executable).parent / "rq")


def sampler(said: list[str] | None = None) -> Sampler:
    said = [] if said is None else said
    return Sampler(SOURCES, say=said.append, complain=said.append)


def value(instance: str, figure: str, subject: str, at: int | None = None) -> float | None:
    found = Sample.objects.filter(
        series__instance=instance, series__figure=figure, series__subject=subject
    )
    if at is not None:
        found = found.filter(at=at)
    return found.order_by("-at").values_list("value", flat=True).first()


def fail_rq_jobs(url: str, client, queue: str, count: int) -> None:
    """count jobs that fail, run by a real `rq worker --burst`."""
    jobs = Queue(queue, connection=client)
    for n in range(count):
        jobs.enqueue("tests.tasks.rq_functions.needs_key", url, f"missing:{n}")
    subprocess.run([RQ, "worker", "--burst", "--url", url, queue], check=True, capture_output=True)


def test_one_round_reads_every_instance_and_every_kind_of_queue(
    services,
    settings,
    tmp_path,
    redis_server,
    redis_client,
    rabbit_admin,
    rabbit_vhost,
    viewer_client,
):
    instances(settings, tmp_path, f'[redis.second]\nurl = "{redis_server.url_for(1)}"\n')
    redis_client.rpush("queue:mail", 1, 2, 3)
    redis_client.rpush("queue:mail:processing", "x")
    redis_client.lpush("work", "a")  # a Celery queue (by kombu's binding) and a priority
    redis_client.lpush(b"work\x06\x163", "b", "c")
    redis_client.sadd("_kombu.binding.work", b"work\x06\x16\x06\x16work")
    redis_client.xadd("orders:queue", {"n": 1})
    redis_client.xgroup_create("orders:queue", "billing", id="0")
    redis_client.xreadgroup("billing", "worker-1", {"orders:queue": ">"})
    fail_rq_jobs(redis_server.url, redis_client, "high", 2)
    with redis.Redis.from_url(redis_server.url_for(1)) as second:
        second.rpush("queue:other", *range(7))
    vhost = quote(rabbit_vhost, safe="")
    rabbit_admin.put(f"queues/{vhost}/billing", {"durable": True})
    rabbit_admin.http.post(
        f"exchanges/{vhost}/amq.default/publish",
        json={
            "properties": {},
            "routing_key": "billing",
            "payload": "x",
            "payload_encoding": "string",
        },
    ).raise_for_status()

    def billing() -> bool:
        done = sampler().sample(int(time.time()))
        assert not done.failed, done.failed
        return value("default", QUEUE_READY, rabbit_queue_subject(rabbit_vhost, "billing")) == 1

    wait_for(billing, seconds=30, every=1)  # the broker's statistics lag a few seconds
    assert value("default", QUEUE_READY, redis_queue_subject(b"queue:mail")) == 3
    assert value("default", QUEUE_UNACKED, redis_queue_subject(b"queue:mail")) == 1
    assert value("default", QUEUE_READY, redis_queue_subject(b"work")) == 3  # priorities summed
    stream = redis_queue_subject(b"orders:queue")
    assert (value("default", QUEUE_UNACKED, stream), value("default", QUEUE_CONSUMERS, stream)) == (
        1,
        1,
    )
    assert value("default", QUEUE_CONSUMERS, redis_queue_subject(b"queue:mail")) is None
    assert value("default", QUEUE_READY, redis_queue_subject(b"rq:queue:high")) == 0
    assert value("default", RQ_FAILED, rq_subject("high")) == 2
    assert value("second", QUEUE_READY, redis_queue_subject(b"queue:other")) == 7
    assert value("second", RQ_FAILED, rq_subject("high")) is None  # RQ is in database 0 only
    page = viewer_client.get("/queues/q", {"vhost": rabbit_vhost, "name": "billing"})
    sampled = page.content.decode().split("Depth, sampled")[1].split("</figure>")[0]
    assert "ready <strong>1</strong>" in sampled and "No samples yet" not in sampled


def test_a_hung_instance_delays_no_other(services, settings, tmp_path, redis_client, silent_port):
    settings.REDIS_TIMEOUT = settings.RABBITMQ_TIMEOUT = 1.0
    instances(
        settings,
        tmp_path,
        f'[redis.a-hung]\nurl = "redis://127.0.0.1:{silent_port}/0"\n\n'
        f'[rabbitmq.a-hung]\namqp_url = "amqp://guest:guest@127.0.0.1:{silent_port}/"\n'
        f'management_url = "http://guest:guest@127.0.0.1:{silent_port}/"\n',
    )
    redis_client.rpush("queue:mail", 1, 2)  # a-hung is asked first: it must not matter
    done = sampler().sample(at := int(time.time()))
    healthy = done.written[("default", "redis queues")]
    slowest = max(bound(source) for source in SOURCES)
    # the healthy instance's figures are written within its own time, while the hung one
    # is still being waited for; the round ends once, not once for each hung call
    assert healthy < 0.5, done
    assert set(done.failed) == {
        ("a-hung", "redis server"),
        ("a-hung", "object cache"),
        ("a-hung", "rabbitmq broker"),
        ("a-hung", "redis queues"),
        ("a-hung", "rq failures"),
        ("a-hung", "rabbitmq queues"),
    }
    assert 1.0 <= done.seconds < slowest + 0.5, done
    assert value("default", QUEUE_READY, redis_queue_subject(b"queue:mail"), at=at) == 2
    assert value("a-hung", "redis.up", "", at=at) == 0  # sampled as down, not left out
    assert value("default", "redis.up", "", at=at) == 1


def test_the_charts_show_times_nobody_watched(
    services, settings, viewer_client, redis_server, redis_client
):
    settings.SAMPLE_SECONDS = 10
    now = int(time.time()) // 60 * 60  # the three rounds below fall in one minute
    keeper = sampler()
    redis_client.rpush("queue:mail", 1)
    fail_rq_jobs(redis_server.url, redis_client, "high", 1)
    for age in (300, 290, 280):  # rounds five minutes ago, with no page open
        redis_client.rpush("queue:mail", 1)
        fail_rq_jobs(redis_server.url, redis_client, "high", 1)
        keeper.sample(now - age)
    html = viewer_client.get(f"/queues/redis/{encode_key(b'queue:mail')}").content.decode()
    assert "No samples yet" not in html
    assert 'class="legend"' in html and "ready <strong>4</strong>" in html
    polyline = html.split('<polyline points="')[1].split('"')[0]
    assert len(polyline.split()) == 3  # one point a round
    charts = viewer_client.get("/history/rq", headers={"HX-Request": "true"}).content.decode()
    assert "<nav" not in charts  # the part the Tasks page asks for
    alone = viewer_client.get("/history/rq").content.decode()  # opened on its own: a page
    assert '<nav aria-label="Main">' in alone and 'id="rq-history"' in alone
    assert 'data-figure="rq-history-queue">high<' in charts
    assert "failed a minute <strong>2</strong>" in charts  # the two rises of that minute
    assert SamplerLease.objects.count() == 0  # charts need no sampler running: rows only
