"""An operator's test message, published over AMQP."""

import pika
from django.conf import settings

from cacheadmin.gateways import connections
from cacheadmin.gateways.amqp import FAILURES, amqp_problem, connect, url_for_vhost
from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.instances import RabbitInstance
from cacheadmin.gateways.problems import MISCONFIGURED, Problem
from cacheadmin.gateways.service_calls import call_rabbit


def publish_message(
    broker: RabbitInstance,
    *,
    vhost: str,
    routing_key: str,
    body: bytes,
    headers: dict,
    timeout: float,
) -> None:
    """A test message through the default exchange to routing_key, confirmed by the broker."""
    url = url_for_vhost(broker.amqp_url, vhost)
    connection = connect(
        url, timeout=timeout, ca_file=broker.ca_file, named=broker.named("amqp_url")
    )
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        properties = pika.BasicProperties(headers=headers or None)
        channel.basic_publish("", routing_key, body, properties=properties, mandatory=True)
    finally:
        connection.close()


def test_message_publish(
    *, instance: Instance, vhost: str, routing_key: str, body: bytes, headers: dict
) -> Problem | None:
    """Publish an operator's test message on the instance's broker; None when it was taken."""
    timeout = settings.RABBITMQ_TIMEOUT
    try:
        broker = instance.rabbit_config()
    except connections.ConfigError as exc:
        return Problem(MISCONFIGURED, str(exc))
    if vhost != broker.vhost:  # the management API says whether the instance shows it
        _, problem = call_rabbit(lambda client: client.check_vhost(vhost), instance=instance)
        if problem:
            return problem
    try:
        publish_message(
            broker,
            vhost=vhost,
            routing_key=routing_key,
            body=body,
            headers=headers,
            timeout=timeout,
        )
    except FAILURES as exc:
        return amqp_problem(
            exc,
            doing="RabbitMQ did not take the message",
            timeout=timeout,
            url=url_for_vhost(broker.amqp_url, vhost),
            named=broker.named("amqp_url"),
        )
    return None
