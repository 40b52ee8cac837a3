"""An instance whose user sees one virtual host (the management tag, permissions on
the vhost its AMQP URL names) shows that vhost's figures, queues and exchanges, and
says so; another vhost's queues never show."""

import html
import uuid
from urllib.parse import quote

import pika
import pytest

from tests.conftest import RABBIT_ADMIN, management_url
from tests.helpers import wait_for_statistics

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("services")]
EVERYTHING = {"configure": ".*", "write": ".*", "read": ".*"}


def make_vhost(rabbit_admin, name: str, queues: dict[str, int]) -> str:
    """A vhost with queues holding the given numbers of messages; its AMQP URL."""
    quoted = quote(name, safe="")
    rabbit_admin.put(f"vhosts/{quoted}", {})
    rabbit_admin.put(f"permissions/{quoted}/{RABBIT_ADMIN[0]}", EVERYTHING)
    url = f"amqp://{RABBIT_ADMIN[0]}:{RABBIT_ADMIN[1]}@127.0.0.1:5672/{quoted}"
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    for queue, count in queues.items():
        channel.queue_declare(queue)
        for _ in range(count):
            channel.basic_publish("", queue, b"m")
    connection.close()
    return url


@pytest.fixture
def scoped(settings, tmp_path, rabbit_admin, rabbit_user):
    """The instance `scoped`: vhost one (a queue of 2 messages with a consumer), its
    user with the management tag and permissions there only; vhost two, with queues."""
    tag = uuid.uuid4().hex[:8]
    one, two = f"cacheadmin scoped/{tag} one", f"cacheadmin scoped/{tag} two"
    url = make_vhost(rabbit_admin, one, {"zq-in-one": 2})
    make_vhost(rabbit_admin, two, {"zq-in-two-a": 5, "zq-in-two-b": 1})
    user, password = rabbit_user("management")
    rabbit_admin.put(f"permissions/{quote(one, safe='')}/{user}", EVERYTHING)
    consuming = pika.BlockingConnection(pika.URLParameters(url))
    consuming.channel().basic_consume("zq-in-one", lambda *_: None)
    path = tmp_path / "instances.toml"
    amqp = f"amqp://{user}:{password}@127.0.0.1:5672/{quote(one, safe='')}"
    path.write_text(
        f'[rabbitmq.scoped]\namqp_url = "{amqp}"\n'
        f'management_url = "{management_url(user, password)}"\n'
    )
    settings.CACHEADMIN_INSTANCES = str(path)
    settings.RABBITMQ_STATS_INTERVAL = 0.01  # no answers shared between the asks
    yield {"one": one, "two": two, "user": user}
    consuming.close()
    for name in (one, two):
        rabbit_admin.delete(f"vhosts/{quote(name, safe='')}")


def test_a_vhost_scoped_instance_shows_its_vhost_only(viewer_client, scoped, rabbit_admin):
    def figures():
        found = viewer_client.get("/api/overview?instance=scoped").json()["rabbit"]["figures"]
        return found if found["messages"] == 2 and found["consumers"] == 1 else None

    found = wait_for_statistics(figures)
    assert found["vhost"] == scoped["one"] and found["queues"] == 1
    # Another user's connections are not shown to this one: unknown, not 0.
    assert found["connections"] is None and found["channels"] is None
    assert found["nodes"] is None and "nodes_refused" not in found
    page = viewer_client.get("/i/scoped/").content.decode()
    assert 'data-figure="rabbit-vhost"' in page and "Figures of the virtual host" in page
    assert "monitoring" not in page  # no advice to widen the user's rights
    row = viewer_client.get("/i/scoped/overview/row/rabbitmq").content.decode()
    assert f"virtual host <code>{scoped['one']}</code> only" in row

    def listed() -> list[str]:
        items = viewer_client.get("/api/queues?instance=scoped").json()["items"]
        return [item["name"] for item in items]

    assert listed() == ["zq-in-one"]
    queues = viewer_client.get("/i/scoped/queues/").content.decode()
    assert 'data-figure="queues-vhost"' in queues and "zq-in-two" not in queues
    assert "the one its AMQP URL names: the instance shows no other" in queues
    exchanges = viewer_client.get("/i/scoped/queues/exchanges/").content.decode()
    assert 'data-figure="exchanges-vhost"' in exchanges and scoped["two"] not in exchanges
    # Rights on the other vhost too: the instance still names one, and shows it only.
    rabbit_admin.put(f"permissions/{quote(scoped['two'], safe='')}/{scoped['user']}", EVERYTHING)
    assert listed() == ["zq-in-one"]
    assert wait_for_statistics(figures)["queues"] == 1


def depth(rabbit_url: str, queue: str) -> int:
    """A queue's depth as the broker counts it now (a passive declare: no stats lag)."""
    connection = pika.BlockingConnection(pika.URLParameters(rabbit_url))
    try:
        return connection.channel().queue_declare(queue, passive=True).method.message_count
    finally:
        connection.close()


def test_a_vhost_scoped_instance_answers_for_no_other_vhost(operator_client, scoped, rabbit_admin):
    """Even with rights on another vhost, asking the instance about it by name is a 404
    that says which vhost the instance shows, and nothing is published there."""
    from cacheadmin.models import AuditEntry

    two = scoped["two"]
    rabbit_admin.put(f"permissions/{quote(two, safe='')}/{scoped['user']}", EVERYTHING)
    answer = operator_client.get("/api/queues", {"instance": "scoped", "vhost": two})
    shown_only = f"for the virtual host {scoped['one']!r} only"
    assert answer.status_code == 404 and shown_only in answer.json()["message"]
    for page in ("/i/scoped/queues/", "/i/scoped/queues/exchanges/", "/i/scoped/queues/q"):
        response = operator_client.get(page, {"vhost": two, "name": "zq-in-two-a"})
        text = html.unescape(response.content.decode())
        assert response.status_code == 404 and shown_only in text
        assert "zq-in-two-b" not in text and 'data-figure="queue"' not in text
    form = {"vhost": two, "name": "zq-in-two-a", "headers": "{}", "body": "b", "confirmed": "yes"}
    response = operator_client.post("/i/scoped/queues/publish", form)
    assert response.status_code == 404 and shown_only in html.unescape(response.content.decode())
    admin_url = f"amqp://{RABBIT_ADMIN[0]}:{RABBIT_ADMIN[1]}@127.0.0.1:5672/{quote(two, safe='')}"
    assert depth(admin_url, "zq-in-two-a") == 5  # nothing was published there
    entry = AuditEntry.objects.get(action="queue.publish")
    assert entry.outcome == "failed" and shown_only in entry.error
    # Its own vhost, named, still answers.
    mine = operator_client.get("/api/queues", {"instance": "scoped", "vhost": scoped["one"]})
    assert [item["name"] for item in mine.json()["items"]] == ["zq-in-one"]
