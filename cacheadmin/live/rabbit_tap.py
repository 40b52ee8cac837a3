"""A RabbitMQ exchange tap: an exclusive, auto-delete queue of our own bound to the
exchange, consumed with pika in a thread; the broker removes the queue when the tap
closes (the last watcher left) or its connection dies."""

import asyncio
import threading
import uuid

import pika
from django.conf import settings

from cacheadmin.live.feeds import Reconnecting
from cacheadmin.live.hub import Upstream
from cacheadmin.rabbit import amqp

TAP_PREFIX = "cacheadmin.tap."
# The broker keeps at most this many messages for a tap that falls behind, dropping
# the oldest: its memory stays bounded too.
TAP_MAX_LENGTH = 10_000


class ExchangeMissing(Exception):
    pass


class RabbitTap(Upstream):
    async def read(self) -> None:
        loop = asyncio.get_running_loop()
        stop = threading.Event()
        try:
            await asyncio.to_thread(self._consume, loop, stop)
        finally:
            stop.set()  # the thread sees it within a poll and closes the connection

    def _consume(self, loop: asyncio.AbstractEventLoop, stop: threading.Event) -> None:
        retry = Reconnecting()
        while not stop.is_set():
            try:
                self._tap(loop, stop, retry)
            except ExchangeMissing:
                message = f"There is no exchange {self.feed.exchange!r} in this virtual host."
                loop.call_soon_threadsafe(lambda m=message: self.announce("failed", message=m))
                return
            except (pika.exceptions.AMQPError, OSError) as exc:
                message = f"RabbitMQ connection lost ({exc!r}); reconnecting."
                loop.call_soon_threadsafe(
                    lambda m=message: self.announce("reconnecting", message=m)
                )
                stop.wait(retry.lost())

    def _tap(self, loop, stop: threading.Event, retry: Reconnecting) -> None:
        connection = amqp.connect(settings.RABBITMQ_URL, timeout=settings.RABBITMQ_TIMEOUT)
        try:
            channel = connection.channel()
            try:
                channel.exchange_declare(self.feed.exchange, passive=True)
            except pika.exceptions.ChannelClosedByBroker as exc:
                if exc.reply_code == 404:
                    raise ExchangeMissing from None
                raise
            queue = f"{TAP_PREFIX}{uuid.uuid4().hex[:12]}"
            arguments = {"x-max-length": TAP_MAX_LENGTH, "x-overflow": "drop-head"}
            channel.queue_declare(queue, exclusive=True, auto_delete=True, arguments=arguments)
            channel.queue_bind(queue, self.feed.exchange, routing_key=self.feed.binding_key)
            batch: list = []
            channel.basic_consume(
                queue,
                lambda _ch, method, _props, body: batch.append((method.routing_key, body)),
                auto_ack=True,
            )
            details = retry.back() | {"queue": queue}
            loop.call_soon_threadsafe(lambda: self.announce("live", **details))
            while not stop.is_set():
                connection.process_data_events(time_limit=0.05)
                if batch:
                    taken, batch[:] = batch[:], []
                    loop.call_soon_threadsafe(self._receive_batch, taken)
        finally:
            if connection.is_open:
                connection.close()

    def _receive_batch(self, batch: list) -> None:
        for routing_key, body in batch:
            self.receive(routing_key.encode(), body)
