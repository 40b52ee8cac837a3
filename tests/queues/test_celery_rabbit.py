"""Celery on RabbitMQ, with celery 5.7 sending to the tests' vhost: a peek decodes its
task messages (and puts them back), and Celery's internal queues (celeryev.*, *.pidbox)
are left out of the queue list unless asked for, the API unchanged unless asked."""

import uuid

import pika
import pytest
from celery import Celery

from tests.helpers import wait_for_statistics

pytestmark = pytest.mark.django_db


@pytest.fixture
def token() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture
def channel(services, settings):
    connection = pika.BlockingConnection(pika.URLParameters(settings.RABBITMQ_URL))
    declared: list[str] = []
    channel = connection.channel()
    channel.declared = declared
    yield channel
    for name in declared:  # the vhost is shared by the session's tests
        channel.queue_delete(name)
    connection.close()


def test_a_peek_decodes_celery_tasks_and_keeps_them(viewer_client, channel, settings, token):
    name = f"tasks-{token}"
    channel.queue_declare(name, durable=True)
    channel.declared.append(name)
    app = Celery("rabbit_tests", broker=settings.RABBITMQ_URL, set_as_current=False)
    try:
        first = app.send_task(
            '<img src=x onerror="alert(1)">', args=("<script>alert(2)</script>",), queue=name
        )
        second = app.send_task("shop.mail", args=(7,), queue=name, countdown=60, expires=600)
        app.send_task("shop.pickled", args=(1,), queue=name, serializer="pickle")
    finally:
        app.close()
    channel.basic_publish("", name, b"not a task")
    peek = viewer_client.post(
        "/queues/peek", {"vhost": channel_vhost(settings), "name": name, "count": 10}
    )
    html = peek.content.decode()
    assert peek.status_code == 200 and html.count('data-figure="celery-peeked"') == 4
    assert html.index(first.id) < html.index(second.id)  # in the queue's order
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html and "<script>alert(2)" not in html
    assert 'data-figure="task-eta"' in html and 'data-figure="task-expires"' in html
    assert "body: pickle, not read" in html and ">shop.pickled<" in html
    assert "not a Celery task message" in html and "Raw message" in html
    assert channel.queue_declare(name, passive=True).method.message_count == 4  # put back


def channel_vhost(settings) -> str:
    return pika.URLParameters(settings.RABBITMQ_URL).virtual_host


def test_celerys_internal_queues_are_left_out_unless_asked(viewer_client, channel, settings, token):
    settings.RABBITMQ_STATS_INTERVAL = 0.01
    names = (
        f"celeryev.{token}",
        f"w1@{token}.celery.pidbox",
        f"{token}.orders",
        f"{token}.Pidbox.x",
    )
    for name in names:
        channel.queue_declare(name)
        channel.declared.append(name)

    def listed(**params) -> dict | None:
        answer = viewer_client.get("/api/queues", {"name": token, **params})
        body = answer.json()
        return body if body["total"] == len(names) - (2 if params else 0) else None

    everything = wait_for_statistics(listed)  # as before: every queue, no "hidden"
    assert {row["name"] for row in everything["items"]} == set(names)
    assert "hidden" not in everything
    others = listed(internal="0")
    assert {row["name"] for row in others["items"]} == {names[2], names[3]}
    assert others["hidden"] == 2
    page = viewer_client.get("/queues/", {"name": token}).content.decode()
    assert f"{token}.orders" in page and f"celeryev.{token}" not in page
    assert 'data-figure="internal-hidden">2 of Celery\'s internal queues' in page
    shown = viewer_client.get("/queues/", {"name": token, "internal": "1"}).content.decode()
    assert f"celeryev.{token}" in shown and f"w1@{token}.celery.pidbox" in shown
    assert 'data-figure="internal-shown"' in shown
    assert viewer_client.get("/api/queues", {"internal": "yes"}).status_code == 400
