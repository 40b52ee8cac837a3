"""Real RQ and Celery worker processes for the task tests, and the recorder of Celery's
events."""

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from rq import Queue

from cacheadmin.tasks import celery_recorder
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


CELERY = str(Path(sys.executable).parent / "celery")
ROOT = Path(__file__).resolve().parents[2]


def start_celery_worker(broker: str, name: str, queues: str, backend: str = "") -> subprocess.Popen:
    """A real Celery worker (events on) of tests.queues.celery_worker_app, in a pool of
    two threads: a solo worker answers no broadcast while a task runs."""
    return subprocess.Popen(
        [CELERY, "-A", "tests.queues.celery_worker_app", "worker", "-P", "threads", "-c", "2", "-E"]
        + ["-n", name, "-Q", queues, "--without-mingle", "--without-gossip", "-l", "warning"],
        cwd=ROOT,
        env={
            "PATH": str(Path(sys.executable).parent),
            "CELERY_TEST_BROKER": broker,
            "CELERY_TEST_BACKEND": backend,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def celery_worker(redis_server, redis_client):
    """A real Celery worker on the private Redis (broker and result backend, database 0), queue
    work, its remote control bound (the pidbox binding kombu keeps on Redis)."""
    process = start_celery_worker(redis_server.url, "w1@tests", "work", redis_server.url)
    try:
        wait_for(lambda: redis_client.exists(b"_kombu.binding.celery.pidbox"), 30)
        yield process
    finally:
        process.kill()
        process.wait()


class Recording:
    """The recorder's threads for the instance default, as the command starts them."""

    def __init__(self):
        self.said: list[str] = []
        self.stop = threading.Event()
        self.threads = celery_recorder.run(self.stop, self.said.append, names=["default"])

    def listening(self, broker: str) -> bool:
        return any(f"on {broker}: listening" in line for line in self.said)

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)
            assert not thread.is_alive()


@pytest.fixture
def recording(services, monkeypatch):
    monkeypatch.setattr(celery_recorder, "NO_EXCHANGE_WAIT", 0.2)
    started = []

    def start() -> Recording:
        started.append(Recording())
        return started[-1]

    yield start
    for recorder in started:
        recorder.close()
