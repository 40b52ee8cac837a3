"""RQ's queues, registries and workers read through the rq package, against real jobs:
run by a real worker (finished, failed), running in a real `rq worker` process
(started), scheduled, deferred and canceled; and read without a write."""

from datetime import UTC, datetime, timedelta

from rq import Queue, SimpleWorker

from cacheadmin.tasks.rq_reads import rq_job, rq_queues, rq_workers
from tests.helpers import wait_for


def test_every_registry_is_counted_and_the_busy_worker_named(redis_client, busy_worker):
    jobs = Queue("jobs", connection=redis_client)
    jobs.enqueue("builtins.len", "abc")
    jobs.enqueue("builtins.int", "not a number")  # fails
    SimpleWorker([jobs], connection=redis_client).work(burst=True)
    for _ in range(3):
        jobs.enqueue("builtins.len", "waiting")
    later = jobs.enqueue_in(timedelta(hours=1), "builtins.len", "later")
    blocker = Queue("blocked", connection=redis_client).enqueue("builtins.len", "x")
    jobs.enqueue("builtins.len", "after", depends_on=blocker)  # deferred
    jobs.enqueue("builtins.len", "never").cancel()

    def busy() -> list | None:
        workers = rq_workers(redis_client)
        return workers if workers and workers[0]["current_job"] == busy_worker.id else None

    (worker,) = wait_for(busy, 30)
    assert (worker["name"], worker["state"], worker["queues"]) == ("w-slow", "busy", ["slow"])
    assert worker["last_heartbeat"] and worker["birth"]
    queues = {row["name"]: row["counts"] for row in rq_queues(redis_client)}
    assert queues["jobs"] == {
        "queued": 3,
        "started": 0,
        "deferred": 1,
        "scheduled": 1,
        "finished": 1,
        "failed": 1,
        "canceled": 1,
    }
    assert queues["slow"]["started"] == 1 and queues["slow"]["queued"] == 0
    assert queues["blocked"]["queued"] == 1
    scheduled = rq_job(redis_client, later.id)
    assert scheduled["state"] == "scheduled" and scheduled["enqueued_at"] is None
    when = datetime.fromisoformat(scheduled["scheduled_for"]) - datetime.now(UTC)
    assert timedelta(minutes=59) < when <= timedelta(hours=1)


def test_reading_changes_nothing(redis_client):
    """An expired worker stays in RQ's set of workers: RQ's own Worker.all would drop it
    (a write); the dashboard only leaves it out."""
    redis_client.sadd("rq:workers", "rq:worker:gone")
    jobs = Queue("jobs", connection=redis_client)
    jobs.enqueue("builtins.len", "x")
    before = {key: redis_client.dump(key) for key in redis_client.scan_iter()}
    assert rq_workers(redis_client) == []
    assert [row["name"] for row in rq_queues(redis_client)] == ["jobs"]
    assert {key: redis_client.dump(key) for key in redis_client.scan_iter()} == before
