"""AMQP through pika: the durable queue of invalidation jobs and the fanout exchange
that tells application nodes what was invalidated."""

import pika

JOBS_QUEUE = "cacheadmin.invalidation.jobs"
EVENTS_EXCHANGE = "cacheadmin.invalidations"


def connect(url: str, *, timeout: float = 5.0) -> pika.BlockingConnection:
    parameters = pika.URLParameters(url)
    parameters.socket_timeout = timeout
    parameters.blocked_connection_timeout = timeout
    return pika.BlockingConnection(parameters)


def declare(channel) -> None:
    channel.queue_declare(JOBS_QUEUE, durable=True)
    channel.exchange_declare(EVENTS_EXCHANGE, exchange_type="fanout", durable=True)


def enqueue_job(url: str, job_id: int) -> None:
    """Put a job id on the durable queue, persistent, confirmed by the broker."""
    connection = connect(url)
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        declare(channel)
        properties = pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent)
        channel.basic_publish("", JOBS_QUEUE, str(job_id).encode(), properties=properties)
    finally:
        connection.close()


def publish_event(url: str, body: bytes) -> None:
    connection = connect(url)
    try:
        channel = connection.channel()
        declare(channel)
        properties = pika.BasicProperties(content_type="application/json")
        channel.basic_publish(EVENTS_EXCHANGE, "", body, properties=properties)
    finally:
        connection.close()


def url_for_vhost(url: str, vhost: str) -> str:
    """The AMQP URL with another virtual host."""
    from urllib.parse import quote, urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(vhost, safe=""), parts.query, ""))


def publish_message(url: str, *, vhost: str, routing_key: str, body: bytes, headers: dict) -> None:
    """A test message through the default exchange to routing_key, confirmed by the broker."""
    connection = connect(url_for_vhost(url, vhost))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        properties = pika.BasicProperties(headers=headers or None)
        channel.basic_publish("", routing_key, body, properties=properties, mandatory=True)
    finally:
        connection.close()
