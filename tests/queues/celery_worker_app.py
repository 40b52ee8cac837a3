"""The Celery app a test's real worker runs (`celery -A tests.queues.celery_worker_app
worker`): its broker from CELERY_TEST_BROKER, its result backend (if any) from
CELERY_TEST_BACKEND."""

import os
import time

from celery import Celery

app = Celery(
    "cacheadmin_worker_tests",
    broker=os.environ.get("CELERY_TEST_BROKER", "memory://"),
    backend=os.environ.get("CELERY_TEST_BACKEND") or None,
)
app.conf.result_extended = True  # the backend keeps a task's name, arguments and queue


@app.task(name="shop.slow")
def slow(seconds: float) -> None:
    time.sleep(seconds)


@app.task(name="shop.add")
def add(a: int, b: int) -> int:
    return a + b


@app.task(name="shop.needs")
def needs(path: str) -> str:
    """Fails until the file exists: a task that fails, then succeeds when sent again."""
    with open(path) as found:
        return found.read()
