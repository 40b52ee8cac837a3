"""AMQP of invalidations: the durable queue of jobs for the worker, and the fanout
exchange that tells application nodes what was invalidated."""

import pika

from cacheadmin.gateways.amqp import connect
from cacheadmin.gateways.instances import RabbitInstance

JOBS_QUEUE = "cacheadmin.invalidation.jobs"
EVENTS_EXCHANGE = "cacheadmin.invalidations"


def declare(channel) -> None:
    channel.queue_declare(JOBS_QUEUE, durable=True)
    channel.exchange_declare(EVENTS_EXCHANGE, exchange_type="fanout", durable=True)


def enqueue_job(url: str, job_id: int, *, timeout: float) -> None:
    """Put a job id on the durable queue, persistent, confirmed by the broker."""
    connection = connect(url, timeout=timeout)
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        declare(channel)
        properties = pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent)
        channel.basic_publish("", JOBS_QUEUE, str(job_id).encode(), properties=properties)
    finally:
        connection.close()


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
