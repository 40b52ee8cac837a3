"""Operators' changes to RQ jobs through the API and the pages, on a real Redis, with
real workers running what was requeued; viewers are refused, everything is audited."""

import pika
import pytest
from django.utils import timezone
from rq import Queue, SimpleWorker
from rq.job import Job, JobStatus

from cacheadmin.gateways.job_queue import JOBS_QUEUE, claim_row
from cacheadmin.gateways.job_worker import Worker
from cacheadmin.models import AuditEntry, TaskAction
from cacheadmin.tasks import actions
from cacheadmin.tasks.action_jobs import KIND, TaskActions, step
from tests.tasks.test_rq_writes import fail_jobs

pytestmark = pytest.mark.django_db


def post(client, action: str, **body):
    return client.post(f"/api/tasks/{action}", body, content_type="application/json")


def test_a_viewer_changes_nothing(services, viewer_client, redis_server, redis_client):
    (job,) = fail_jobs(redis_client, redis_server.url, "jobs", 1)
    for action in ("requeue", "delete", "cancel"):
        assert post(viewer_client, action, id=job.id).status_code == 403
    assert post(viewer_client, "requeue", queue="jobs", state="failed").status_code == 403
    page = viewer_client.post("/tasks/job/change", {"id": job.id, "action": "delete"})
    assert page.status_code == 403
    assert Queue("jobs", connection=redis_client).failed_job_registry.get_job_ids() == [job.id]
    assert not TaskAction.objects.exists()
    assert AuditEntry.objects.filter(action="access.forbidden").count() == 5


def test_a_requeued_job_is_run_again_by_a_worker(
    services, operator_client, redis_server, redis_client
):
    (job,) = fail_jobs(redis_client, redis_server.url, "jobs", 1)
    answer = post(operator_client, "requeue", id=job.id)
    assert answer.status_code == 200
    assert answer.json() | {"id": 0} == answer.json() | {
        "id": 0,
        "action": "requeue",
        "job_id": job.id,
        "status": "done",
        "done": 1,
    }
    redis_client.set("ready", "now")
    SimpleWorker([Queue("jobs", connection=redis_client)], connection=redis_client).work(burst=True)
    assert Job.fetch(job.id, connection=redis_client).get_status() == JobStatus.FINISHED
    entry = AuditEntry.objects.get(action="tasks.requeue")
    assert (entry.target, entry.count, entry.outcome) == (f"job {job.id}", 1, "ok")


def test_a_job_not_failed_is_not_requeued_and_the_refusal_is_audited(
    services, operator_client, redis_client
):
    job = Queue("jobs", connection=redis_client).enqueue("builtins.int", "1")
    answer = post(operator_client, "requeue", id=job.id)
    assert (
        answer.status_code == 400 and "not in its queue's failed jobs" in answer.json()["message"]
    )
    assert post(operator_client, "requeue", id="no-such-job").status_code == 404
    entries = AuditEntry.objects.filter(action="tasks.requeue")
    assert {entry.outcome for entry in entries} == {"failed"} and entries.count() == 2


def test_cancel_and_delete_one_job(services, operator_client, redis_client):
    jobs = Queue("jobs", connection=redis_client)
    waiting, other = jobs.enqueue("builtins.int", "1"), jobs.enqueue("builtins.int", "2")
    assert post(operator_client, "cancel", id=waiting.id).json()["status"] == "done"
    assert jobs.canceled_job_registry.get_job_ids() == [waiting.id]
    assert post(operator_client, "delete", id=other.id).json()["status"] == "done"
    assert jobs.job_ids == [] and not redis_client.exists(other.key)


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("requeue", {}, "__all__"),
        ("requeue", {"id": "a", "queue": "q", "state": "failed"}, "__all__"),
        ("requeue", {"id": "<script>"}, "id"),
        ("requeue", {"queue": "q", "state": "started"}, "state"),
        ("cancel", {"queue": "q", "state": "failed"}, "queue"),
        ("delete", {"id": 7}, "id"),
    ],
)
def test_what_is_not_one_job_or_a_queues_failed_jobs_is_a_clear_400(
    services, operator_client, action, body, field
):
    answer = post(operator_client, action, **body)
    assert answer.status_code == 400 and field in answer.json()["fields"]


