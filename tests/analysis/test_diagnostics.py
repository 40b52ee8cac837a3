"""Server diagnostics against real servers: a command made slow with a Lua loop is in
the slow log, its hostile arguments escaped; the dashboard's connections are marked
among the clients; command statistics and the latency monitor; on a cluster every
node (replicas too) answers, each entry naming it; behind Sentinel the master's."""

import pytest
import redis

from cacheadmin.models import AuditEntry
from tests.helpers import wait_for

pytestmark = pytest.mark.django_db

HOSTILE = b'<img src=x onerror="alert(1)">\xe2\x80\xae\xff'
SLOW_LOOP = "local i = 0 while i < 3000000 do i = i + 1 end return i"  # some 30 ms


@pytest.fixture
def noting(redis_client):
    """The private server logging every command as slow, and spikes of 1 ms and more;
    its settings put back after."""
    before = redis_client.config_get("slowlog-log-slower-than")
    redis_client.config_set("slowlog-log-slower-than", 0)
    redis_client.config_set("latency-monitor-threshold", 1)
    redis_client.slowlog_reset()
    redis_client.execute_command("LATENCY", "RESET")
    yield redis_client
    redis_client.config_set("slowlog-log-slower-than", before["slowlog-log-slower-than"])
    redis_client.config_set("latency-monitor-threshold", 0)


def test_a_slow_command_and_hostile_arguments_are_in_the_slow_log(services, viewer_client, noting):
    noting.set(HOSTILE, "x")
    noting.eval(SLOW_LOOP, 0)
    answer = viewer_client.get("/api/slowlog")
    assert answer.status_code == 200 and answer.json()["problems"] == []
    entries = answer.json()["items"]
    slow = next(entry for entry in entries if entry["command"] == "EVAL")
    assert slow["micros"] >= 10_000 and slow["node"] == "" and slow["args"][0] == SLOW_LOOP
    (hostile,) = [entry for entry in entries if entry["command"] == "SET"]
    assert hostile["args"][0] == '<img src=x onerror="alert(1)">\\u202e\\xff'
    assert [entry["id"] for entry in entries] == sorted((e["id"] for e in entries), reverse=True)

    html = viewer_client.get("/diagnostics/slowlog").content.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "\u202e" not in html and 'data-figure="slow-command"><strong>EVAL' in html
    assert 'data-node=""' in html and 'data-figure="node"' not in html  # one server


def test_the_dashboards_own_connections_are_marked_among_the_clients(
    services, viewer_client, redis_server
):
    with redis.Redis(port=redis_server.port, client_name="billing-<b>worker</b>") as other:
        other.ping()
        items = viewer_client.get("/api/clients").json()["items"]
        by_name = {item["name"]: item for item in items}
        assert by_name["billing-<b>worker</b>"]["own"] is False
        assert any(item["own"] and item["this"] for item in items)
        html = viewer_client.get("/diagnostics/clients").content.decode()
        assert "billing-&lt;b&gt;worker&lt;/b&gt;" in html and 'data-figure="own"' in html


def test_command_statistics_and_latency_spikes(services, viewer_client, noting):
    noting.config_resetstat()
    noting.eval(SLOW_LOOP, 0)
    stats = viewer_client.get("/api/commandstats").json()["items"]
    assert stats[0]["command"] == "eval" and stats[0]["calls"] == 1  # the costliest first
    assert stats[0]["usec"] >= 10_000 and stats[0]["node"] == ""

    html = viewer_client.get("/diagnostics/latency").content.decode()
    assert 'data-figure="latency-event"' in html and "<svg" in html
    assert 'data-figure="latency-off"' not in html
    memory = viewer_client.get("/diagnostics/memory").content.decode()
    assert 'data-figure="memory-doctor"' in memory and "total.allocated" in memory


def test_latency_off_says_how_to_turn_it_on(services, viewer_client):
    html = viewer_client.get("/diagnostics/latency").content.decode()
    assert 'data-figure="latency-off"' in html and "CONFIG SET latency-monitor-threshold" in html


def test_every_node_of_a_cluster_answers_each_entry_naming_it(
    viewer_client, cluster_keyspace, redis_cluster
):
    nodes = [f"127.0.0.1:{node.port}" for node in redis_cluster.nodes]
    for node in redis_cluster.nodes:
        node.client().slowlog_reset()
    cluster_keyspace.set("{a}slow", 1)  # a write on one primary, copied to its replica

    def every_node() -> list:
        answer = viewer_client.get("/api/clients").json()
        return answer if {item["node"] for item in answer["items"]} == set(nodes) else None

    assert wait_for(every_node, 10)["problems"] == []
    html = viewer_client.get("/diagnostics/slowlog").content.decode()
    assert html.count('data-figure="node"') == 6 and html.count("replica</small>") == 3
    stats = viewer_client.get("/api/commandstats").json()["items"]
    assert {item["node"] for item in stats} == set(nodes)


