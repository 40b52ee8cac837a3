"""The all-instances overview: every instance the user may see, asked in parallel, so
a Redis that accepts connections and never answers costs its own timeout only."""

import time

import pytest

from cacheadmin.models import InstanceRole
from tests.servers import free_port
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


def test_every_instance_at_once_then_each_row_in_its_own_time(
    services, viewer_client, instances_file, settings
):
    started = time.monotonic()
    page = viewer_client.get("/").content.decode()
    assert time.monotonic() - started < settings.REDIS_TIMEOUT / 2  # no instance asked
    for name in ("default", "cache", "hung", "down"):
        assert f'data-instance="{name}"' in page and f'href="/i/{name}/"' in page
        assert f'hx-get="/i/{name}/overview/row/redis"' in page
    assert page.count("asking…") == 5  # four Redis, and the default broker
    assert 'data-figure="rabbitmq-instances"' in page
    assert "<strong>All instances</strong>" in page  # not "Instance default"
    assert "[redis.broken]" not in page  # mistakes name instances: superusers only

    rows, spent = {}, {}
    for name in ("cache", "hung", "down"):
        started = time.monotonic()
        rows[name] = viewer_client.get(f"/i/{name}/overview/row/redis").content.decode()
        spent[name] = time.monotonic() - started
    assert "state-up" in rows["cache"] and spent["cache"] < settings.REDIS_TIMEOUT / 2
    assert "timeout" in rows["hung"] and spent["hung"] < settings.REDIS_TIMEOUT * 1.5
    assert "unreachable" in rows["down"] and spent["down"] < settings.REDIS_TIMEOUT / 2
    assert "asking…" not in "".join(rows.values())
    broker = viewer_client.get("/i/default/overview/row/rabbitmq").content.decode()
    assert "state-up" in broker
    assert viewer_client.get("/i/cache/overview/row/rabbitmq").status_code == 404


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
