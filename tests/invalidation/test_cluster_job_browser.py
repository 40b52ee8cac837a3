"""A cluster job's page, opened before the job ran, as it follows the job live: when a
primary fails over, it speaks of the cluster's primaries, never of a master."""

import threading

import pytest
from playwright.sync_api import expect

from cacheadmin.invalidation.worker import invalidation_worker
from cacheadmin.models import InvalidationJob
from tests.browser_fixtures import log_in
from tests.helpers import wait_for
from tests.invalidation.test_cluster_job import being_scanned
from tests.invalidation.test_engine import fill
from tests.servers import Daphne, dashboard_env
from tests.users import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_cluster_jobs_page_speaks_of_primaries_as_it_runs(
    page, settings, tmp_path, redis_cluster, operator, operator_client, broker
):
    redis_cluster.until_ok()
    path = tmp_path / "instances.toml"
    path.write_text(f'[redis.big]\nurl = "{redis_cluster.url}"\n')
    settings.CACHEADMIN_INSTANCES = str(path)
    settings.INVALIDATION_BACKOFF = 0.5
    client = redis_cluster.client()
    client.flushall(target_nodes=client.PRIMARIES)
    fill(client, 30_000, "gone:")
    for node in client.get_primaries():  # the replicas have them too
        assert client.get_redis_connection(node).wait(1, 10_000) == 1
    body = {"kind": "pattern", "target": "gone:*", "confirm": "gone:*", "rate": 10_000}
    started = operator_client.post("/i/big/api/invalidations", body, "application/json")
    job = InvalidationJob.objects.filter(id=started.json()["id"])
    server = Daphne(dashboard_env(settings) | {"CACHEADMIN_INSTANCES": str(path)}).start()
    worker = invalidation_worker(say=print, complain=print)
    runner = threading.Thread(target=worker.run, kwargs={"once": True})
    try:
        log_in(page, server, operator.username, PASSWORD)
        page.goto(f"{server.url}/i/big/invalidations/{job.get().id}/")  # queued: no node yet
        expect(page.locator("body")).to_have_attribute("data-socket", "open")
        runner.start()
        wait_for(lambda: job.get().deleted > 2000 and "-" in job.get().cursor)
        redis_cluster.failover(being_scanned(redis_cluster, job.get()))
        runner.join(timeout=60)
        assert job.get().failovers == 1 and job.get().status == "done"
        failovers = page.locator('[data-field="failovers"]')
        expect(failovers).to_be_visible()
        expect(failovers).to_contain_text("a primary of the cluster changed")
        said = failovers.inner_text()  # what shows: hidden parts are left out
        assert "(1 time)" in said and "master" not in said, said
        rows = page.locator('[data-field="nodes"] tbody tr')
        expect(rows).to_have_count(3)
        for row, (slot, seen) in zip(
            rows.all(), sorted(job.get().nodes.items(), key=lambda pair: int(pair[0])), strict=True
        ):
            expect(row).to_have_text(f"{slot}{seen['node']}{seen['deleted']:,}")
    finally:
        worker.stop()
        if runner.is_alive():
            runner.join(timeout=30)
        server.stop()
        client.close()
