"""A RabbitMQ exchange tap: an exclusive, auto-delete queue of our own bound to the
exchange, consumed with pika in a thread of its own; the broker removes the queue when
the tap closes (the last watcher left) or its connection dies.

The thread takes at most PREFETCH unacknowledged messages and acknowledges a batch only
once the event loop has taken it, so a tap that falls behind leaves the backlog in its
queue, where the broker keeps at most TAP_MAX_LENGTH and drops the oldest."""

import asyncio
import contextlib
import logging
import threading
import uuid
from concurrent.futures import TimeoutError as FutureTimeout

import pika
from django.conf import settings

from cacheadmin.gateways import connections
from cacheadmin.gateways.amqp import FAILURES, AmqpConfigError, amqp_problem, connect
from cacheadmin.live.hub import KEEP_BYTES, Upstream
from cacheadmin.live.reconnecting import Reconnecting

log = logging.getLogger(__name__)
TAP_PREFIX = "cacheadmin.tap."
TAP_MAX_LENGTH = 10_000
PREFETCH = 500
MAX_TAPS = 20  # per server process: each holds a thread and a connection
REFUSALS = (403, 404, 406)  # access refused, no such exchange, a bad argument


class TapRefused(Exception):
    """The broker will not let this tap be: retrying would not help."""


class RabbitTap(Upstream):
    # keep_bytes (Upstream's) of each body are taken from the thread to the event loop,
    # the filter seen before, over the whole body (True), or by receive() after (False)
    filters_whole_body = True
    missing = "There is no exchange {exchange!r} in this virtual host."

    def binding_key(self) -> str:
        return self.feed.binding_key

    async def read(self) -> None:
        loop = asyncio.get_running_loop()
        stop, ended = threading.Event(), asyncio.Event()

        def consume() -> None:
            try:
                self._consume(loop, stop)
            except Exception as exc:  # a bug in the thread: the feed says so, not "connecting"
                log.exception("RabbitMQ tap on %r died", self.feed.exchange)
                self._say(loop, "failed", f"The RabbitMQ tap stopped: {exc!r}")
            finally:
                _tell(loop, ended.set)

        threading.Thread(target=consume, name=f"tap {self.feed.exchange}", daemon=True).start()
        try:
            await ended.wait()
        finally:
            stop.set()  # the thread sees it within a poll and closes its connection

    def _consume(self, loop: asyncio.AbstractEventLoop, stop: threading.Event) -> None:
        retry = Reconnecting()
        while not stop.is_set():
            try:
                self._tap(loop, stop, retry)
            except TapRefused as exc:
                self._say(loop, "failed", str(exc))
                return
            except FAILURES as exc:
                self._say(
                    loop, "reconnecting", f"RabbitMQ connection lost ({exc!r}); reconnecting."
                )
                stop.wait(retry.lost())

    def _say(self, loop, state: str, message: str, **details) -> None:
        _tell(loop, lambda: self.announce(state, message=message, **details))

    def _tap(self, loop, stop: threading.Event, retry: Reconnecting) -> None:
        try:
            broker = connections.instance(self.feed.instance).rabbit_config()
        except connections.ConfigError as exc:
            raise TapRefused(str(exc)) from None
        try:
            timeout = settings.RABBITMQ_TIMEOUT
            named = broker.named("amqp_url")
            connection = connect(
                broker.amqp_url, timeout=timeout, ca_file=broker.ca_file, named=named
            )
        except (  # lasting: trying again cannot mend these
            AmqpConfigError,
            pika.exceptions.ProbableAuthenticationError,
            pika.exceptions.ProbableAccessDeniedError,
        ) as exc:
            refused = amqp_problem(
                exc, doing="No tap", timeout=timeout, url=broker.amqp_url, named=named
            )
            raise TapRefused(refused.message) from None
        try:
            channel = connection.channel()
            queue = self._declare(channel)
            channel.basic_qos(prefetch_count=self.prefetch())
            batch: list = []
            last_tag: list[int] = []  # of the messages delivered, taken or filtered out
            channel.basic_consume(
                queue,
                lambda _ch, method, _props, body: self._delivered(batch, last_tag, method, body),
            )
            details = retry.back() | {"queue": queue}
            _tell(loop, lambda: self.announce("live", **details))
            while not stop.is_set():
                connection.process_data_events(time_limit=0.05)
                if batch:
                    self._hand_over(loop, stop, batch[:])
                    batch.clear()
                if last_tag:
                    channel.basic_ack(last_tag.pop(), multiple=True)
        finally:
            if connection.is_open:
                connection.close()

    def prefetch(self) -> int:
        """Messages the broker sends ahead: at most PREFETCH, and no more than KEEP_BYTES
        of bodies taken whole (Celery's, up to 1 MiB each: 500 of them were 500 MiB)."""
        return max(1, min(PREFETCH, KEEP_BYTES // self.keep_bytes))

    def _delivered(self, batch: list, last_tag: list[int], method, body: bytes) -> None:
        """A delivery, in the thread: taken into batch (cut to keep_bytes) unless the
        feed's filter is in neither its routing key nor its whole body."""
        last_tag[:] = [method.delivery_tag]
        routing_key = method.routing_key.encode()
        if self.filters_whole_body and self.needle and not self._matches(routing_key, body):
            return
        batch.append((routing_key, body[: self.keep_bytes], len(body)))

    def _declare(self, channel) -> str:
        try:
            channel.exchange_declare(self.feed.exchange, passive=True)
            queue = f"{TAP_PREFIX}{uuid.uuid4().hex[:12]}"
            arguments = {"x-max-length": TAP_MAX_LENGTH, "x-overflow": "drop-head"}
            channel.queue_declare(queue, exclusive=True, auto_delete=True, arguments=arguments)
            channel.queue_bind(queue, self.feed.exchange, routing_key=self.binding_key())
        except pika.exceptions.ChannelClosedByBroker as exc:
            if exc.reply_code == 404:
                raise TapRefused(self.missing.format(exchange=self.feed.exchange)) from None
            if exc.reply_code in REFUSALS:
                raise TapRefused(f"RabbitMQ refused the tap: {exc.reply_text}") from None
            raise
        return queue

    def _hand_over(self, loop, stop: threading.Event, batch: list) -> None:
        """Wait until the event loop has taken the batch: that is the backpressure."""
        try:
            future = asyncio.run_coroutine_threadsafe(self._take(batch), loop)
        except RuntimeError:  # the loop is gone: so is everyone watching
            stop.set()
            return
        while not stop.is_set():
            try:
                future.result(timeout=0.5)
                return
            except FutureTimeout:
                continue

    async def _take(self, batch: list) -> None:
        take = self.keep if self.filters_whole_body else self.receive
        for routing_key, body, length in batch:
            take(routing_key, body, length)


def _tell(loop: asyncio.AbstractEventLoop, callback) -> None:
    """Run callback in the loop, unless the loop is already gone (the server stopped)."""
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(callback)
