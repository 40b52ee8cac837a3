"""A Sentinel service as an instance: pages read its master, follow a failover by
themselves (SENTINEL FAILOVER, and the master killed) and never answer 500 meanwhile."""

import re
import threading
import time

import pytest
from django.test import Client

from tests.helpers import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("services")]


@pytest.fixture
def sentinels(sentinel_set):
    return sentinel_set


@pytest.fixture
def sessions(settings, tmp_path, sentinels):
    """The instance `sessions`, with a key on its master."""
    path = tmp_path / "instances.toml"
    path.write_text(f'[redis.sessions]\nurl = "{sentinels.url}"\n')
    settings.CACHEADMIN_INSTANCES = str(path)
    master = sentinels.settle().master_client()
    master.set("session:1", "alive")
    return sentinels


def test_pages_read_the_master(viewer_client, sessions):
    page = viewer_client.get("/i/sessions/keys/").content.decode()
    assert "session:1" in page
    overview = viewer_client.get("/i/sessions/api/overview").json()["redis"]
    assert overview["ok"] and overview["figures"]["role"] == "master"


def watch(client: Client, path: str, stop: threading.Event, statuses: list) -> None:
    while not stop.is_set():
        statuses.append(client.get(path).status_code)
        time.sleep(0.05)


@pytest.mark.parametrize("how", ["SENTINEL FAILOVER", "the master killed"])
def test_a_failover_is_followed_without_a_500(viewer, sessions, how):
    from tests.users import logged_in

    client = logged_in(viewer)
    before = sessions.master_port()
    stop, statuses = threading.Event(), []
    watcher = threading.Thread(target=watch, args=(client, "/i/sessions/keys/", stop, statuses))
    watcher.start()
    try:
        after = sessions.failover() if how == "SENTINEL FAILOVER" else sessions.kill_master()
    finally:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (not statuses or statuses[-1] != 200):
            time.sleep(0.1)
        stop.set()
        watcher.join()
    assert after != before
    assert 500 not in statuses and statuses[-1] == 200, statuses
    page = client.get("/i/sessions/keys/").content.decode()
    assert "session:1" in page  # replicated before the switch, read on the new master


def test_the_overview_shows_master_replicas_and_sentinels(viewer_client, sessions):
    card = viewer_client.get("/i/sessions/api/overview").json()["redis"]
    view = card["sentinel"]
    master = f"127.0.0.1:{sessions.master_port()}"
    assert view["master"]["address"] == master and view["quorum"] == 2
    assert [replica["link"] for replica in view["replicas"]] == ["ok"]
    assert len(view["sentinels"]) == 3
    replicas = card["figures"]["replication"]["replicas"]
    assert [replica["state"] for replica in replicas] == ["online"]
    page = viewer_client.get("/i/sessions/").content.decode()
    assert f'data-figure="sentinel-master">{master}<' in page and 'data-figure="replicas"' in page
    if view["config_epoch"]:  # other tests failed it over before
        assert 'data-figure="last-failover">last failover about' in page
    assert "<small>behind Sentinel, master</small>" in page and "standalone" not in page
    master = sessions.master_client()
    master.set("offset", "x" * 2000)  # an offset of 4 digits at least
    wait_for(lambda: master.info("replication")["slave0"]["offset"] > 1000)  # acked
    page = viewer_client.get("/i/sessions/").content.decode()
    assert not re.findall(r'<td class="num">[0-9]{4,}</td>', page)  # 1,234 not 1234
    assert re.findall(r'<td class="num">[0-9]{1,3}(,[0-9]{3})+</td>', page)


def test_no_master_to_be_found_is_said_as_such(viewer_client, settings, tmp_path, sentinels):
    path = tmp_path / "instances.toml"
    path.write_text(f'[redis.lost]\nurl = "{sentinels.url.replace("/sessions/", "/nosuch/")}"\n')
    settings.CACHEADMIN_INSTANCES = str(path)
    page = viewer_client.get("/i/lost/keys/")
    text = page.content.decode()
    assert page.status_code == 503
    assert "The sentinels name no reachable master for nosuch" in text
    assert "failover may be under way" in text


def test_a_replica_is_read_only_and_names_its_master(operator_client, settings, tmp_path, sessions):
    from cacheadmin.gateways.keycodec import encode_key
    from cacheadmin.models import AuditEntry

    master_port = sessions.master_port()
    replica = next(s for s in (sessions.master, sessions.replica) if s.port != master_port)
    path = tmp_path / "instances.toml"
    path.write_text(f'[redis.mirror]\nurl = "{replica.url}"\n')
    settings.CACHEADMIN_INSTANCES = str(path)
    sessions._until(lambda: replica.client().exists("session:1"))
    said = f"is a replica of 127.0.0.1:{master_port}"
    page = operator_client.get("/i/mirror/").content.decode()
    assert f"A replica of <code>127.0.0.1:{master_port}</code>" in page
    deleted = operator_client.post(
        f"/i/mirror/keys/delete/{encode_key(b'session:1')}", {"confirmed": "yes"}
    )
    assert deleted.status_code == 400 and said in deleted.content.decode()
    body = {"kind": "key", "target": "session:1"}
    started = operator_client.post("/i/mirror/api/invalidations", body, "application/json")
    assert started.status_code == 400 and said in started.json()["message"]
    reset = operator_client.post("/i/mirror/redis/reset-stats/")
    assert reset.status_code == 400 and said in reset.content.decode()
    assert sessions.master_client().exists("session:1")
    assert AuditEntry.objects.filter(instance="mirror", outcome="refused").count() == 2
