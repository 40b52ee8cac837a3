"""An invalidation job on a Sentinel instance carries on through a failover, finishes
on the new master, and its page says that a failover happened."""

import threading

import pytest

from cacheadmin.invalidation.worker import invalidation_worker
from cacheadmin.models import InvalidationJob
from tests.helpers import wait_for
from tests.invalidation.test_engine import fill

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sessions(settings, sentinel_sessions):
    settings.INVALIDATION_BACKOFF = 0.5  # retries span 7.5 s: a killed master is replaced
    return sentinel_sessions


def newest_epoch(sessions) -> int:
    """The service's config epoch as the sentinel that knows best says: one more with
    each failover."""
    return max(
        sessions.sentinel(index).sentinel_master(sessions.service)["config-epoch"]
        for index in range(len(sessions.sentinel_ports))
    )


@pytest.mark.parametrize("how", ["SENTINEL FAILOVER", "the master killed"])
def test_a_job_carries_on_through_a_failover(operator_client, sessions, broker, how):
    master = sessions.master_client()
    fill(master, 30_000, "gone:")
    assert master.wait(1, 10_000) == 1  # the replica has them too
    body = {"kind": "pattern", "target": "gone:*", "confirm": "gone:*", "rate": 10_000}
    started = operator_client.post("/i/sessions/api/invalidations", body, "application/json")
    assert started.status_code == 201, started.json()
    job = InvalidationJob.objects.filter(id=started.json()["id"])
    worker = invalidation_worker(say=print, complain=print)
    runner = threading.Thread(target=worker.run, kwargs={"once": True})
    runner.start()
    try:
        wait_for(lambda: job.get().deleted > 3000)
        before = newest_epoch(sessions)
        sessions.failover() if how == "SENTINEL FAILOVER" else sessions.kill_master()
        runner.join(timeout=60)
    finally:
        worker.stop()
        runner.join(timeout=30)
    finished = job.get()
    assert finished.status == "done", finished.error
    # every key counted at least once; a master promoted empty (a second failover on a
    # busy machine) goes on from the checkpoint's count, not from 0
    assert finished.deleted >= 30_000 or (finished.failovers > 1 and finished.deleted > 3000)
    # one failover, or more: on a busy machine the sentinels may fail over once again
    assert 1 <= finished.failovers <= newest_epoch(sessions.settle()) - before
    assert not list(sessions.master_client().scan_iter("gone:*"))
    page = operator_client.get(f"/i/sessions/invalidations/{finished.id}/").content.decode()
    assert "A failover happened during this job" in page
