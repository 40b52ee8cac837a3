"""A real worker process killed mid-analysis (SIGKILL), and another that resumes it from
its last checkpoint: the report counts every key once, as a straight run does."""

import signal
from datetime import timedelta

import pika
import pytest
from django.utils import timezone

from cacheadmin.analysis.keyspace_report import summary
from cacheadmin.gateways import job_queue
from cacheadmin.models import KeyspaceAnalysis
from tests.analysis.test_keyspace_scan import analyse, counts
from tests.helpers import wait_for
from tests.invalidation.test_worker_process import start_worker

pytestmark = pytest.mark.django_db(transaction=True)
KEYS = 20_000


@pytest.fixture
def empty_job_queue(services, settings):
    """The test vhost's job queue, emptied of what earlier tests left there."""
    connection = pika.BlockingConnection(pika.URLParameters(settings.RABBITMQ_URL))
    channel = connection.channel()
    job_queue.declare(channel)
    channel.queue_purge(job_queue.JOBS_QUEUE)
    connection.close()


def test_a_killed_worker_leaves_an_analysis_the_next_one_finishes(
    viewer_client, redis_client, empty_job_queue
):
    with redis_client.pipeline(transaction=False) as pipe:
        for number in range(KEYS):
            pipe.set(f"{('user', 'cart', 'page')[number % 3]}:{number}", "x", ex=3600)
        pipe.execute()
    straight = analyse(steps_of=10)
    started = viewer_client.post("/api/analyses", {"depth": 1}, "application/json")
    analysis_id = started.json()["id"]
    row = KeyspaceAnalysis.objects.filter(id=analysis_id)

    # A rate budget of 4,000 keys a second makes it last about five seconds.
    first = start_worker(env={"ANALYSIS_KEYS_PER_SECOND": "4000"})
    wait_for(lambda: row.get().examined >= 4000, seconds=30)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    killed = row.get()
    assert killed.status == "running" and 0 < killed.report["scanned"] < KEYS

    row.update(lease_until=timezone.now() - timedelta(seconds=1))  # its lease ran out
    second = start_worker()
    try:
        wait_for(lambda: row.get().status == "done", seconds=60)
    finally:
        second.send_signal(signal.SIGTERM)
        second.communicate(timeout=30)
    done = row.get()
    assert (done.attempts, done.report["scanned"]) == (2, KEYS)
    assert counts(summary(done.report)) == counts(straight)
