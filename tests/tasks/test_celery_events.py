"""Celery's events recorded by the dashboard: real workers (`-P solo -E`) on the private
Redis and on the test vhost run tasks that succeed, fail and retry; the recorder (its
threads, as `manage.py celery_events` runs them) keeps their states; the API lists them
newest first, filtered and paged; a new recorder keeps what the last one wrote; and a
worker with events off makes the Tasks page say how to turn them on."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery

from cacheadmin.models import CeleryTask, CeleryWorkerBeat
from cacheadmin.tasks.celery_charts import failures_a_minute
from cacheadmin.tasks.celery_events import task_history, tasks_page
from tests.helpers import wait_for
from tests.tasks.test_celery_workers import forget_celery_exchanges

pytestmark = pytest.mark.django_db(transaction=True)

CELERY = str(Path(sys.executable).parent / "celery")
ROOT = Path(__file__).resolve().parents[2]
HOSTILE = '<script>alert("x")</script>\u202e\x00 & done'


def start_worker(broker: str, name: str, logs: Path, *, events: bool = True) -> subprocess.Popen:
    """A real solo worker of tests.tasks.celery_events_app on queue work (events on
    unless told), its log in logs."""
    command = [CELERY, "-A", "tests.tasks.celery_events_app", "worker", "-P", "solo", "-n", name]
    command += ["-Q", "work", "--without-mingle", "--without-gossip", "-l", "warning"]
    command += ["-E"] if events else []
    with open(logs / f"{name}.log", "wb") as log:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env={"PATH": str(Path(sys.executable).parent), "CELERY_TEST_BROKER": broker},
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stopped(process: subprocess.Popen) -> None:
    process.kill()
    process.wait()


def send(broker: str, tasks: list[tuple[str, tuple, str]]) -> list[str]:
    """Send tasks (name, args, queue) with task-sent events, as an application would;
    their ids. The connection is closed after: a test that drops a vhost's connections
    must find only its own."""
    app = Celery("cacheadmin_event_test_sender", broker=broker, set_as_current=False)
    app.conf.task_send_sent_event = True
    # A connection of its own: the app's pool is kombu's, shared by URL, and outlives it.
    with app.connection_for_write() as connection:
        return [
            app.send_task(name, args=args, queue=queue, connection=connection).id
            for name, args, queue in tasks
        ]


def states() -> dict[str, str]:
    return dict(CeleryTask.objects.values_list("task_id", "state"))


def send_mix(broker: str) -> dict[str, str]:
    """Tasks that succeed, fail, retry twice then succeed, and one no worker takes; the
    states they end in, by id."""
    tasks = [("events.add", (number, 1), "work") for number in range(3)]
    tasks += [("events.boom", (HOSTILE,), "work"), ("events.flaky", (2,), "work")]
    tasks += [("events.add", (1, 1), "nobody")]
    ended = ["succeeded"] * 3 + ["failed", "succeeded", "sent"]
    return dict(zip(send(broker, tasks), ended, strict=True))


def test_tasks_on_redis_are_recorded_listed_and_outlive_the_recorder(
    recording, redis_server, viewer_client, tmp_path
):
    recorder = recording()
    wait_for(lambda: recorder.listening("redis"), 30)
    worker = start_worker(redis_server.url, "ev1@tests", tmp_path)
    try:
        wait_for(lambda: CeleryWorkerBeat.objects.filter(hostname="ev1@tests").exists(), 30)
        ended = send_mix(redis_server.url)
        wait_for(lambda: states() == ended, 30)
        flaky = next(id for id, task in _names().items() if task == "events.flaky")
        assert CeleryTask.objects.get(task_id=flaky).retries == 2

        listed = viewer_client.get("/api/tasks", {"framework": "celery"}).json()
        assert (listed["page"], listed["pages"], listed["total"]) == (1, 1, 6)
        assert {item["id"] for item in listed["items"]} == set(ended)
        times = [CeleryTask.objects.get(task_id=item["id"]).event_at for item in listed["items"]]
        assert times == sorted(times, reverse=True)  # newest first
        (failed,) = viewer_client.get(
            "/api/tasks", {"framework": "celery", "state": "failed"}
        ).json()["items"]
        assert failed["name"] == "events.boom" and failed["queue"] == "work"
        assert (
            failed["error"].startswith("ValueError: ") and '<script>alert("x")' in failed["error"]
        )
        assert failed["worker"] == "ev1@tests" and failed["ended_at"] and failed["started_at"]
        (waiting,) = viewer_client.get(
            "/api/tasks", {"framework": "celery", "queue": "nobody"}
        ).json()["items"]
        assert (waiting["state"], waiting["worker"], waiting["started_at"]) == ("sent", None, None)
        wrong = viewer_client.get("/api/tasks", {"framework": "celery", "state": "lost"})
        assert wrong.status_code == 400

        two = tasks_page(instance="default", queue="work", page=3, page_size=2)
        assert (two["pages"], two["total"], len(two["items"])) == (3, 5, 1)

        history = [event["type"] for event in task_history("default", flaky)["events"]]
        assert history.count("task-retried") == 2 and history[-1] == "task-succeeded"
        assert history.count("task-received") == 3
        failed, retried = failures_a_minute("default", now=time.time(), span=3600)
        assert sum(count for _, count in failed) == 1  # events.boom
        assert sum(count for _, count in retried) == 2  # events.flaky, twice
        assert len(failed) in (60, 61) and all(at % 60 == 0 for at, _ in failed)

        card = viewer_client.get("/tasks/celery/events").content.decode()
        assert 'data-field="events-off"' not in card
        assert "&lt;script&gt;alert(&quot;x&quot;)" in card and '<script>alert("x")' not in card
        assert 'data-figure="celery-heartbeat">ev1@tests' in card
        assert 'data-figure="celery-failures"' in card and "Failed and retried a minute" in card

        recorder.close()  # a new recorder: what was recorded stays, and it goes on
        again = recording()
        wait_for(lambda: again.listening("redis"), 30)
        assert states() == ended
        (later,) = send(redis_server.url, [("events.add", (5, 5), "work")])
        wait_for(lambda: states().get(later) == "succeeded", 30)
        assert viewer_client.get("/api/tasks", {"framework": "celery"}).json()["total"] == 7
    finally:
        stopped(worker)


def _names() -> dict[str, str]:
    return dict(CeleryTask.objects.values_list("task_id", "name"))


def test_tasks_on_rabbitmq_are_recorded(recording, settings, viewer_client, tmp_path):
    worker = start_worker(settings.RABBITMQ_URL, "ev2@tests", tmp_path)
    recorder = recording()
    try:
        wait_for(lambda: recorder.listening("rabbitmq"), 30)
        wait_for(lambda: CeleryWorkerBeat.objects.filter(hostname="ev2@tests").exists(), 30)
        ended = send_mix(settings.RABBITMQ_URL)
        wait_for(lambda: states() == ended, 30)
        answer = viewer_client.get("/api/tasks", {"framework": "celery", "state": "succeeded"})
        succeeded = answer.json()["items"]
        assert len(succeeded) == 4 and {item["worker"] for item in succeeded} == {"ev2@tests"}
        assert max(item["retries"] for item in succeeded) == 2
    finally:
        stopped(worker)
        recorder.close()
        forget_celery_exchanges(settings.RABBITMQ_URL)


def test_with_events_off_the_page_says_how_to_turn_them_on(
    recording, redis_server, redis_client, viewer_client, tmp_path
):
    recorder = recording()
    wait_for(lambda: recorder.listening("redis"), 30)
    worker = start_worker(redis_server.url, "quiet@tests", tmp_path, events=False)
    try:
        wait_for(lambda: redis_client.exists(b"_kombu.binding.celery.pidbox"), 30)
        card = viewer_client.get("/tasks/celery/events").content.decode()
        assert 'data-field="events-off"' in card
        assert "celery -A app worker -E" in card and "control enable_events" in card
        assert CeleryTask.objects.count() == CeleryWorkerBeat.objects.count() == 0
    finally:
        stopped(worker)


def test_a_task_is_told_by_its_backend_record_and_its_events(
    recording, redis_server, redis_client, celery_worker, viewer_client
):
    recorder = recording()
    wait_for(lambda: recorder.listening("redis"), 30)
    sender = Celery(broker=redis_server.url, backend=redis_server.url, set_as_current=False)
    try:
        task_id = sender.send_task("shop.add", args=(2, 3), queue="work").id
    finally:
        sender.close()
    wait_for(lambda: states().get(task_id) == "succeeded", 30)
    key = f"celery-task-meta-{task_id}"
    assert redis_client.exists(key)

    both = viewer_client.get(f"/api/tasks/{task_id}", {"framework": "celery"}).json()
    assert (both["kept"], both["recorded"]) == (True, True)
    assert (both["state"], both["backend_state"], both["result"]) == ("succeeded", "SUCCESS", "5")
    kinds = [event["type"] for event in both["events"]]
    assert kinds == ["task-received", "task-started", "task-succeeded"]
    assert both["worker"] and both["started_at"] and both["runtime"] is not None

    redis_client.delete(key)  # the result expired: the events still tell the task
    events_only = viewer_client.get(f"/api/tasks/{task_id}", {"framework": "celery"}).json()
    assert (events_only["kept"], events_only["recorded"]) == (False, True)
    assert (events_only["state"], events_only["name"]) == ("succeeded", "shop.add")
    assert events_only["retryable"] is False and events_only["events"] == both["events"]
    page = viewer_client.get("/tasks/job", {"framework": "celery", "id": task_id})
    html = page.content.decode()
    assert page.status_code == 200 and 'data-field="events-only"' in html
    assert 'data-field="events"' in html and "task-started" in html

    wait_for(lambda: CeleryWorkerBeat.objects.filter(hostname="w1@tests").exists(), 30)

    def celery_worker_listed() -> dict | None:
        # Each ask is a broadcast a loaded machine may not carry within the inspect
        # timeout (then no item, or a 503): asked until the worker answers one.
        answer = viewer_client.get("/api/workers")
        items = answer.json().get("items", []) if answer.status_code == 200 else []
        return next((item for item in items if item["framework"] == "celery"), None)

    worker = wait_for(celery_worker_listed, 30)
    assert worker["name"] == "w1@tests" and worker["last_heartbeat"]  # as recorded

    unknown = viewer_client.get("/api/tasks/no-such-task", {"framework": "celery"})
    assert unknown.status_code == 404
    assert viewer_client.get("/tasks/job", {"framework": "celery", "id": "x"}).status_code == 404
