"""Two RabbitMQ instances (two vhosts of the local broker, each with a user that sees
only its own, stand in for two brokers), and one whose management port accepts
connections and never answers."""

import time
import uuid
from urllib.parse import quote

import pika
import pytest

from tests.conftest import RABBIT_ADMIN, management_url
from tests.helpers import wait_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("services")]


@pytest.fixture
def other_broker(rabbit_admin, rabbit_user):
    """A vhost with a queue, and a user with the management tag who sees only it."""
    vhost = f"cacheadmin other/{uuid.uuid4().hex[:8]}"
    quoted = quote(vhost, safe="")
    rabbit_admin.put(f"vhosts/{quoted}", {})
    user, password = rabbit_user("management")
    for who in (user, RABBIT_ADMIN[0]):
        rabbit_admin.put(
            f"permissions/{quoted}/{who}", {"configure": ".*", "write": ".*", "read": ".*"}
        )
    amqp = f"amqp://{user}:{password}@127.0.0.1:5672/{quoted}"
    connection = pika.BlockingConnection(pika.URLParameters(amqp))
    connection.channel().queue_declare("only-on-other")
    connection.close()
    yield {"amqp_url": amqp, "management_url": management_url(user, password)}
    rabbit_admin.delete(f"vhosts/{quoted}")


@pytest.fixture
def brokers(settings, tmp_path, other_broker, silent_port):
    connection = pika.BlockingConnection(pika.URLParameters(settings.RABBITMQ_URL))
    connection.channel().queue_declare("only-on-default", auto_delete=False)
    connection.close()
    path = tmp_path / "instances.toml"
    path.write_text(
        f'[rabbitmq.other]\namqp_url = "{other_broker["amqp_url"]}"\n'
        f'management_url = "{other_broker["management_url"]}"\n\n'
        f'[rabbitmq.silent]\namqp_url = "{other_broker["amqp_url"]}"\n'
        f'management_url = "http://guest:guest@127.0.0.1:{silent_port}/"\n'
    )
    settings.CACHEADMIN_INSTANCES = str(path)
    settings.RABBITMQ_TIMEOUT = 1.0


def test_each_broker_shows_its_own_queues(viewer_client, brokers):
    default = [q["name"] for q in viewer_client.get("/api/queues").json()["items"]]
    other = [q["name"] for q in viewer_client.get("/api/queues?instance=other").json()["items"]]
    assert "only-on-default" in default  # the tests' administrator sees every vhost
    assert other == ["only-on-other"]  # the other broker's user sees its own only
    page = viewer_client.get("/i/other/queues/").content.decode()
    assert "only-on-other" in page and "This instance has no Redis." in page


def test_a_silent_management_port_costs_its_timeout_only(viewer_client, brokers, settings):
    started = time.monotonic()
    page = viewer_client.get("/i/silent/queues/")
    assert page.status_code == 504 and "did not answer within 1.0 s" in page.content.decode()
    assert 'data-instance="silent"' in viewer_client.get("/").content.decode()
    row = wait_for(lambda: silent_row(viewer_client), 3 * settings.RABBITMQ_TIMEOUT)
    assert time.monotonic() - started < 4 * settings.RABBITMQ_TIMEOUT
    assert 'data-instance="silent"' in row and "did not answer within" in row


def silent_row(client) -> str | None:
    """The silent broker's row once its timeout is known; never waited for."""
    started = time.monotonic()
    row = client.get("/i/silent/overview/row/rabbitmq").content.decode()
    assert time.monotonic() - started < 1.0
    return row if "timeout" in row else None


def test_the_overview_lists_the_brokers_nodes(viewer_client, brokers):
    figures = viewer_client.get("/api/overview").json()["rabbit"]["figures"]
    (node,) = figures["nodes"]
    assert node["running"] and node["name"].startswith("rabbit@") and figures["alarms"] == []
    assert node["memory"][0] > 0 and node["memory"][1] > node["memory"][0]
    page = viewer_client.get("/i/default/").content.decode()
    assert 'data-figure="rabbit-nodes"' in page and node["name"] in page


def test_a_rabbitmq_only_instance_offers_no_redis_pages(operator_client, brokers):
    from cacheadmin.models import AuditEntry

    page = operator_client.get("/i/other/queues/").content.decode()
    assert 'href="/i/other/keys/"' not in page and 'href="/i/other/cache/"' not in page
    assert 'href="/i/other/live/"' in page
    assert operator_client.get("/i/other/redis/reset-stats/").status_code == 404
    assert operator_client.post("/i/other/redis/reset-stats/").status_code == 404
    assert not AuditEntry.objects.exists()  # nothing was tried
    default = operator_client.get("/queues/").content.decode()
    assert 'href="/keys/"' in default
