"""The all-instances overview: every instance the user may see, asked at once and each
shown from its last known state, so a Redis that accepts connections and never
answers holds up no page: its last figures are shown greyed, "not answering since"."""

import signal
import time

import pytest

from cacheadmin.models import InstanceRole
from tests.servers import RedisServer, free_port
from tests.users import logged_in, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def instances_file(settings, tmp_path, redis_server, silent_port):
    closed = free_port()
    path = tmp_path / "instances.toml"
    path.write_text(
        f'[redis.cache]\nurl = "{redis_server.url_for(1)}"\n\n'
        f'[redis.hung]\nurl = "redis://127.0.0.1:{silent_port}/0"\n\n'
        f'[redis.down]\nurl = "redis://127.0.0.1:{closed}/0"\n\n'
        '[redis.broken]\nurl = "redis://127.0.0.1:6379/0"\npassword = "x"\n'
    )
    settings.CACHEADMIN_INSTANCES = str(path)
    settings.REDIS_TIMEOUT = 1.0
    return path


def test_every_instance_at_once_and_a_hung_one_never_waited_for(
    services, viewer_client, instances_file, settings
):
    viewer_client.get("/healthz")  # the process' first request: its own costs apart
    started = time.monotonic()
    page = viewer_client.get("/").content.decode()
    spent = time.monotonic() - started
    assert spent < settings.OVERVIEW_WAIT_SECONDS + 0.25  # asked at once, waited briefly
    for name in ("default", "cache", "hung", "down"):
        assert f'data-instance="{name}"' in page and f'href="/i/{name}/"' in page
        assert f'hx-get="/i/{name}/overview/row/redis"' in page
    assert page.count("asking…") == 1  # the hung one: every other answered at once
    assert 'data-figure="rabbitmq-instances"' in page
    assert "<strong>All instances</strong>" in page  # not "Instance default"
    assert "[redis.broken]" not in page  # mistakes name instances: superusers only

    rows = {name: row_of(viewer_client, name) for name in ("cache", "down")}
    assert "state-up" in rows["cache"] and 'data-figure="as-of"' in rows["cache"]
    assert "unreachable" in rows["down"]
    hung = wait_for_row(viewer_client, "hung", "timeout", settings.REDIS_TIMEOUT * 2)
    assert "did not answer within" in hung and "(since " in hung
    broker = viewer_client.get("/i/default/overview/row/rabbitmq").content.decode()
    assert "state-up" in broker
    assert viewer_client.get("/i/cache/overview/row/rabbitmq").status_code == 404


def row_of(client, name: str, *, within: float = 0.6) -> str:
    """The instance's row, which never waits long, whatever its server does."""
    started = time.monotonic()
    row = client.get(f"/i/{name}/overview/row/redis").content.decode()
    assert time.monotonic() - started < within, name
    return row


def wait_for_row(client, name: str, text: str, seconds: float) -> str:
    """The row, asked again until it says text (its server's answer came meanwhile)."""
    deadline = time.monotonic() + seconds
    while text not in (row := row_of(client, name)):
        assert time.monotonic() < deadline, row
        time.sleep(0.05)
    return row


