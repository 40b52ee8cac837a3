"""Celery's workers as Celery's own inspect sees them, through the instance's Redis and
its RabbitMQ, with real workers; an instance without Celery costs no wait."""

import time

import pika
import pytest
from celery import Celery

from cacheadmin.gateways import connections
from cacheadmin.tasks.celery_reads import celery_workers
from tests.helpers import wait_for
from tests.tasks.conftest import start_celery_worker

pytestmark = pytest.mark.django_db


def test_a_worker_answers_with_its_queues_and_current_task(services, redis_server, celery_worker):
    with Celery(broker=redis_server.url) as sender:
        asked_while_busy(sender)


def asked_while_busy(sender: Celery) -> None:
    brokers, workers, problems = celery_workers(instance=connections.instance())
    assert (brokers, problems) == (["Redis"], [])
    assert [worker["name"] for worker in workers] == ["w1@tests"]
    (idle,) = workers
    assert (idle["queues"], idle["state"], idle["broker"]) == (["work"], "idle", "Redis")
    task = sender.send_task("shop.slow", args=(20,), queue="work")

    def busy() -> bool:
        _, found, _ = celery_workers(instance=connections.instance())
        return bool(found) and found[0]["current_job"] == task.id

    wait_for(busy, 30)
    (working,) = celery_workers(instance=connections.instance())[1]
    assert working["state"] == "busy" and working["active"][0]["name"] == "shop.slow"


def test_without_celery_nobody_is_asked(services, settings):
    forget_celery_exchanges(settings.RABBITMQ_URL)  # another test's worker may have left them
    started = time.perf_counter()
    assert celery_workers(instance=connections.instance()) == ([], [], [])
    assert time.perf_counter() - started < 0.5  # no broadcast waited out its timeout


def test_a_worker_on_rabbitmq_answers_through_it(services, settings):
    process = start_celery_worker(settings.RABBITMQ_URL, "w2@tests", "work")
    try:
        wait_for(lambda: celery_workers(instance=connections.instance())[1], 30)
        _, workers, problems = celery_workers(instance=connections.instance())
        assert problems == []
        assert [(worker["name"], worker["broker"]) for worker in workers] == [
            ("w2@tests", "RabbitMQ")
        ]
    finally:
        process.kill()
        process.wait()
        forget_celery_exchanges(settings.RABBITMQ_URL)


def forget_celery_exchanges(url: str) -> None:
    """Celery's exchanges outlive its worker: left, the vhost would still say Celery."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        for exchange in ("celery.pidbox", "reply.celery.pidbox", "celeryev", "celery"):
            channel.exchange_delete(exchange)
    finally:
        connection.close()


def test_the_tasks_page_asks_the_celery_workers_after_it_shows(
    services, viewer_client, celery_worker
):
    page = viewer_client.get("/tasks/").content.decode()
    assert 'hx-get="/tasks/celery/workers" hx-trigger="load"' in page
    card = viewer_client.get("/tasks/celery/workers").content.decode()
    assert 'data-figure="celery-worker">w1@tests' in card and ">work<" in card
    answer = viewer_client.get("/api/workers").json()
    assert [(item["framework"], item["name"]) for item in answer["items"]] == [
        ("celery", "w1@tests")
    ]
    assert answer["problems"] == []


def test_without_celery_the_card_says_why_none_is_shown(services, settings, viewer_client):
    forget_celery_exchanges(settings.RABBITMQ_URL)  # another test's worker may have left them
    card = viewer_client.get("/tasks/celery/workers").content.decode()
    assert 'data-field="no-celery"' in card and "celery.pidbox" in card


def test_celerys_own_queues_on_redis_are_left_out_unless_asked(
    services, viewer_client, celery_worker
):
    page = viewer_client.get("/queues/").content.decode()
    # the worker's own queue, by name: the hints name `*.pidbox` (RabbitMQ's too, when
    # a worker of another test left celery's queues in the vhost)
    assert "w1@tests.celery.pidbox" not in page
    assert 'data-figure="redis-internal-hidden"' in page
    assert "w1@tests.celery.pidbox" in viewer_client.get("/queues/?internal=1").content.decode()

    answer = viewer_client.get("/api/queues", {"kind": "redis", "internal": "0"}).json()
    names = [item["name"] for item in answer["items"]]
    assert "work" in names and not any(name.endswith(".pidbox") for name in names)
    assert answer["hidden"] >= 1
    everything = viewer_client.get("/api/queues", {"kind": "redis"}).json()
    assert "w1@tests.celery.pidbox" in [item["name"] for item in everything["items"]]
    assert everything["hidden"] == 0
