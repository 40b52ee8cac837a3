"""AMQP connections through pika: the one place that opens them, and what their
failures mean in words."""

import socket
import ssl
from urllib.parse import quote, urlsplit, urlunsplit

import pika
from pika.adapters.utils.connection_workflow import (
    AMQPConnectorException,
    AMQPConnectorStackTimeout,
)

from cacheadmin.core.problems import MISCONFIGURED, REFUSED, TIMEOUT, UNREACHABLE, Problem


class AmqpConfigError(ValueError):
    """The AMQP URL cannot be used."""


# What an AMQP call can raise when the broker or the URL fails: pika's own errors,
# its connection workflow's (a handshake that times out is one of those, not an
# AMQPError), the network's, and a URL that cannot be read.
FAILURES = (pika.exceptions.AMQPError, AMQPConnectorException, OSError, AmqpConfigError)


def parameters(url: str, *, timeout: float, ca_file: str = "") -> pika.URLParameters:
    """The connection's parameters, every wait bounded by timeout (pika's handshake
    allowed 15 s by default); amqps:// checks the broker against ca_file's CAs, or the
    system's."""
    try:
        params = pika.URLParameters(url)
    except Exception as exc:  # noqa: BLE001 (pika raises ValueError, IndexError, ...)
        raise AmqpConfigError(f"RABBITMQ_URL is not an AMQP URL pika can use: {exc}") from None
    params.socket_timeout = timeout
    params.stack_timeout = timeout
    params.blocked_connection_timeout = timeout
    params.connection_attempts = 1
    if ca_file and params.ssl_options:
        context = ssl.create_default_context(cafile=ca_file)
        params.ssl_options = pika.SSLOptions(context, params.host)
    return params


def connect(url: str, *, timeout: float = 5.0, ca_file: str = "") -> pika.BlockingConnection:
    return pika.BlockingConnection(parameters(url, timeout=timeout, ca_file=ca_file))


def url_for_vhost(url: str, vhost: str) -> str:
    """The AMQP URL with another virtual host."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(vhost, safe=""), parts.query, ""))


def amqp_problem(exc: Exception, *, doing: str, timeout: float) -> Problem:
    """An AMQP failure in words: "RabbitMQ did not take the message: ..." (doing)."""
    if isinstance(exc, AmqpConfigError):
        return Problem(MISCONFIGURED, f"{doing}: {exc}")
    if isinstance(exc, AMQPConnectorStackTimeout | socket.timeout | TimeoutError):
        return Problem(TIMEOUT, f"{doing}: RabbitMQ did not answer within {timeout:g} s.")
    if isinstance(
        exc,
        pika.exceptions.ProbableAuthenticationError | pika.exceptions.ProbableAccessDeniedError,
    ):
        return Problem(REFUSED, f"{doing}: RabbitMQ refused the user of RABBITMQ_URL ({exc!r}).")
    return Problem(UNREACHABLE, f"{doing}: {exc!r}")
