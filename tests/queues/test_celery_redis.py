"""A Celery queue on Redis as its workers see it, with celery 5.7 and kombu 5.7 writing
the messages: the next tasks decoded in the order a real consumer takes them, read
without taking any, and the tasks a real worker reserved (kombu's unacked hash)."""

import subprocess
import sys
from pathlib import Path

import pytest
from celery import Celery

from cacheadmin.gateways.keycodec import encode_key
from tests.helpers import wait_for

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).parent / "celery")


@pytest.fixture
def celery_app(services, settings):
    app = Celery("cacheadmin_tests", broker=settings.REDIS_URL, set_as_current=False)
    yield app
    app.close()


def page(client, key: bytes, **params) -> str:
    answer = client.get(f"/queues/redis/{encode_key(key)}", params)
    assert answer.status_code == 200, answer.status_code
    return answer.content.decode()


def shown_ids(html: str) -> list[str]:
    return [part.split("<", 1)[0] for part in html.split('data-figure="task-id">')[1:]]


# Each test sends to a queue of its own name: kombu keeps what it declared for the
# process (in its pooled connections), so another test sending to the same queue after
# the server was emptied would not bind it again.


def test_the_next_tasks_are_decoded_in_the_order_a_consumer_takes_them(
    viewer_client, celery_app, redis_client
):
    sent = [
        celery_app.send_task("shop.mail", args=(n,), queue="mail", priority=priority).id
        for n, priority in enumerate((0, 9, 5, 0, 3, 0))
    ]
    html = page(viewer_client, b"mail", peek=5)
    shown = shown_ids(html)
    # kombu: priority steps 0, 3, 6, 9 (5 waits with 3), each list's oldest first
    assert shown == [sent[0], sent[3], sent[5], sent[2], sent[4]]
    assert html.count('data-figure="celery-next"') == 5
    assert 'data-figure="priority-0">0: 3<' in html and 'data-figure="priority-3">3: 2<' in html
    assert ">shop.mail<" in html and "(3,)" in html and "Raw message" in html
    assert redis_client.llen("mail") == 3  # nothing was taken
    with celery_app.connection_for_read() as connection:
        queue = connection.SimpleQueue("mail", no_ack=True)
        taken = [queue.get(timeout=1).headers["id"] for _ in sent]
        queue.close()
    assert taken[:5] == shown and taken[5] == sent[1]


def test_a_message_shows_its_eta_expiry_retries_parent_and_origin(viewer_client, celery_app):
    celery_app.send_task(
        "shop.add",
        args=(1,),
        queue="timed",
        countdown=90,
        expires=3600,
        retries=4,
        parent_id="p-1",
        root_id="r-1",
    )
    html = page(viewer_client, b"timed")
    assert 'data-figure="task-eta"' in html
    assert "in 1 min 29 s" in html or "in 1 min 30 s" in html
    assert 'data-figure="task-expires"' in html and "parent p-1" in html and "root r-1" in html
    assert '<td class="num">4</td>' in html and "@" in html.split("Origin")[1]


def test_hostile_names_and_arguments_stay_text(viewer_client, celery_app):
    name = '<img src=x onerror="alert(1)">'
    celery_app.send_task(
        name, args=("<script>alert(2)</script>",), kwargs={"<b>": "</td>"}, queue="hostile"
    )
    html = page(viewer_client, b"hostile")
    assert "<img src=x" not in html and "<script>alert(2)" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_a_pickle_is_named_and_garbage_is_said(viewer_client, celery_app, redis_client):
    celery_app.send_task("shop.add", args=(1,), serializer="pickle", queue="pickled")
    redis_client.lpush("pickled", b"\xff not a message")  # taken after the pickle
    html = page(viewer_client, b"pickled")
    assert "body: pickle, not read" in html and ">shop.add<" in html
    assert 'data-figure="not-a-task">not a Celery message: not UTF-8 text<' in html


@pytest.fixture
def worker(celery_app, redis_server):
    """A real Celery worker (solo pool) on the queue held."""
    process = subprocess.Popen(
        [CELERY, "-A", "tests.queues.celery_worker_app", "worker", "-P", "solo", "-Q", "held"]
        + ["--without-heartbeat", "--without-mingle", "--without-gossip", "-l", "warning"],
        cwd=ROOT,
        env={"PATH": str(Path(sys.executable).parent), "CELERY_TEST_BROKER": redis_server.url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield process
    process.kill()
    process.wait()


def test_a_real_workers_reserved_tasks_show_with_their_redelivery(
    viewer_client, celery_app, redis_client, worker
):
    late = celery_app.send_task("shop.slow", args=(0,), queue="held", countdown=7200)
    soon = celery_app.send_task("shop.slow", args=(0,), queue="held", countdown=600)
    wait_for(lambda: redis_client.hlen("unacked") == 2, 60)  # held until their ETAs
    html = page(viewer_client, b"held")
    reserved = html.split('id="reserved"')[1]
    assert reserved.count('data-figure="reserved"') == 2
    assert late.id in reserved and soon.id in reserved and "→ held" in reserved
    assert 'data-figure="reserved-count">2 reserved<' in reserved
    assert reserved.count('data-figure="eta-past-redelivery"') == 1  # 2 h > 1 h
    assert "1 h, kombu's default" in reserved
    assert 'data-figure="celery-next"' not in html  # the queue itself is empty


def test_reserved_tasks_are_paged(viewer_client, celery_app, redis_client):
    for n in range(23):
        celery_app.send_task("shop.mail", args=(n,), queue="paged")
    with celery_app.connection_for_read() as connection:  # reserves each, acks none
        queue = connection.SimpleQueue("paged", no_ack=False)
        held = [queue.get(timeout=1) for _ in range(23)]
        assert len(held) == 23 and redis_client.llen("paged") == 0
        first = page(viewer_client, b"paged")
        second = page(viewer_client, b"paged", reserved_page=2)
        queue.close()  # kombu puts the unacknowledged back
    assert redis_client.llen("paged") == 23
    assert first.count('data-figure="reserved"') == 20 and "Later →" in first
    assert second.count('data-figure="reserved"') == 3 and "← Earlier" in second
    assert 'data-figure="reserved-count">23 reserved, page 2<' in second


def test_an_unacked_key_that_is_not_kombus_is_said(viewer_client, celery_app, redis_client):
    redis_client.set("unacked", "mine")
    html = page(viewer_client, b"celery")
    assert "The key unacked is a string, not kombu&#x27;s hash." in html
    assert viewer_client.get(f"/queues/redis/{encode_key(b'celery')}?peek=0").status_code == 400
