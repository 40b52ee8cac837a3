"""Task frameworks' failures as sampled figures: Celery's tasks failed and retried in
the last whole minute, counted from the events the recorder keeps, exported."""

import time

import pytest

from cacheadmin.models import Sample
from cacheadmin.tasks.celery_event_store import record
from tests.monitoring.test_metrics import labels, scraped
from tests.monitoring.test_sampler import sampler

pytestmark = pytest.mark.django_db


def task_events(task_id: str, at: float, *kinds: str) -> list[dict]:
    """A task's events as a worker sends them (`celery worker -E`), a second apart."""
    return [
        {"type": f"task-{kind}", "uuid": task_id, "timestamp": at + n, "hostname": "w@h"}
        for n, kind in enumerate(kinds)
    ]


def test_celery_failures_and_retries_of_the_last_minute_are_sampled_and_exported(
    services, client, settings
):
    settings.METRICS_ALLOW = ["127.0.0.0/8"]
    if time.time() % 60 > 50:  # the events must stay in the last whole minute until read
        time.sleep(61 - time.time() % 60)
    last_minute = (int(time.time()) // 60 - 1) * 60
    events = [
        *task_events("a", last_minute + 1, "received", "started", "retried", "retried", "failed"),
        *task_events("b", last_minute + 10, "received", "started", "failed"),
        *task_events("c", last_minute + 20, "received", "started", "succeeded"),
        *task_events("d", last_minute - 30, "received", "started", "failed"),  # before
    ]
    record("default", events)
    done = sampler().sample(int(time.time()))
    assert ("default", "celery failures") in done.written, done.failed
    sampled = dict(
        Sample.objects.filter(
            series__instance="default", series__figure__startswith="celery."
        ).values_list("series__figure", "value")
    )
    assert sampled == {"celery.failed": 2, "celery.retried": 2}
    figures = scraped(client)
    assert figures[("cacheadmin_celery_tasks_failed_per_minute", labels(instance="default"))] == 2
    assert figures[("cacheadmin_celery_task_retries_per_minute", labels(instance="default"))] == 2


def test_an_instance_without_celery_events_has_no_celery_figures(services):
    done = sampler().sample(int(time.time()))
    assert not any(source == "celery failures" for _, source in done.written)
    assert not Sample.objects.filter(series__figure__startswith="celery.").exists()
