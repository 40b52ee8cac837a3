"""Two private redis-servers as two instances: each page and API shows its own
server's data, a link keeps the instance, and a name nobody configured is a 404."""

import re

import pytest
from django.test import Client

from cacheadmin.gateways.keycodec import encode_key
from cacheadmin.models import AuditEntry
from tests.servers import RedisServer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("services")]


@pytest.fixture(scope="module")
def second_server(tmp_path_factory, own_servers):
    server = RedisServer(tmp_path_factory.mktemp("second")).start()
    yield server
    server.stop()


@pytest.fixture
def two_instances(settings, tmp_path, redis_client, second_server):
    """`default` is the tests' private server; `second` another, from an instances file."""
    second = second_server.client()
    second.flushall()
    redis_client.set("only:on:default", "1")
    second.set("only:on:second", "2")
    path = tmp_path / "instances.toml"
    path.write_text(f'[redis.second]\nurl = "{second_server.url}"\n')
    settings.CACHEADMIN_INSTANCES = str(path)
    yield second
    second.close()


def test_each_instance_shows_its_own_keys(viewer_client, two_instances):
    default = viewer_client.get("/keys/").content.decode()
    second = viewer_client.get("/i/second/keys/").content.decode()
    assert "only:on:default" in default and "only:on:second" not in default
    assert "only:on:second" in second and "only:on:default" not in second
    link = f'href="/i/second/keys/k/{encode_key(b"only:on:second")}'
    assert link in second  # a link keeps the instance
    assert re.search(r'href="/static/css/app\.css', second)  # static files stay shared


def test_the_api_takes_the_instance(viewer_client, two_instances):
    keys = viewer_client.get("/api/keys", {"instance": "second"}).json()["keys"]
    assert [key["key"] for key in keys] == ["only:on:second"]
    assert viewer_client.get("/i/second/api/keys").json()["keys"] == keys
    missing = viewer_client.get("/api/keys", {"instance": "nope"})
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")


def test_an_unknown_instance_is_a_404_after_the_login(viewer_client, two_instances):
    assert viewer_client.get("/i/nope/keys/").status_code == 404
    stranger = Client().get("/i/nope/keys/")
    assert stranger.status_code == 302 and "/accounts/login/" in stranger["Location"]


def test_the_switcher_offers_this_page_on_each_instance(viewer_client, two_instances):
    page = viewer_client.get("/i/second/keys/namespaces/").content.decode()
    assert 'href="/keys/namespaces/"' in page and 'href="/i/second/keys/namespaces/"' in page
    assert "Instance <strong>second</strong>" in page


def test_an_instance_with_redis_only_shows_no_rabbitmq_card(viewer_client, two_instances):
    overview = viewer_client.get("/i/second/api/overview").json()
    assert list(overview) == ["redis"] and overview["redis"]["ok"]
    assert set(viewer_client.get("/api/overview").json()) == {"redis", "rabbit"}


def test_a_change_is_made_and_audited_on_its_instance(operator_client, two_instances):
    encoded = encode_key(b"only:on:second")
    response = operator_client.post(f"/i/second/keys/delete/{encoded}", {"confirmed": "yes"})
    assert response.status_code == 302 and response["Location"] == "/i/second/keys/"
    assert not two_instances.exists("only:on:second")
    entry = AuditEntry.objects.get(action="key.delete")
    assert (entry.instance, entry.outcome) == ("second", "ok")
    filtered = operator_client.get("/audit/", {"instance": "second"}).content.decode()
    assert "only:on:second" in filtered


@pytest.fixture
def third_instance(settings, two_instances, second_server, tmp_path):
    path = tmp_path / "instances.toml"
    urls = [f'[redis.{name}]\nurl = "{second_server.url}"\n' for name in ("second", "third")]
    path.write_text("\n".join(urls))
    settings.CACHEADMIN_INSTANCES = str(path)
    return two_instances


def test_roles_per_instance_replace_the_groups(django_user_model, third_instance):
    from cacheadmin.models import InstanceRole
    from tests.users import logged_in, make_user

    user = make_user(django_user_model, "pat-per-instance", "viewer")
    InstanceRole.objects.create(user=user, instance="default", role="operator")
    InstanceRole.objects.create(user=user, instance="second", role="viewer")
    client = logged_in(user)
    encoded = encode_key(b"only:on:second")
    refused = client.post(f"/i/second/keys/delete/{encoded}", {"confirmed": "yes"})
    assert refused.status_code == 403 and third_instance.exists(b"only:on:second")
    page = client.get("/i/second/keys/").content.decode()
    assert 'href="/i/third/' not in page and "third" not in page  # never named
    assert client.get("/i/third/keys/").status_code == 404  # not 403: not confirmed
    assert client.get("/api/keys", {"instance": "third"}).status_code == 404
    confirm = client.post(f"/keys/delete/{encode_key(b'only:on:default')}")
    assert confirm.status_code == 200 and 'name="confirmed"' in confirm.content.decode()
    AuditEntry.objects.create(username="x", instance="third", action="key.delete", target="t3")
    AuditEntry.objects.create(username="x", instance="second", action="key.delete", target="t2")
    log = client.get("/audit/").content.decode()
    assert "<code>t2</code>" in log and "<code>t3</code>" not in log


def test_every_page_about_an_instance_names_it_even_with_no_switcher(
    django_user_model, third_instance, settings, viewer_client
):
    from cacheadmin.models import InstanceRole
    from tests.users import logged_in, make_user

    only_second = make_user(django_user_model, "lee-one-instance", None)
    InstanceRole.objects.create(user=only_second, instance="second", role="viewer")
    client = logged_in(only_second)
    for path in ("/i/second/keys/", "/i/second/live/", "/i/second/queues/", "/i/second/"):
        page = client.get(path).content.decode()
        assert 'class="instance-switch instance-name"' in page, path
        assert "Instance <strong>second</strong>" in page, path
    profile = client.get("/accounts/profile/").content.decode()  # about no instance of theirs
    assert "Instance <strong>" not in profile

    two = make_user(django_user_model, "lou-two-instances", None)
    InstanceRole.objects.create(user=two, instance="second", role="viewer")
    InstanceRole.objects.create(user=two, instance="third", role="viewer")
    audit = logged_in(two).get("/audit/").content.decode()
    assert "<details" in audit and "Instance <strong>default</strong>" not in audit

    settings.CACHEADMIN_INSTANCES = ""  # default alone: nothing to tell apart
    assert "Instance <strong>" not in viewer_client.get("/keys/").content.decode()
