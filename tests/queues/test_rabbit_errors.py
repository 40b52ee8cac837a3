"""RabbitMQ failures said as what they are: a message no queue took, a user with no
rights on the virtual host, an instance of the instances file; and what the log keeps."""

import html
import logging
import uuid
from urllib.parse import quote

import pika
import pytest

from cacheadmin.models import AuditEntry
from tests.conftest import management_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("services")]
QUEUE = "zq.errors.queue"
BODY = "zq-secret-body-4242"


@pytest.fixture
def queue(settings, rabbit_vhost):
    """The queue, removed after the test: the vhost is the session's, and other tests
    count its queues."""
    url = settings.RABBITMQ_URL  # the test may change the setting
    connection = pika.BlockingConnection(pika.URLParameters(url))
    connection.channel().queue_declare(QUEUE)
    connection.close()
    yield rabbit_vhost
    connection = pika.BlockingConnection(pika.URLParameters(url))
    connection.channel().queue_delete(QUEUE)
    connection.close()


def publish(client, vhost: str, prefix: str = "", **fields):
    form = {"vhost": vhost, "name": QUEUE, "headers": "{}", "body": BODY, "confirmed": "yes"}
    return client.post(f"{prefix}/queues/publish", form | fields)


def test_an_unroutable_publish_is_not_routed_audited_and_its_body_never_logged(
    operator_client, queue, caplog
):
    caplog.set_level(logging.DEBUG)
    response = publish(operator_client, queue, routing_key="zq.bound.to.nothing")
    page = response.content.decode()
    assert response.status_code == 422 and "was not routed" in page
    assert "Unreachable" not in page
    entry = AuditEntry.objects.get(action="queue.publish")
    assert entry.outcome == "failed" and "not routed" in entry.error
    assert BODY not in caplog.text
    assert publish(operator_client, queue).status_code == 302  # to the queue: routed


def test_a_user_without_rights_on_the_vhost_is_told_so_not_wrong_password(
    operator_client, queue, rabbit_user, settings
):
    user, password = rabbit_user("management")  # right password, no permissions there
    settings.RABBITMQ_MANAGEMENT_URL = management_url(user, password)
    answer = operator_client.get("/api/queues?" + f"vhost={quote(queue, safe='')}").json()
    assert f"access to the virtual host '{queue}'" in answer["message"]
    assert "no permissions there" in answer["message"]
    assert "wrong user name or password" not in answer["message"]
    vhost = quote(queue, safe="")
    settings.RABBITMQ_URL = f"amqp://{user}:{password}@127.0.0.1:5672/{vhost}"
    page = publish(operator_client, queue).content.decode()
    assert "has no access to the virtual host" in page and "NOT_ALLOWED" in page
    assert "wrong user name or password" not in page
    settings.RABBITMQ_URL = f"amqp://{user}:wrong@127.0.0.1:5672/{vhost}"
    page = publish(operator_client, queue).content.decode()
    assert "wrong user name or password" in page and "ACCESS_REFUSED" in page


def test_errors_about_an_instance_of_the_file_name_it_and_its_field(
    operator_client, queue, settings, tmp_path
):
    vhost = quote(queue, safe="")
    path = tmp_path / "instances.toml"
    path.write_text(
        f'[rabbitmq.other]\namqp_url = "amqp://guest:wrong@127.0.0.1:5672/{vhost}"\n'
        f'management_url = "{management_url("guest", "guest")}"\n'
    )
    settings.CACHEADMIN_INSTANCES = str(path)
    page = publish(operator_client, queue, prefix="/i/other").content.decode()
    assert f"the amqp_url of [rabbitmq.other] in {path}" in page
    assert "wrong user name or password" in page and "RABBITMQ_URL" not in page
    path = tmp_path / "more-instances.toml"  # another file: no instances kept from the first
    path.write_text(
        f'[rabbitmq.other]\namqp_url = "amqp://guest:guest@127.0.0.1:5672/{vhost}"\n'
        f'management_url = "{management_url("guest", "wrong")}"\n'
    )
    settings.CACHEADMIN_INSTANCES = str(path)
    message = operator_client.get("/api/queues?instance=other").json()["message"]
    named = f"the management_url of [rabbitmq.other] in {path}"
    assert f"wrong user name or password in {named}" in message
    assert "RABBITMQ_MANAGEMENT_URL" not in message


def test_a_refused_request_is_logged_in_one_line(viewer_client, queue, caplog):
    caplog.set_level(logging.INFO)
    response = viewer_client.post("/queues/purge", {"vhost": queue, "name": QUEUE})
    assert response.status_code == 403
    (record,) = [r for r in caplog.records if getattr(r, "status_code", None) == 403]
    assert record.name == "django.request" and "Forbidden" in record.getMessage()
    assert record.exc_info is None and "Traceback" not in caplog.text


def test_a_user_whose_permissions_do_not_cover_it_is_told_so_not_wrong_password(
    operator_client, queue, rabbit_user, rabbit_admin, settings
):
    """Rights on the vhost, but not these: the management API's ACCESS_REFUSED (peek and
    purge need read), AMQP's channel ACCESS_REFUSED (publishing needs write)."""
    user, password = rabbit_user("management")
    vhost = quote(queue, safe="")
    nothing = {"configure": "^$", "write": "^$", "read": "^$"}
    rabbit_admin.put(f"permissions/{vhost}/{user}", nothing | {"configure": ".*"})
    settings.RABBITMQ_MANAGEMENT_URL = management_url(user, password)
    settings.RABBITMQ_URL = f"amqp://{user}:{password}@127.0.0.1:5672/{vhost}"
    form = {"vhost": queue, "name": QUEUE}
    pages = {
        "peek": operator_client.post("/queues/peek", form | {"count": "1"}),
        "purge": operator_client.post("/queues/purge", form | {"confirmed": "yes"}),
        "publish": publish(operator_client, queue),
    }
    for action, response in pages.items():
        page = html.unescape(response.content.decode())
        assert f"user '{user}'" in page, action
        assert f"permissions on the virtual host '{queue}' do not allow" in page, action
        assert "wrong user name or password" not in page and "Unreachable" not in page, action
    assert "needs read permission" in html.unescape(pages["purge"].content.decode())
    assert "needs write permission" in html.unescape(pages["publish"].content.decode())
    for entry in AuditEntry.objects.filter(action__in=("queue.purge", "queue.publish")):
        assert entry.outcome == "failed" and "do not allow" in entry.error


def test_a_message_the_broker_nacks_is_said_refused_not_unreachable(
    operator_client, queue, settings, caplog
):
    """A full queue that rejects new messages (x-overflow reject-publish) nacks them:
    the broker answered, and said no."""
    caplog.set_level(logging.DEBUG)
    full = f"zq.errors.full.{uuid.uuid4().hex[:8]}"
    connection = pika.BlockingConnection(pika.URLParameters(settings.RABBITMQ_URL))
    channel = connection.channel()
    arguments = {"x-max-length": 1, "x-overflow": "reject-publish"}
    channel.queue_declare(full, arguments=arguments)
    channel.basic_publish("", full, b"the one it holds")
    try:
        response = publish(operator_client, queue, name=full)
        page = html.unescape(response.content.decode())
        assert response.status_code == 502 and "refused the message (a nack)" in page
        assert "Unreachable" not in page and "unroutable" not in page
        entry = AuditEntry.objects.get(action="queue.publish")
        assert entry.outcome == "failed" and "nack" in entry.error
        assert channel.queue_declare(full, passive=True).method.message_count == 1
        assert BODY not in caplog.text
    finally:
        channel.queue_delete(full)
        connection.close()
