"""A real Prometheus server (Debian's) scrapes /metrics of a live dashboard with a
viewer's token; PromQL over its HTTP API then reads a queue's depth and Redis's hit
rate as the sampler recorded them."""

import subprocess
import time
from pathlib import Path

import httpx
import pytest

from cacheadmin.objectcache import ObjectCache
from cacheadmin.web.tokens import token_create
from tests.helpers import wait_for
from tests.monitoring.test_sampler import sampler
from tests.servers import free_port

pytestmark = pytest.mark.django_db(transaction=True)
PROMETHEUS = "/usr/bin/prometheus"


@pytest.fixture
def prometheus(tmp_path, live_server, viewer):
    """Prometheus scraping the live dashboard every second; its HTTP API's URL."""
    _, token = token_create(user=viewer, name="prometheus")
    host = live_server.url.removeprefix("http://")
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        "  - job_name: cacheadmin\n"
        "    honor_labels: true\n"  # our "instance" is the dashboard's, not the target's
        f"    authorization: {{type: Bearer, credentials: {token}}}\n"
        f"    static_configs: [{{targets: ['{host}']}}]\n"
    )
    port = free_port()
    process = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "prometheus.log").open("w"),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: ready(url), seconds=30, every=0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/-/ready", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def query(url: str, promql: str) -> list[dict]:
    answer = httpx.get(f"{url}/api/v1/query", params={"query": promql}, timeout=5).json()
    assert answer["status"] == "success", answer
    return answer["data"]["result"]


def test_prometheus_reads_a_queues_depth_and_the_hit_rate(
    services, prometheus, redis_client, tmp_path
):
    cache = ObjectCache(redis_client)
    users = cache.model("user", inverted=[])
    users.set(1, {"name": "ada"})
    for user_id in (1, 1, 1, 2):  # three hits, a miss
        users.get(user_id)
    cache.flush()
    redis_client.rpush("queue:mail", 1, 2, 3)
    redis_client.set("a", "1")
    for _ in range(3):
        redis_client.get("a")
    redis_client.get("missing")
    sampler().sample(int(time.time()))
    depth = 'cacheadmin_queue_messages{instance="default",queue="queue:mail",state="ready"}'
    wait_for(lambda: query(prometheus, depth), seconds=30, every=0.5)
    assert query(prometheus, depth)[0]["value"][1] == "3"
    rate = (
        "cacheadmin_redis_keyspace_hits_total / (cacheadmin_redis_keyspace_hits_total"
        " + cacheadmin_redis_keyspace_misses_total)"
    )
    (found,) = query(prometheus, rate)
    assert found["metric"]["instance"] == "default" and 0 < float(found["value"][1]) < 1
    hits = 'sum by (instance, model) (cacheadmin_model_hits_total{model="user"})'
    misses = 'sum by (instance, model) (cacheadmin_model_misses_total{model="user"})'
    model = f"{hits} / ({hits} + {misses})"
    (found,) = query(prometheus, model)
    assert (found["metric"]["instance"], found["value"][1]) == ("default", "0.75")
    (up,) = query(prometheus, 'up{job="cacheadmin"}')
    assert up["value"][1] == "1", Path(tmp_path / "prometheus.log").read_text()[-2000:]