def test_a_queues_failed_jobs_preview_confirm_and_requeue(
    services, settings, operator_client, redis_server, redis_client
):
    settings.INVALIDATION_CONFIRM_THRESHOLD = 10
    fail_jobs(redis_client, redis_server.url, "jobs", 25)
    preview = post(operator_client, "requeue", queue="jobs", state="failed", dry_run=True)
    assert preview.json() == {"queue": "jobs", "estimate": 25, "threshold": 10, "dry_run": True}
    unconfirmed = post(operator_client, "requeue", queue="jobs", state="failed", confirm="job")
    assert unconfirmed.status_code == 400 and "25 failed jobs" in unconfirmed.json()["message"]
    jobs = Queue("jobs", connection=redis_client)
    assert jobs.count == 0 and jobs.failed_job_registry.count == 25
    started = post(operator_client, "requeue", queue="jobs", state="failed", confirm="jobs")
    assert started.status_code == 201
    assert (started.json()["status"], started.json()["done"]) == ("done", 25)
    assert jobs.count == 25 and jobs.failed_job_registry.count == 0
    entry = AuditEntry.objects.get(action="tasks.requeue")
    assert (entry.target, entry.count) == ("failed jobs of jobs", 25)
    empty = post(operator_client, "delete", queue="jobs", state="failed")
    assert empty.status_code == 400 and "has no failed job" in empty.json()["message"]


def test_a_large_set_is_run_by_the_worker_and_followed(
    services, monkeypatch, operator_client, redis_server, redis_client
):
    monkeypatch.setattr(actions, "AT_ONCE_LIMIT", 20)
    made = fail_jobs(redis_client, redis_server.url, "jobs", 250)
    started = post(operator_client, "delete", queue="jobs", state="failed")
    assert started.status_code == 201 and started.json()["status"] == "queued"
    action_id = started.json()["id"]
    page = operator_client.get(f"/tasks/actions/{action_id}")
    assert page.status_code == 200 and 'hx-trigger="every 1s"' in page.content.decode()
    said = []
    Worker(kinds={KIND: TaskActions()}, say=said.append, complain=said.append).run(once=True)
    state = operator_client.get(f"/api/tasks/actions/{action_id}").json()
    assert (state["status"], state["done"], state["estimate"]) == ("done", 250, 250)
    assert not any(redis_client.exists(job.key) for job in made)
    assert f"Task action {action_id}: done, 250 jobs" in said
    done_page = operator_client.get(f"/tasks/actions/{action_id}").content.decode()
    assert 'hx-trigger="every 1s"' not in done_page and 'data-field="done">250' in done_page


def test_a_stopped_action_keeps_its_count_and_says_who_stopped_it(
    services, monkeypatch, operator, operator_client, redis_server, redis_client, settings
):
    monkeypatch.setattr(actions, "AT_ONCE_LIMIT", 20)
    fail_jobs(redis_client, redis_server.url, "jobs", 30)
    action_id = post(operator_client, "requeue", queue="jobs", state="failed").json()["id"]
    stopped = operator_client.post(f"/api/tasks/actions/{action_id}/cancel")
    assert stopped.json()["status"] == "cancelled"
    Worker(kinds={KIND: TaskActions()}, say=print, complain=print).run(once=True)
    assert Queue("jobs", connection=redis_client).failed_job_registry.count == 30
    entry = AuditEntry.objects.get(action="tasks.cancel-action")
    assert entry.username == operator.username and entry.count == 0
    connection = pika.BlockingConnection(pika.URLParameters(settings.RABBITMQ_URL))
    try:  # the worker took the stopped action's message and let it go
        waiting = connection.channel().queue_declare(JOBS_QUEUE, passive=True)
        assert waiting.method.message_count == 0
    finally:
        connection.close()


def test_only_an_operator_is_offered_the_changes(
    services, viewer_client, operator_client, redis_server, redis_client
):
    (job,) = fail_jobs(redis_client, redis_server.url, "jobs", 1)
    for client, offered in ((viewer_client, False), (operator_client, True)):
        listed = client.get("/tasks/jobs", {"queue": "jobs", "state": "failed"}).content
        one = client.get("/tasks/job", {"id": job.id}).content
        assert (b'data-field="failed-actions"' in listed) is offered
        assert (b'data-field="job-actions"' in one) is offered
    assert viewer_client.get("/tasks/failed/change", {"queue": "jobs"}).status_code == 403


def test_an_action_whose_worker_died_is_taken_over_from_the_registry(
    services, monkeypatch, operator_client, redis_server, redis_client
):
    monkeypatch.setattr(actions, "AT_ONCE_LIMIT", 20)
    fail_jobs(redis_client, redis_server.url, "jobs", 150)
    action_id = post(operator_client, "requeue", queue="jobs", state="failed").json()["id"]
    claimed = claim_row(TaskAction, action_id, "dead-worker").job
    assert step(claimed) == (True, None)  # one batch of 100, then the worker dies
    TaskAction.objects.filter(id=action_id).update(lease_until=timezone.now())
    Worker(kinds={KIND: TaskActions()}, say=print, complain=print).run(once=True)
    row = TaskAction.objects.get(id=action_id)
    assert (row.status, row.done, row.attempts) == ("done", 150, 2)
    assert Queue("jobs", connection=redis_client).count == 150
