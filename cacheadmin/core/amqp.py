"""AMQP connections through pika: the one place that opens them."""

from urllib.parse import quote, urlsplit, urlunsplit

import pika


def connect(url: str, *, timeout: float = 5.0) -> pika.BlockingConnection:
    parameters = pika.URLParameters(url)
    parameters.socket_timeout = timeout
    parameters.blocked_connection_timeout = timeout
    return pika.BlockingConnection(parameters)


def url_for_vhost(url: str, vhost: str) -> str:
    """The AMQP URL with another virtual host."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(vhost, safe=""), parts.query, ""))
