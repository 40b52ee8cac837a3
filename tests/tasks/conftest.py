"""A real RQ worker process for the task tests."""

import subprocess
import sys
from pathlib import Path

import pytest
from rq import Queue

from cacheadmin.tasks.rq_reads import rq_workers
from tests.helpers import wait_for

RQ = str(Path(sys.executable).parent / "rq")


@pytest.fixture
def busy_worker(redis_server, redis_client):
    """A real `rq worker` process, working on a job that sleeps for 30 s."""
    slow = Queue("slow", connection=redis_client)
    job = slow.enqueue("time.sleep", 30, job_timeout=60)
    worker = subprocess.Popen(
        # a SimpleWorker runs the job itself, not in a forked work horse that would
        # outlive the worker when it is killed
        [RQ, "worker", "-w", "rq.worker.SimpleWorker", "--url", redis_server.url]
        + ["--name", "w-slow", "slow"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: _working_on(redis_client, job.id), 30)
        yield job
    finally:
        worker.kill()
        worker.wait()


def _working_on(client, job_id: str) -> bool:
    return any(worker["current_job"] == job_id for worker in rq_workers(client))
