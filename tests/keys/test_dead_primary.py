"""A Redis Cluster with a primary gone (its process killed) or hung (stopped): every
page answers within REDIS_TIMEOUT with what the other primaries say, and names the one
that did not answer and the slots that nobody serves now."""

import signal
import time

import pytest

from cacheadmin.gateways.keycodec import encode_key
from cacheadmin.gateways.redis_kinds import cluster_scan
from tests.helpers import wait_for
from tests.servers import ClusterSet

# xdist_group: in one test worker (--dist loadgroup), so its cluster of its own starts once
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("lone-cluster")]

MARGIN = 0.6  # seconds beyond REDIS_TIMEOUT for the page itself, on a busy machine


@pytest.fixture(scope="module")
def lone(tmp_path_factory, own_servers):
    """Three primaries without replicas, of this module alone (7 s to start): a primary
    stopped here leaves its slots unserved, and the shared cluster stays healthy."""
    found = ClusterSet(tmp_path_factory.mktemp("lone"), replicas=0).start()
    yield found
    found.stop()


@pytest.fixture(params=["killed", "hung"])
def dead(request, settings, tmp_path, lone, viewer_client):
    """The instance `shop` (the private cluster, 300 keys), its overview seen once while
    all was well; then the primary of slots 5461-10922 killed or stopped (SIGSTOP),
    until the others flag it failed. Yields that primary, the keys of the others, and
    the others."""
    lone.until_ok()
    client = lone.client()
    client.flushall(target_nodes=client.PRIMARIES)
    keys = {f"user:{number}" for number in range(300)}
    for key in keys:
        client.set(key, "x")
    victim = lone.node_at(cluster_scan.owner(client, 6000).name)
    on_others = {key for key in keys if client.get_node_from_key(key).port != victim.port}
    path = tmp_path / "instances.toml"
    path.write_text(f'[redis.shop]\nurl = "{lone.url}"\n')
    settings.CACHEADMIN_INSTANCES = str(path)
    wait_for(lambda: "cluster of 3 primaries" in viewer_client.get("/i/shop/").content.decode())
    if request.param == "killed":
        victim.process.kill()
        victim.process.wait()
    else:
        victim.process.send_signal(signal.SIGSTOP)
    others = [node for node in lone.nodes if node is not victim]
    until_flagged_failed(others[0], victim)
    try:
        yield victim, on_others, others
    finally:
        for node in others:  # before it is back: the config itself changes no state
            node.client().config_set("cluster-require-full-coverage", "yes")
        if request.param == "killed":
            victim.start()
        else:
            victim.process.send_signal(signal.SIGCONT)
        wait_for(lambda: not any(flagged_failing(node) for node in lone.nodes), seconds=60)
        lone.until_ok(seconds=60)
        client.close()


def flagged_failing(node) -> bool:
    """Whether node's view of the cluster flags any node as failing or failed."""
    flags = [view["flags"].split(",") for view in node.client().cluster("nodes").values()]
    return any({"fail", "fail?"} & set(each) for each in flags)


def until_flagged_failed(node, victim, seconds: float = 20) -> None:
    """Until node's view of the cluster flags victim as failed (not only suspected)."""
    deadline = time.monotonic() + seconds
    while True:
        flags = node.client().cluster("nodes")[f"127.0.0.1:{victim.port}"]["flags"]
        if "fail" in flags.split(","):
            return
        assert time.monotonic() < deadline, flags
        time.sleep(0.1)


def timed(viewer_client, path: str, settings, **params):
    """The answer to a GET, asserted to come within REDIS_TIMEOUT and a margin."""
    started = time.monotonic()
    response = viewer_client.get(path, params)
    spent = time.monotonic() - started
    assert spent < settings.REDIS_TIMEOUT + MARGIN, f"{path} took {spent:.2f} s"
    assert response.status_code == 200, response.content[:500]
    return response


def test_the_overviews_show_the_others_and_the_primary_down(viewer_client, settings, dead):
    victim, on_others, _ = dead
    address = f"127.0.0.1:{victim.port}"

    def overview_with_one_down():  # the overview's figures from before, until it knows
        figures = timed(viewer_client, "/i/shop/api/overview", settings).json()["redis"]["figures"]
        return figures if figures["role"] == "cluster of 3 primaries, 1 down" else None

    figures = wait_for(overview_with_one_down, settings.REDIS_TIMEOUT * 3)
    assert figures["total_keys"] == len(on_others)
    state = figures["cluster"]
    assert (state["state"], state["slots_fail"]) == ("fail", 5462)
    (down,) = [node for node in state["nodes"] if not node["up"]]
    assert down["address"] == address and down["role"] == "primary"
    assert "its slots 5461-10922 are unserved" in down["problem"]
    page = timed(viewer_client, "/i/shop/", settings).content.decode()
    assert f'<tr data-node="{address}" class="node-alarm">' in page
    assert "cluster of 3 primaries, 1 down" in page and "Keys, primaries that answered" in page
    shop = timed(viewer_client, "/i/shop/overview/row/redis", settings).content.decode()
    assert "cluster of 3 primaries, 1 down" in shop and "cluster fail" in shop


