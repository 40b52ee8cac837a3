"""Changes to RQ's jobs through RQ's package, on a real Redis with a real worker:
requeued jobs run again, canceled and deleted jobs leave, and a job's pickled meta is
left byte for byte as the application wrote it."""

import pickle
from datetime import UTC, datetime

import pytest
from rq import Queue, SimpleWorker
from rq.job import Job, JobStatus

from cacheadmin.tasks.rq_writes import (
    BatchOutcome,
    FailedSet,
    Refused,
    cancel_one,
    delete_one,
    failed_batch,
    failed_set,
    requeue_one,
)
from tests.tasks.test_failed_jobs import Planted


def fail_jobs(client, url: str, queue: str, count: int, key: str = "ready") -> list[Job]:
    jobs = Queue(queue, connection=client)
    made = [jobs.enqueue("tests.tasks.rq_functions.needs_key", url, key) for _ in range(count)]
    SimpleWorker([jobs], connection=client).work(burst=True)
    return made


def test_a_requeued_job_runs_again_and_its_meta_is_left_as_it_was(
    redis_server, redis_client, tmp_path
):
    (job,) = fail_jobs(redis_client, redis_server.url, "jobs", 1)
    planted = pickle.dumps(Planted(str(tmp_path / "ran")))
    redis_client.hset(job.key, "meta", planted)
    requeue_one(redis_client, job.id)
    jobs = Queue("jobs", connection=redis_client)
    assert jobs.job_ids == [job.id] and jobs.failed_job_registry.count == 0
    assert redis_client.hget(job.key, "meta") == planted
    redis_client.set("ready", "yes")
    redis_client.hdel(job.key, "meta")  # the worker would unpickle it: it is ours to run
    SimpleWorker([jobs], connection=redis_client).work(burst=True)
    assert Job.fetch(job.id, connection=redis_client).get_status() == JobStatus.FINISHED
    assert not (tmp_path / "ran").exists()


def test_only_a_failed_job_is_requeued(redis_client):
    job = Queue("jobs", connection=redis_client).enqueue("builtins.int", "1")
    with pytest.raises(Refused, match="not in its queue's failed jobs"):
        requeue_one(redis_client, job.id)


def test_a_waiting_job_is_canceled_and_a_failed_one_is_not(redis_server, redis_client):
    waiting = Queue("jobs", connection=redis_client).enqueue("builtins.int", "1")
    cancel_one(redis_client, waiting.id)
    jobs = Queue("jobs", connection=redis_client)
    assert jobs.job_ids == [] and jobs.canceled_job_registry.get_job_ids() == [waiting.id]
    (failed,) = fail_jobs(redis_client, redis_server.url, "other", 1)
    with pytest.raises(Refused, match="is failed: only a waiting job can be canceled"):
        cancel_one(redis_client, failed.id)


def test_a_deleted_job_is_gone_from_its_registry(redis_server, redis_client):
    (failed,) = fail_jobs(redis_client, redis_server.url, "jobs", 1)
    delete_one(redis_client, failed.id)
    assert not redis_client.exists(failed.key)
    assert Queue("jobs", connection=redis_client).failed_job_registry.count == 0


def test_a_running_job_is_not_deleted(redis_client, busy_worker):
    with pytest.raises(Refused, match="is running"):
        delete_one(redis_client, busy_worker.id)
    assert redis_client.exists(busy_worker.key)


def test_every_failed_job_up_to_the_cutoff_is_requeued_once(redis_server, redis_client):
    fail_jobs(redis_client, redis_server.url, "jobs", 250)
    expired = fail_jobs(redis_client, redis_server.url, "jobs", 1)[0]
    redis_client.delete(expired.key)  # its data expired; its id stays in the registry
    start = failed_set(redis_client, "jobs")
    assert start.count == 251 and start.cutoff is not None
    began = datetime.now(UTC)
    outcomes = [requeue_batch(redis_client, start, began) for _ in range(3)]
    assert sum(outcome.handled for outcome in outcomes) == 250
    assert sum(outcome.expired for outcome in outcomes) == 1
    jobs = Queue("jobs", connection=redis_client)
    assert jobs.count == 250 and jobs.failed_job_registry.count == 0
    SimpleWorker([jobs], connection=redis_client).work(burst=True)  # they fail again
    assert jobs.failed_job_registry.count == 250
    again = requeue_batch(redis_client, start, began)  # RQ scores to the second: these
    assert (again.handled, again.skipped) == (0, again.seen)  # may share the cutoff's


def requeue_batch(client, start: FailedSet, began: datetime, skip: int = 0) -> BatchOutcome:
    return failed_batch(
        client, "jobs", "requeue", cutoff=start.cutoff, since=began, skip=skip, count=100
    )


def test_every_failed_job_is_deleted(redis_server, redis_client):
    made = fail_jobs(redis_client, redis_server.url, "jobs", 30)
    start = failed_set(redis_client, "jobs")
    outcome = failed_batch(
        redis_client,
        "jobs",
        "delete",
        cutoff=start.cutoff,
        since=datetime.now(UTC),
        skip=0,
        count=100,
    )
    assert (outcome.handled, outcome.seen) == (30, 30)
    assert not any(redis_client.exists(job.key) for job in made)
    assert Queue("jobs", connection=redis_client).failed_job_registry.count == 0