def test_a_server_that_hangs_shows_its_last_figures_greyed_then_fresh_when_back(
    services, viewer_client, settings, tmp_path
):
    server = RedisServer(tmp_path).start()
    try:
        path = tmp_path / "instances.toml"
        path.write_text(f'[redis.paused]\nurl = "{server.url}"\n')
        settings.CACHEADMIN_INSTANCES, settings.REDIS_TIMEOUT = str(path), 1.0
        settings.OVERVIEW_REFRESH_SECONDS = 2.0
        server.client().set("one", "1")
        assert 'data-stale="no"' in row_of(viewer_client, "paused", within=1.0)

        server.process.send_signal(signal.SIGSTOP)  # accepts connections, never answers
        stopped = time.monotonic()
        hung = wait_for_row(viewer_client, "paused", "not answering since", 3.0)
        assert time.monotonic() - stopped >= settings.REDIS_TIMEOUT  # after the timeout
        assert 'class="stale"' in hung and 'data-stale="yes"' in hung
        assert '<td class="num">1</td>' in hung  # its last figures: one key
        api = viewer_client.get("/i/paused/api/overview").json()["redis"]
        assert api["stale"] and not api["ok"] and api["problem"]["kind"] == "timeout"
        assert api["figures"]["total_keys"] == 1 and api["as_of"] < api["not_answering_since"]
        started = time.monotonic()
        page = viewer_client.get("/i/paused/").content.decode()
        assert time.monotonic() - started < 0.6
        assert 'class="card stale"' in page and "not answering since" in page

        server.process.send_signal(signal.SIGCONT)
        row_of(viewer_client, "paused")  # the page's first refresh since: asked anew
        time.sleep(settings.OVERVIEW_REFRESH_SECONDS * 0.9)  # just before the page's next
        fresh = row_of(viewer_client, "paused")  # fresh by then: one refresh, no more
        assert 'data-stale="no"' in fresh, fresh
        assert "not answering" not in fresh and "state-up" in fresh
        api = viewer_client.get("/i/paused/api/overview").json()["redis"]
        assert api["ok"] and not api["stale"] and api["not_answering_since"] is None
    finally:
        server.process.send_signal(signal.SIGCONT)
        server.stop()


def test_a_row_of_an_instance_one_may_not_see_is_a_404(services, django_user_model, instances_file):
    user = make_user(django_user_model, "cache-and-hung", None)
    for name in ("cache", "hung"):
        InstanceRole.objects.create(user=user, instance=name, role="viewer")
    client = logged_in(user)
    assert client.get("/i/cache/overview/row/redis").status_code == 200
    assert client.get("/i/down/overview/row/redis").status_code == 404
    assert 'data-instance="down"' not in client.get("/").content.decode()


def test_superusers_see_the_instances_files_mistakes(
    services, django_user_model, instances_file, settings
):
    admin = django_user_model.objects.create_superuser("root-sees", password="x")
    client = logged_in(admin)
    said = f"{instances_file}: [redis.broken] password: unknown field"
    assert said in client.get("/").content.decode()
    settings.CACHEADMIN_INSTANCES = str(instances_file)  # the only one left: default
    instances_file.write_text('[redis.broken]\nurl = "redis://h/0"\npassword = "x"\n')
    assert said in client.get("/").content.decode()  # on default's own overview now


def test_an_instance_overview_is_the_overview_of_before(services, viewer_client, instances_file):
    page = viewer_client.get("/i/cache/").content.decode()
    assert 'id="redis-card"' in page and 'id="rabbit-card"' not in page
    assert 'href="/i/cache/"' in page  # the Overview link of this instance


def test_one_visible_instance_is_shown_at_once(services, django_user_model, instances_file):
    user = make_user(django_user_model, "only-cache", None)
    InstanceRole.objects.create(user=user, instance="cache", role="viewer")
    client = logged_in(user)
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == "/i/cache/"
    assert client.get("/i/cache/").status_code == 200
    assert client.get("/i/default/").status_code == 404


def test_node_alarms_and_partitions_are_said_node_by_node():
    from cacheadmin.overview.broker import node_alarms, node_row

    nodes = [
        {"name": "rabbit@a", "running": True, "mem_alarm": True, "partitions": ["rabbit@c"]},
        {"name": "rabbit@b", "running": True, "disk_free_alarm": True, "mem_used": 5},
        {"name": "rabbit@c", "running": False},
        "not a node",
    ]
    assert node_alarms(nodes) == [
        "rabbit@a: memory",
        "rabbit@a: partitioned from rabbit@c",
        "rabbit@b: disk",
        "rabbit@c: not running",
    ]
    row = node_row(nodes[1])
    assert row["disk_alarm"] and row["memory"] == (5, None) and row["partitions"] == []
