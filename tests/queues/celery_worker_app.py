"""The Celery app a test's real worker runs (`celery -A tests.queues.celery_worker_app
worker`): its broker from CELERY_TEST_BROKER."""

import os
import time

from celery import Celery

app = Celery("cacheadmin_worker_tests", broker=os.environ.get("CELERY_TEST_BROKER", "memory://"))


@app.task(name="shop.slow")
def slow(seconds: float) -> None:
    time.sleep(seconds)
