"""The task pages and operators' changes on the other kinds of Redis: behind Sentinel
the changes reach the master the sentinels name, confirmed by a replica; on a Cluster,
where RQ cannot run (its transactions span slots), the page says there is no RQ and a
change is refused plainly."""

import pytest
from celery import Celery
from rq import Queue, SimpleWorker

from cacheadmin.gateways import connections
from cacheadmin.models import AuditEntry
from cacheadmin.tasks.celery_reads import celery_workers
from tests.helpers import wait_for
from tests.tasks.conftest import start_celery_worker
from tests.tasks.test_celery_workers import forget_celery_exchanges

pytestmark = pytest.mark.django_db


def test_failed_jobs_are_requeued_on_the_sentinels_master(operator_client, sentinel_sessions):
    master = sentinel_sessions.master_client()
    jobs = Queue("jobs", connection=master)
    for number in range(12):
        jobs.enqueue("builtins.int", f"x{number}")
    SimpleWorker([jobs], connection=master).work(burst=True)
    body = {"queue": "jobs", "state": "failed"}
    answer = operator_client.post("/i/sessions/api/tasks/requeue", body, "application/json")
    assert answer.status_code == 201, answer.json()
    assert (answer.json()["status"], answer.json()["done"]) == ("done", 12)
    assert jobs.count == 12 and jobs.failed_job_registry.count == 0
    page = operator_client.get("/i/sessions/tasks/").content.decode()
    assert 'data-figure="rq-queue"' in page


def test_on_a_cluster_there_is_no_rq_and_a_change_is_refused(operator_client, cluster_keyspace):
    page = operator_client.get("/tasks/")
    assert page.status_code == 200 and "No RQ queue on this instance" in page.content.decode()
    answer = operator_client.post(
        "/api/tasks/requeue", {"queue": "jobs", "state": "failed"}, "application/json"
    )
    assert answer.status_code == 400 and "has no failed job" in answer.json()["message"]
    one = operator_client.post("/api/tasks/delete", {"id": "abc"}, "application/json")
    assert one.status_code == 404, one.json()
    assert AuditEntry.objects.get(action="tasks.delete").outcome == "failed"


def test_celery_workers_are_asked_through_the_sentinels_master(sentinel_sessions):
    master = sentinel_sessions.master_client()
    address = master.connection_pool.connection_kwargs
    url = f"redis://{address['host']}:{address['port']}/0"
    process = start_celery_worker(url, "w3@tests", "work")
    try:
        instance = connections.instance("sessions")
        wait_for(lambda: celery_workers(instance=instance)[1], 30)
        brokers, workers, problems = celery_workers(instance=instance)
        assert (brokers, problems) == (["Redis"], [])
        assert [worker["name"] for worker in workers] == ["w3@tests"]
    finally:
        process.kill()
        process.wait()


def test_on_a_cluster_no_celery_worker_is_asked(settings, cluster_keyspace):
    forget_celery_exchanges(settings.RABBITMQ_URL)
    assert celery_workers(instance=connections.instance()) == ([], [], [])


def test_a_celery_task_is_revoked_through_the_sentinels_master(operator_client, sentinel_sessions):
    master = sentinel_sessions.master_client()
    address = master.connection_pool.connection_kwargs
    url = f"redis://{address['host']}:{address['port']}/0"
    process = start_celery_worker(url, "w4@tests", "work")
    sender = Celery(broker=url)
    try:
        instance = connections.instance("sessions")
        wait_for(lambda: celery_workers(instance=instance)[1], 30)
        body = {"id": "revoked-behind-sentinel"}
        answer = operator_client.post("/i/sessions/api/tasks/revoke", body, "application/json")
        assert answer.status_code == 200, answer.json()
        inspect = sender.control.inspect(timeout=1.0)
        wait_for(lambda: body["id"] in (inspect.revoked() or {}).get("w4@tests", []), 10)
    finally:
        sender.close()
        process.kill()
        process.wait()
