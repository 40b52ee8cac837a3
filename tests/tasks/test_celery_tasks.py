"""A Celery task as its result backend keeps it, retried and revoked by an operator
through the broker its real worker listens on; a viewer changes nothing."""

import json

import pytest
from celery import Celery

from cacheadmin.models import AuditEntry
from tests.helpers import wait_for

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def sender(redis_server):
    app = Celery(broker=redis_server.url, backend=redis_server.url)
    yield app
    app.close()


def failed_task(sender, redis_client, path: str) -> str:
    task = sender.send_task("shop.needs", args=(path,), queue="work")
    key = f"celery-task-meta-{task.id}"
    wait_for(lambda: b'"FAILURE"' in (redis_client.get(key) or b""), 30)
    return task.id


def test_a_failed_task_is_shown_and_sent_again_by_an_operator(
    services, operator_client, redis_client, celery_worker, sender, tmp_path
):
    path = tmp_path / HOSTILE.replace("/", "")
    old = failed_task(sender, redis_client, str(path))
    page = operator_client.get("/tasks/job", {"framework": "celery", "id": old})
    html = page.content.decode()
    assert page.status_code == 200 and "<script>alert" not in html
    assert 'data-figure="name">shop.needs<' in html and "FileNotFoundError" in html
    assert 'data-field="task-actions"' in html and 'value="retry"' in html
    path.write_text("found")
    sent = operator_client.post("/api/tasks/retry", {"id": old}, "application/json")
    assert sent.status_code == 201, sent.json()
    new = sent.json()["new_id"]
    key = f"celery-task-meta-{new}"
    wait_for(lambda: b'"SUCCESS"' in (redis_client.get(key) or b""), 30)
    meta = json.loads(redis_client.get(key))
    assert (meta["result"], meta["parent_id"], meta["args"]) == ("found", old, [str(path)])
    entry = AuditEntry.objects.get(action="tasks.retry")
    assert entry.target == f"task {old}: sent again as {new}" and entry.outcome == "ok"
    answer = operator_client.get(f"/api/tasks/{new}", {"framework": "celery"}).json()
    assert (answer["state"], answer["parent_id"], answer["framework"]) == (
        "succeeded",
        old,
        "celery",
    )
    assert answer["backend_state"] == "SUCCESS" and answer["kept"] is True


def test_a_revoked_task_is_known_to_the_worker(services, operator_client, celery_worker, sender):
    later = sender.send_task("shop.add", args=(1, 2), queue="work", countdown=3600)
    assert operator_client.post(
        "/api/tasks/revoke", {"id": later.id}, "application/json"
    ).json() == {
        "id": later.id,
        "status": "revoked",
    }
    inspect = sender.control.inspect(timeout=1.0)
    wait_for(lambda: later.id in (inspect.revoked() or {}).get("w1@tests", []), 10)
    assert AuditEntry.objects.get(action="tasks.revoke").target == f"task {later.id}"


def test_a_viewer_cannot_retry_or_revoke(
    services, viewer_client, redis_client, celery_worker, sender, tmp_path
):
    old = failed_task(sender, redis_client, str(tmp_path / "missing"))
    html = viewer_client.get("/tasks/job", {"framework": "celery", "id": old}).content.decode()
    assert 'data-field="task-actions"' not in html
    for action in ("retry", "revoke"):
        answer = viewer_client.post(f"/api/tasks/{action}", {"id": old}, "application/json")
        assert answer.status_code == 403
    page = viewer_client.post("/tasks/celery/change", {"id": old, "action": "retry"})
    assert page.status_code == 403
    assert not AuditEntry.objects.filter(action__startswith="tasks.").exists()


def test_a_result_without_its_arguments_cannot_be_sent_again(
    services, operator_client, redis_client, celery_worker
):
    meta = {"status": "FAILURE", "result": {"exc_type": "KeyError", "exc_message": ["x"]}}
    redis_client.set("celery-task-meta-plain", json.dumps(meta))
    html = operator_client.get("/tasks/job", {"framework": "celery", "id": "plain"}).content
    assert b"result_extended = True" in html and b'value="retry"' not in html
    answer = operator_client.post("/api/tasks/retry", {"id": "plain"}, "application/json")
    assert answer.status_code == 400 and "result_extended" in answer.json()["message"]
    assert AuditEntry.objects.get(action="tasks.retry").outcome == "failed"


def test_a_pickled_result_is_named_not_read(services, viewer_client, redis_client):
    redis_client.set("celery-task-meta-pickled", b"\x80\x04\x95 not json")
    html = viewer_client.get("/tasks/job", {"framework": "celery", "id": "pickled"}).content
    assert b'data-field="unreadable"' in html and b"not JSON" in html
    missing = viewer_client.get("/tasks/job", {"framework": "celery", "id": "nothing"})
    assert missing.status_code == 404 and b'data-field="no-result"' in missing.content
