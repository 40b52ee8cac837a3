"""RQ's failed jobs, newest first, paged on the server: real failures by a real worker,
10,000 failed jobs, and a job whose stored result is a hostile pickle."""

import pickle
import time

from rq import Queue, SimpleWorker

from cacheadmin.tasks.rq_reads import failed_jobs


def test_failed_jobs_come_newest_first_with_their_exception(redis_client):
    """RQ orders its failed registry to the second: ten jobs fail, then a second later
    55 more; the page is newest first."""
    jobs = Queue("jobs", connection=redis_client)
    worker = SimpleWorker([jobs], connection=redis_client)
    for batch, count in (("early", 10), ("late", 55)):
        for number in range(count):
            jobs.enqueue("builtins.int", f"{batch} {number}")
        worker.work(burst=True)
        time.sleep(1.1)
    first = failed_jobs(redis_client, "jobs", page=1)
    assert (first["total"], first["pages"], len(first["items"])) == (65, 2, 50)
    newest = first["items"][0]  # of the 55 that failed within one second: RQ scores to
    # the second, so which 50 of them page 1 holds is RQ's order of ids among equals
    number = newest["call"].removeprefix("builtins.int('late ").removesuffix("')")
    assert newest["error"] == f"ValueError: invalid literal for int() with base 10: 'late {number}'"
    assert newest["name"] == "builtins.int" and newest["state"] == "failed"
    ended = [item["ended_at"] for item in first["items"]]
    assert ended == sorted(ended, reverse=True)
    assert all("late" in item["call"] for item in first["items"])
    second = [item["call"] for item in failed_jobs(redis_client, "jobs", page=2)["items"]]
    assert ["late" in call for call in second] == [True] * 5 + [False] * 10


def test_ten_thousand_failed_jobs_page_fast(redis_client):
    jobs = Queue("bulk", connection=redis_client)
    registry = jobs.failed_job_registry
    with redis_client.pipeline() as pipe:
        datas = [Queue.prepare_data("builtins.int", (f"x{n}",)) for n in range(10_000)]
        made = jobs.enqueue_many(datas, pipeline=pipe)
        pipe.execute()
    for start in range(0, 10_000, 1000):
        with redis_client.pipeline() as pipe:
            for job in made[start : start + 1000]:
                registry.add(job, pipeline=pipe)
            pipe.execute()
    timings = []
    for page in (1, 100, 200):
        started = time.perf_counter()
        found = failed_jobs(redis_client, "bulk", page=page)
        timings.append(time.perf_counter() - started)
        assert found["total"] == 10_000 and len(found["items"]) == 50
    assert max(timings) < 0.1, timings
    assert {item["id"] for item in found["items"]} <= {job.id for job in made}


class Planted:
    """What an attacker who can write to Redis would plant: unpickled, it writes a file."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_a_hostile_pickle_in_a_job_is_never_run(redis_client, tmp_path):
    jobs = Queue("jobs", connection=redis_client)
    job = jobs.enqueue("builtins.int", "not a number")
    SimpleWorker([jobs], connection=redis_client).work(burst=True)
    marker = tmp_path / "ran"
    redis_client.hset(job.key, "result", pickle.dumps(Planted(str(marker))))
    redis_client.hset(job.key, "data", pickle.dumps(Planted(str(marker))))
    (row,) = failed_jobs(redis_client, "jobs", page=1)["items"]
    assert row["id"] == job.id and row["error"].startswith("ValueError")
    assert not marker.exists()
