"""The Celery app of the event tests' real workers (`celery -A tests.tasks.celery_events_app
worker -E`): its broker from CELERY_TEST_BROKER. Senders send task-sent events, so the
recorder learns each task's queue."""

import os

from celery import Celery

app = Celery("cacheadmin_event_tests", broker=os.environ.get("CELERY_TEST_BROKER", "memory://"))
app.conf.task_send_sent_event = True  # the worker's own retries send one too


@app.task(name="events.add")
def add(a: int, b: int) -> int:
    return a + b


@app.task(name="events.boom")
def boom(text: str) -> None:
    raise ValueError(text)


@app.task(name="events.flaky", bind=True, max_retries=5)
def flaky(self, times: int) -> str:
    """Retried `times` times (at once), then succeeds."""
    if self.request.retries < times:
        raise self.retry(countdown=0, exc=RuntimeError(f"try {self.request.retries}"))
    return "done"
