"""A broker channel for invalidation tests."""

import pika
import pytest

from cacheadmin.gateways import job_queue
from cacheadmin.invalidation import messaging as amqp


@pytest.fixture
def broker(services, settings):
    """A channel on the test vhost, the job queue emptied, and a queue bound to the
    events exchange, as an application node would have."""
    connection = pika.BlockingConnection(pika.URLParameters(settings.RABBITMQ_URL))
    channel = connection.channel()
    job_queue.declare(channel)
    channel.exchange_declare(amqp.EVENTS_EXCHANGE, exchange_type="fanout", durable=True)
    channel.queue_purge(job_queue.JOBS_QUEUE)
    events = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(events, amqp.EVENTS_EXCHANGE)
    yield channel, events
    connection.close()
