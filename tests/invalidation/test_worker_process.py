"""A real worker process, killed mid-job, and another that finishes the job."""

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from cacheadmin.models import InvalidationJob
from tests.helpers import wait_for
from tests.invalidation.test_jobs import post
from tests.servers import dashboard_env, keyspace_of

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def start_worker(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        **dashboard_env(settings),
        "PYTHONUNBUFFERED": "1",  # its lines as it says them
        **(env or {}),
    }
    command = [sys.executable, "manage.py", "invalidation_worker", *args]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def test_a_killed_worker_leaves_a_job_the_next_one_finishes(operator_client, keyspace, broker):
    with keyspace.pipeline(transaction=False) as pipe:
        for number in range(200_000):
            pipe.set(f"doomed:{number}", "x")
        for number in range(1000):
            pipe.set(f"kept:{number}", "x")
        pipe.execute()
    body = {"kind": "pattern", "target": "doomed:*", "confirm": "doomed:*", "rate": 40_000}
    job_id = post(operator_client, **body).json()["id"]

    first = start_worker()
    wait_for(lambda: InvalidationJob.objects.get(id=job_id).deleted > 20_000, seconds=30)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    job = InvalidationJob.objects.get(id=job_id)
    assert job.status == "running" and 0 < job.deleted < 200_000

    # The dead worker's lease has not run out yet: the next worker waits for it, then
    # resumes the job from its checkpoint.
    leased = InvalidationJob.objects.filter(id=job_id)
    assert leased.update(lease_until=timezone.now() + timedelta(hours=1)) == 1
    second = start_worker()
    try:
        said = [second.stdout.readline()]
        while b"another worker holds it" not in said[-1]:
            assert said[-1] and len(said) < 10, said  # it says so before anything else
            said.append(second.stdout.readline())
        leased.update(lease_until=timezone.now() - timedelta(seconds=1))  # it ran out
        wait_for(lambda: InvalidationJob.objects.get(id=job_id).status == "done", seconds=60)
    finally:
        second.send_signal(signal.SIGTERM)
        second.communicate(timeout=30)
    job = InvalidationJob.objects.get(id=job_id)
    assert (job.status, job.deleted, job.attempts) == ("done", 200_000, 2)
    assert keyspace_of(keyspace).size() == 1000  # the kept keys; the job's counters are gone
    assert job.error == ""
