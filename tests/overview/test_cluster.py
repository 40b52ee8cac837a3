"""A Redis Cluster as an instance (named redis+cluster://, or found behind a redis://
URL of one node): its overview shows the cluster's state, every node, and totals over
the primaries; pages that do not read clusters yet say so, never a 500."""

import time

import pytest

from tests.helpers import wait_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("services")]


@pytest.fixture
def cluster(settings, tmp_path, cluster):
    """The shared cluster as the instances `big` and `node` (one of its nodes), 300 keys."""
    cluster.until_ok()
    client = cluster.client()
    client.flushall(target_nodes=client.PRIMARIES)
    for number in range(300):
        client.set(f"user:{number}", "x")
    one_node = cluster.nodes[1]
    path = tmp_path / "instances.toml"
    path.write_text(
        f'[redis.big]\nurl = "{cluster.url}"\n\n'
        f'[redis.node]\nurl = "redis://127.0.0.1:{one_node.port}/0"\n'
    )
    settings.CACHEADMIN_INSTANCES = str(path)
    yield cluster
    client.close()


@pytest.mark.parametrize("name", ["big", "node"])
def test_the_overview_shows_the_whole_cluster(viewer_client, cluster, name):
    card = viewer_client.get(f"/i/{name}/api/overview").json()["redis"]
    figures = card["figures"]
    assert figures["mode"] == "cluster" and figures["total_keys"] == 300
    state = figures["cluster"]
    assert (state["state"], state["slots_ok"]) == ("ok", 16384)
    roles = sorted(node["role"] for node in state["nodes"])
    assert roles == ["primary"] * 3 + ["replica"] * 3
    assert sum(node["slots"] for node in state["nodes"] if node["role"] == "primary") == 16384
    page = viewer_client.get(f"/i/{name}/").content.decode()
    assert 'data-figure="cluster-nodes"' in page and "Keys, all primaries" in page
    assert 'class="card card-wide" id="redis-card"' in page  # the nodes take the width


def test_a_node_that_is_down_is_shown_down(viewer_client, cluster):
    replica = next(n for n in cluster.nodes if n.client().info("replication")["role"] == "slave")
    replica.stop()
    try:
        nodes = viewer_client.get("/i/big/api/overview").json()["redis"]["figures"]["cluster"]
        down = next(node for node in nodes["nodes"] if node["address"].endswith(f":{replica.port}"))
        assert not down["up"] and down["problem"]
        assert sum(node["up"] for node in nodes["nodes"]) == 5
    finally:
        replica.start()
        cluster.until_ok()


def test_a_primary_killed_and_replaced_is_a_former_primary_not_a_fourth(
    viewer_client, cluster, settings
):
    """After a failover the dead primary stays in CLUSTER NODES (master,fail, no slots)
    until it comes back as a replica: the overview said "cluster of 4 primaries", and
    asked the dead node for seconds (redis-py retried it ten times)."""
    primary = cluster.node_at(cluster.client().get_node_from_key("user:1").name)
    replica = cluster.kill(primary)
    try:
        started = time.monotonic()
        figures = viewer_client.get("/i/big/api/overview").json()["redis"]["figures"]
        assert time.monotonic() - started < settings.REDIS_TIMEOUT + 0.6
        assert figures["role"] == "cluster of 3 primaries"
        nodes = {node["address"]: node for node in figures["cluster"]["nodes"]}
        gone = nodes[f"127.0.0.1:{primary.port}"]
        assert (gone["role"], gone["up"], gone["slots"]) == ("former primary", False, 0)
        assert nodes[f"127.0.0.1:{replica.port}"]["role"] == "primary"
        assert figures["total_keys"] == 300 and figures["cluster"]["state"] == "ok"
        row = viewer_client.get("/i/big/overview/row/redis").content.decode()
        assert "cluster of 3 primaries" in row and "cluster of 4" not in row
    finally:
        cluster.revive(primary)


def test_every_question_reads_a_cluster_as_one_keyspace(settings, cluster):
    """No question is refused for want of knowing a cluster (cluster_ready is gone): each
    gets the instance's Keyspace, whose size is the sum over the primaries; a database
    other than 0 is refused, plainly."""
    from cacheadmin.gateways import connections
    from cacheadmin.gateways.service_calls import call_redis

    answer, problem = call_redis(lambda space: space.size(), instance=connections.instance("big"))
    assert (answer, problem) == (300, None)
    answer, problem = call_redis(
        lambda space: space.client.ping(), instance=connections.instance("big")
    )
    assert answer is True and problem is None
    settings.REDIS_URL = cluster.url  # the default instance may ask for any database
    answer, problem = call_redis(lambda space: space.size(), db=2)
    assert answer is None and "one database only" in problem.message


def test_the_health_check_and_the_all_instances_row_read_a_cluster(
    client, viewer_client, settings, cluster
):
    assert 'data-instance="big"' in viewer_client.get("/").content.decode()

    def row_with_figures():  # a cluster's first answer may take longer than a page waits
        row = viewer_client.get("/i/big/overview/row/redis").content.decode()
        return row if "asking…" not in row else None

    row = wait_for(row_with_figures, settings.REDIS_TIMEOUT * 2)
    assert 'data-instance="big"' in row and "cluster of 3 primaries" in row
    settings.REDIS_URL = cluster.url  # the default instance is the cluster
    assert client.get("/healthz").json()["checks"]["redis"] == {"ok": True}


def test_a_redis_url_of_one_node_browses_the_whole_cluster(viewer_client, cluster):
    seen, cursor = set(), 0
    while True:
        data = viewer_client.get("/api/keys", {"instance": "node", "cursor": cursor}).json()
        seen |= {(item["key"], item["node"]) for item in data["keys"]}
        cursor = data["cursor"]
        if data["done"]:
            break
    assert {key for key, _ in seen} == {f"user:{number}" for number in range(300)}
    assert len({node for _, node in seen}) == 3


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory, own_servers):
    """Three primaries and three replicas that speak TLS only, bus included."""
    from tests.servers import TlsClusterSet

    found = TlsClusterSet(tmp_path_factory.mktemp("tls-cluster")).start()
    yield found
    found.stop()


def test_a_tls_cluster_is_read_with_the_instance_certificates(
    viewer_client, settings, tmp_path, tls_cluster
):
    client = tls_cluster.client()
    for number in range(200):
        client.set(f"secret:{number}", "x")
    files = tls_cluster.files
    path = tmp_path / "instances.toml"
    path.write_text(
        f'[redis.secure]\nurl = "{tls_cluster.url}"\nca_file = "{files["ca.crt"]}"\n'
        f'cert_file = "{files["client.crt"]}"\nkey_file = "{files["client.key"]}"\n'
    )
    settings.CACHEADMIN_INSTANCES = str(path)
    figures = viewer_client.get("/i/secure/api/overview").json()["redis"]["figures"]
    assert figures["cluster"]["state"] == "ok" and len(figures["cluster"]["nodes"]) == 6
    assert all(node["up"] for node in figures["cluster"]["nodes"])
    seen, cursor = set(), 0
    while True:
        data = viewer_client.get("/api/keys", {"instance": "secure", "cursor": cursor}).json()
        seen |= {(item["key"], item["node"]) for item in data["keys"]}
        cursor = data["cursor"]
        if data["done"]:
            break
    assert len(seen) == 200 and len({node for _, node in seen}) == 3
    client.close()