def test_behind_sentinel_the_master_answers(viewer_client, sentinel_sessions):
    master = sentinel_sessions.master_client()
    master.client_setname("found-on-the-master")
    items = viewer_client.get("/api/clients", {"instance": "sessions"}).json()["items"]
    assert "found-on-the-master" in {item["name"] for item in items}
    page = viewer_client.get("/i/sessions/diagnostics/clients")
    assert page.status_code == 200 and "found-on-the-master" in page.content.decode()


def test_a_user_without_a_role_sees_no_diagnostics(services, client, nobody):
    client.force_login(nobody)
    assert client.get("/diagnostics/slowlog").status_code in (403, 404)
    assert client.get("/api/slowlog").status_code in (403, 404)
    assert client.get("/diagnostics/nothing").status_code in (403, 404)


def _node_of(viewer_client, page: str) -> dict:
    """The node and run id the page's forms carry (a single server: node "")."""
    html = viewer_client.get(f"/diagnostics/{page}").content.decode()
    run_id = html.split('name="run_id" value="')[1].split('"')[0]
    return {"node": "", "run_id": run_id}


def test_an_operator_empties_the_slow_log_after_confirming_and_it_is_audited(
    services, operator_client, noting
):
    noting.eval(SLOW_LOOP, 0)
    server = _node_of(operator_client, "slowlog")
    asked = operator_client.post("/diagnostics/slowlog/reset", server)
    assert asked.status_code == 200 and "Empty the slow log?" in asked.content.decode()
    assert noting.slowlog_len() > 0  # nothing done before the confirmation
    done = operator_client.post("/diagnostics/slowlog/reset", server | {"confirmed": "yes"})
    assert done.status_code == 302 and noting.slowlog_len() <= 1  # the LEN of the reset
    entry = AuditEntry.objects.get(action="diagnostics.slowlog_reset")
    assert (entry.outcome, entry.target) == ("ok", "the slow log of the server")
    assert entry.count >= 2


def test_an_operator_ends_a_clients_connection_and_a_changed_server_is_refused(
    services, operator_client, redis_server
):
    other = redis.Redis(port=redis_server.port, client_name="to-end")
    other.ping()
    me = other.client_info()
    server = _node_of(operator_client, "clients")
    client = {"id": me["id"], "addr": me["addr"], "name": "to-end"}
    stale = operator_client.post(
        "/diagnostics/clients/kill", server | client | {"run_id": "0" * 40, "confirmed": "yes"}
    )
    assert stale.status_code == 409 and "nothing was done" in stale.content.decode()
    assert other.ping()  # still connected
    done = operator_client.post("/diagnostics/clients/kill", server | client | {"confirmed": "yes"})
    assert done.status_code == 302
    names = [row["name"] for row in redis.Redis(port=redis_server.port).client_list()]
    assert "to-end" not in names
    again = operator_client.post(
        "/diagnostics/clients/kill", server | client | {"confirmed": "yes"}
    )
    assert again.status_code == 404 and "had gone already" in again.content.decode()
    outcomes = list(
        AuditEntry.objects.filter(action="diagnostics.client_kill")
        .order_by("id")
        .values_list("outcome", flat=True)
    )
    assert outcomes == ["failed", "ok", "failed"]
    other.close()


def test_a_viewer_can_neither_empty_the_slow_log_nor_end_a_client(
    services, viewer_client, redis_client
):
    server = {"node": "", "run_id": redis_client.info("server")["run_id"]}
    page = viewer_client.get("/diagnostics/clients").content.decode()
    assert 'data-field="client-kill"' not in page and 'name="run_id"' not in page
    refused = viewer_client.post("/diagnostics/slowlog/reset", server | {"confirmed": "yes"})
    assert refused.status_code == 403
    killed = viewer_client.post(
        "/diagnostics/clients/kill", server | {"id": 1, "addr": "x:1", "confirmed": "yes"}
    )
    assert killed.status_code == 403
    assert not AuditEntry.objects.filter(action__startswith="diagnostics.").exists()


def test_on_a_cluster_the_slow_log_of_one_node_is_emptied(
    operator_client, cluster_keyspace, redis_cluster
):
    first, second = redis_cluster.nodes[:2]
    for node in (first, second):  # a few entries on each, then only the really slow
        with node.client() as client:
            client.config_set("slowlog-log-slower-than", 0)
            client.ping()
            client.config_set("slowlog-log-slower-than", 10000)
    server = {"node": f"127.0.0.1:{first.port}", "run_id": first.client().info()["run_id"]}
    done = operator_client.post("/diagnostics/slowlog/reset", server | {"confirmed": "yes"})
    assert done.status_code == 302
    assert first.client().slowlog_len() == 0 < second.client().slowlog_len()
    entry = AuditEntry.objects.get(action="diagnostics.slowlog_reset")
    assert entry.target == f"the slow log of node 127.0.0.1:{first.port}"
