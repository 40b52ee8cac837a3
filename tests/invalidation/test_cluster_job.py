"""An invalidation job on a Redis Cluster carries on through a failover of the primary
it is deleting on (CLUSTER FAILOVER, or the primary killed), counts exactly, and its
page says that a primary changed."""

import threading

import pytest

from cacheadmin.gateways import connections
from cacheadmin.gateways.keycodec import encode_key
from cacheadmin.gateways.redis_kinds import cluster_scan
from cacheadmin.invalidation.worker import invalidation_worker
from cacheadmin.models import InvalidationJob
from tests.helpers import wait_for
from tests.invalidation.test_engine import fill

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("services")]


@pytest.fixture
def big(settings, tmp_path, redis_cluster):
    redis_cluster.until_ok()
    path = tmp_path / "instances.toml"
    path.write_text(f'[redis.big]\nurl = "{redis_cluster.url}"\n')
    settings.CACHEADMIN_INSTANCES = str(path)
    settings.INVALIDATION_BACKOFF = 0.5  # retries span 7.5 s: a killed primary is replaced
    client = redis_cluster.client()
    client.flushall(target_nodes=client.PRIMARIES)
    yield redis_cluster
    client.close()


def being_scanned(cluster, job: InvalidationJob):
    """The node of the primary the job is deleting on now."""
    slot = cluster_scan.parse(job.cursor)[0][0]
    client = cluster.client()
    return cluster.node_at(cluster_scan.owner(client, slot).name)


@pytest.mark.parametrize("how", ["CLUSTER FAILOVER", "the primary killed"])
def test_a_cluster_job_carries_on_through_a_failover(operator_client, big, broker, how):
    client = big.client()
    fill(client, 30_000, "gone:")
    fill(client, 3_000, "keep:")
    for node in client.get_primaries():  # the replicas have them too
        assert client.get_redis_connection(node).wait(1, 10_000) == 1
    body = {"kind": "pattern", "target": "gone:*", "confirm": "gone:*", "rate": 10_000}
    started = operator_client.post("/i/big/api/invalidations", body, "application/json")
    assert started.status_code == 201, started.json()
    job = InvalidationJob.objects.filter(id=started.json()["id"])
    worker = invalidation_worker(say=print, complain=print)
    runner = threading.Thread(target=worker.run, kwargs={"once": True})
    runner.start()
    killed = None
    try:
        wait_for(lambda: job.get().deleted > 2000 and "-" in job.get().cursor)
        primary = being_scanned(big, job.get())
        if how == "CLUSTER FAILOVER":
            big.failover(primary)
        else:
            killed = primary
            big.kill(primary)
        runner.join(timeout=60)
    finally:
        worker.stop()
        runner.join(timeout=30)
        if killed:
            big.revive(killed)
    finished = job.get()
    assert (finished.status, finished.failovers) == ("done", 1), finished.error
    assert finished.deleted == 30_000 and len(finished.nodes) == 3
    client = big.client()
    assert not list(client.scan_iter("gone:*", target_nodes=client.PRIMARIES))
    # SCAN may return a key twice (a table rehashed meanwhile): count the keys, not answers
    assert len(set(client.scan_iter("keep:*", target_nodes=client.PRIMARIES))) == 3_000
    page = operator_client.get(f"/i/big/invalidations/{finished.id}/").content.decode()
    assert "A failover happened during this job" in page and "a primary of the cluster" in page


def test_key_pages_across_a_cluster_failover_say_the_server_changed(viewer_client, big):
    client = big.client()
    fill(client, 9_000, "page:")
    for node in client.get_primaries():
        assert client.get_redis_connection(node).wait(1, 10_000) == 1

    def page(cursor, server: str) -> dict:
        query = {"match": "page:*", "count": 1000, "cursor": cursor, "server": server}
        answer = viewer_client.get("/i/big/api/keys", query)
        return {"status": answer.status_code, **answer.json()}

    first = page(0, "")
    second = page(first["cursor"], first["server"])
    assert second["status"] == 200 and second["server"] == first["server"]
    slot = cluster_scan.parse(second["cursor"])[0][0]  # the primary scanned next
    promoted = big.failover(big.node_at(cluster_scan.owner(client, slot).name))
    big.until_ok()
    # Until the dashboard's client learns the new slot map, its scan goes on on the old
    # primary, now a replica with the same data: the cursor is still right there. A
    # key's page in that slot makes it learn the map (a MOVED) once the old one says so.
    key = encode_key(f"{{{cluster_scan.slot_tag(slot)}}}x".encode())
    dashboard = connections.keyspace(connections.instance("big")).client

    def learned() -> bool:
        assert viewer_client.get(f"/i/big/api/keys/{key}").status_code == 404
        return cluster_scan.owner(dashboard, slot).port == promoted.port

    wait_for(learned)
    after = page(second["cursor"], second["server"])
    assert after["status"] == 409 and after["error"] == "changed", after

    # Started again, as the answer says. The dashboard's client may learn the new slot
    # map on the way (a MOVED): that list is refused as well, then one goes through.
    for _ in range(3):
        listed, cursor, server = [], 0, ""
        while (answer := page(cursor, server))["status"] == 200:
            listed += [key["key"] for key in answer["keys"]]
            if answer["done"]:
                break
            cursor, server = answer["cursor"], answer["server"]
        assert answer["status"] in (200, 409), answer
        if answer["status"] == 200:
            break
    assert answer["done"] and len(listed) == len(set(listed)) == 9_000
