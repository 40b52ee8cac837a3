"""An operator's test message, published over AMQP."""

import pika
from django.conf import settings

from cacheadmin.core.amqp import FAILURES, amqp_problem, connect, url_for_vhost
from cacheadmin.core.problems import Problem


def publish_message(
    url: str, *, vhost: str, routing_key: str, body: bytes, headers: dict, timeout: float
) -> None:
    """A test message through the default exchange to routing_key, confirmed by the broker."""
    connection = connect(url_for_vhost(url, vhost), timeout=timeout)
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        properties = pika.BasicProperties(headers=headers or None)
        channel.basic_publish("", routing_key, body, properties=properties, mandatory=True)
    finally:
        connection.close()


def test_message_publish(
    *, vhost: str, routing_key: str, body: bytes, headers: dict
) -> Problem | None:
    """Publish an operator's test message on RABBITMQ_URL's broker; None when it was taken."""
    timeout = settings.RABBITMQ_TIMEOUT
    try:
        publish_message(
            settings.RABBITMQ_URL,
            vhost=vhost,
            routing_key=routing_key,
            body=body,
            headers=headers,
            timeout=timeout,
        )
    except FAILURES as exc:
        return amqp_problem(exc, doing="RabbitMQ did not take the message", timeout=timeout)
    return None
