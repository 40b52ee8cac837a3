"""AMQP connections through pika: the one place that opens them, and what their
failures mean in words."""

import socket
import ssl
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import pika
from pika.adapters.utils.connection_workflow import (
    AMQPConnectorException,
    AMQPConnectorStackTimeout,
)

from cacheadmin.gateways.instances import UNCLEAR_MESSAGE, amqp_vhost, userinfo_unclear
from cacheadmin.gateways.problems import (
    ERROR,
    MISCONFIGURED,
    NOT_ROUTED,
    REFUSED,
    TIMEOUT,
    UNREACHABLE,
    Problem,
)


class AmqpConfigError(ValueError):
    """The AMQP URL cannot be used."""


# What an AMQP call can raise when the broker or the URL fails: pika's own errors,
# its connection workflow's (a handshake that times out is one of those, not an
# AMQPError), the network's, and a URL that cannot be read.
FAILURES = (pika.exceptions.AMQPError, AMQPConnectorException, OSError, AmqpConfigError)


def parameters(
    url: str, *, timeout: float, ca_file: str = "", named: str = "RABBITMQ_URL"
) -> pika.URLParameters:
    """The connection's parameters, every wait bounded by timeout (pika's handshake
    allowed 15 s by default); amqps:// checks the broker against ca_file's CAs, or the
    system's. named: how an error names the URL (RabbitInstance.named)."""
    if userinfo_unclear(url):
        raise AmqpConfigError(f"{named} {UNCLEAR_MESSAGE}.")
    try:
        params = pika.URLParameters(url)
    except Exception as exc:  # noqa: BLE001 (pika raises ValueError, IndexError, ...)
        raise AmqpConfigError(f"{named} is not an AMQP URL pika can use: {exc}") from None
    params.socket_timeout = timeout
    params.stack_timeout = timeout
    params.blocked_connection_timeout = timeout
    params.connection_attempts = 1
    if ca_file and params.ssl_options:
        context = ssl.create_default_context(cafile=ca_file)
        params.ssl_options = pika.SSLOptions(context, params.host)
    return params


def connect(
    url: str, *, timeout: float = 5.0, ca_file: str = "", named: str = "RABBITMQ_URL"
) -> pika.BlockingConnection:
    return pika.BlockingConnection(parameters(url, timeout=timeout, ca_file=ca_file, named=named))


def url_for_vhost(url: str, vhost: str) -> str:
    """The AMQP URL with another virtual host."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(vhost, safe=""), parts.query, ""))


def amqp_problem(
    exc: Exception, *, doing: str, timeout: float, url: str, named: str = "RABBITMQ_URL"
) -> Problem:
    """An AMQP failure in words: "RabbitMQ did not take the message: ..." (doing). url
    (the one connected to) gives the user and virtual host to name; named, how to name
    the URL (RabbitInstance.named). Never the message: its body is the caller's data."""
    if isinstance(exc, AmqpConfigError):
        return Problem(MISCONFIGURED, f"{doing}: {exc}")
    if isinstance(exc, AMQPConnectorStackTimeout | socket.timeout | TimeoutError):
        return Problem(TIMEOUT, f"{doing}: RabbitMQ did not answer within {timeout:g} s.")
    user = unquote(urlsplit(url).username or "guest")
    if isinstance(exc, pika.exceptions.ProbableAccessDeniedError):  # NOT_ALLOWED (530)
        vhost = amqp_vhost(url)
        return Problem(
            REFUSED,
            f"{doing}: the RabbitMQ user '{user}' of {named} has no access to the virtual "
            f"host '{vhost}' (NOT_ALLOWED): grant it permissions there "
            f"(rabbitmqctl set_permissions -p '{vhost}' '{user}' ...).",
        )
    if isinstance(exc, pika.exceptions.ProbableAuthenticationError):  # ACCESS_REFUSED (403)
        return Problem(
            REFUSED,
            f"{doing}: RabbitMQ refused the user '{user}' of {named}: wrong user name or "
            "password (ACCESS_REFUSED).",
        )
    if isinstance(exc, pika.exceptions.UnroutableError):  # the broker is up: not "doing"
        return Problem(
            NOT_ROUTED,
            "The message was not routed: no queue is bound to its routing key, so RabbitMQ "
            "returned it and delivered nothing.",
        )
    if isinstance(exc, pika.exceptions.ChannelClosedByBroker | pika.exceptions.NackError):
        return _answered_no(exc, doing=doing, user=user, vhost=amqp_vhost(url))
    return Problem(UNREACHABLE, f"{doing}: {exc!r}")


def _answered_no(exc: Exception, *, doing: str, user: str, vhost: str) -> Problem:
    """The broker is up and answered, refusing what was asked: a missing permission
    (a channel closed with ACCESS_REFUSED, 403), another channel error, or a nack (a
    full queue that rejects new messages). Never the message: pika's NackError holds it."""
    if isinstance(exc, pika.exceptions.NackError):
        return Problem(
            ERROR,
            f"{doing}: RabbitMQ refused the message (a nack): a queue it was routed to is "
            "full and rejects new messages (x-overflow reject-publish), or the broker could "
            "not store it.",
        )
    if exc.reply_code == 403:
        return Problem(
            REFUSED,
            f"{doing}: the RabbitMQ user '{user}' was refused ({exc.reply_text}): its "
            f"permissions on the virtual host '{vhost}' do not allow this (publishing needs "
            f"write permission on the exchange; rabbitmqctl list_user_permissions '{user}').",
        )
    return Problem(ERROR, f"{doing}: RabbitMQ closed the channel ({exc!r}).")
