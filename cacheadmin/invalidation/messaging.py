"""AMQP of invalidations: the fanout exchange that tells application nodes what was
invalidated. (Their jobs go through gateways.job_queue.)"""

import pika

from cacheadmin.gateways.amqp import connect
from cacheadmin.gateways.instances import RabbitInstance

EVENTS_EXCHANGE = "cacheadmin.invalidations"


def publish_event(broker: RabbitInstance, body: bytes, *, timeout: float) -> None:
    """The event on the broker's fanout exchange (only that: the job queue lives on the
    dashboard's own broker, RABBITMQ_URL's)."""
    connection = connect(
        broker.amqp_url, timeout=timeout, ca_file=broker.ca_file, named=broker.named("amqp_url")
    )
    try:
        channel = connection.channel()
        channel.exchange_declare(EVENTS_EXCHANGE, exchange_type="fanout", durable=True)
        properties = pika.BasicProperties(content_type="application/json")
        channel.basic_publish(EVENTS_EXCHANGE, "", body, properties=properties)
    finally:
        connection.close()