def test_a_page_of_keys_lists_the_others_keys_and_names_the_primary_down(
    viewer_client, settings, dead
):
    victim, on_others, others = dead
    address = f"127.0.0.1:{victim.port}"
    data = timed(viewer_client, "/i/shop/api/keys", settings, count=1000).json()
    assert {row["key"] for row in data["keys"]} == on_others
    assert [(down["node"], down["slots"]) for down in data["down"]] == [(address, "5461-10922")]
    assert data["down"][0]["reason"]  # connection refused, or a timeout
    assert data["done"] is False and data["dbsize"] == len(on_others)
    # Redis's default: while a slot is unserved, every primary refuses to read keys.
    assert {row["type"] for row in data["keys"]} == {"unknown"}
    assert all("cluster is down" in row["unknown"] for row in data["keys"])
    again = timed(
        viewer_client, "/i/shop/api/keys", settings, cursor=data["cursor"], server=data["server"]
    )
    assert again.json()["keys"] == [] and again.json()["down"] == data["down"]
    page = timed(viewer_client, "/i/shop/keys/", settings).content.decode()
    assert f"The primary {address} did not answer" in page and "(5461-10922)" in page
    assert page.count('data-figure="unknown"') == page.count('class="key-row') > 0
    for node in others:  # the others serve their slots again
        node.client().config_set("cluster-require-full-coverage", "no")
    wait_for(
        lambda: all(node.client().cluster("info")["cluster_state"] == "ok" for node in others),
        seconds=10,
    )
    data = timed(viewer_client, "/i/shop/api/keys", settings, count=1000).json()
    assert {row["type"] for row in data["keys"]} == {"string"}
    lost = next(key for key in (f"user:{n}" for n in range(300)) if key not in on_others)
    data = timed(viewer_client, "/i/shop/api/keys", settings, match=lost).json()
    ((row),) = data["keys"]
    assert row["type"] == "unknown" and address in row["unknown"]
    started = time.monotonic()  # a key's own page: one question, asked once
    answer = viewer_client.get(f"/i/shop/api/keys/{encode_key(lost.encode())}")
    assert time.monotonic() - started < settings.REDIS_TIMEOUT + MARGIN
    assert answer.status_code in (503, 504) and address in answer.json()["message"]


def test_namespaces_count_the_others_and_name_the_primary_down(viewer_client, settings, dead):
    victim, on_others, others = dead
    address = f"127.0.0.1:{victim.port}"
    page = timed(viewer_client, "/i/shop/keys/namespaces/", settings).content.decode()
    assert f"The primary {address} is left out" in page and "(5461-10922)" in page
    for node in others:  # Redis's default: the others refuse to read keys (memory)
        said = f"The primary 127.0.0.1:{node.port} is left out (it reads no key while"
        assert said in page
    for node in others:
        node.client().config_set("cluster-require-full-coverage", "no")
    wait_for(
        lambda: all(node.client().cluster("info")["cluster_state"] == "ok" for node in others),
        seconds=10,
    )
    page = timed(viewer_client, "/i/shop/keys/namespaces/", settings).content.decode()
    assert f"The primary {address} is left out" in page and "(5461-10922)" in page
    assert f"Estimated from a sample of {len(on_others)} keys" in page
    started = viewer_client.post("/i/shop/keys/namespaces/scans/", {"delimiter": ":"})
    step = f"{started.url}step"
    said = ""
    for _ in range(20):  # a step counts for 0.3 s; the others' keys take one or two
        begun = time.monotonic()
        said = viewer_client.post(step).content.decode()
        assert time.monotonic() - begun < settings.REDIS_TIMEOUT + 0.3 + MARGIN
        if "The scan failed" in said:
            break
    assert f"The primary {address} of the cluster" in said and "did not answer" in said


def test_redis_queues_are_found_on_the_others(viewer_client, settings, dead):
    victim, _, others = dead
    address = f"127.0.0.1:{victim.port}"
    for node in others:  # queues are read by their type: the others must read keys
        node.client().config_set("cluster-require-full-coverage", "no")
    wait_for(
        lambda: all(node.client().cluster("info")["cluster_state"] == "ok" for node in others),
        seconds=10,
    )
    for node in others:
        node.client().rpush(f"queue:{{{cluster_scan.slot_tag(first_slot(node))}}}", "job")
    data = timed(viewer_client, "/i/shop/api/queues", settings, kind="redis").json()
    assert len(data["items"]) == 2 and data["complete"] is False
    assert [(down["node"], down["slots"]) for down in data["down"]] == [(address, "5461-10922")]


def first_slot(node) -> int:
    """The first slot a primary serves, from its own view."""
    me = next(view for view in node.client().cluster("nodes").values() if "myself" in view["flags"])
    return int(me["slots"][0][0])
