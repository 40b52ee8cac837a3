"""The recorder of Celery's events (`manage.py celery_events`): one thread per broker of
each instance (its Redis, its RabbitMQ) listens to the `celeryev` events as Celery's
own receivers would, without a write to the broker but for a queue of its own on
RabbitMQ, and folds them into the database a batch at a time (celery_event_store).

Listening costs nothing where Celery is not: a PSUBSCRIBE on Redis; on RabbitMQ the
`celeryev` exchange is looked for (never declared) until a worker with events on has
made it. A broker that cannot be reached is tried again with a growing pause.

Two recorders may run: each hears every event and every write folds them the same way
whatever the order (the newest event wins), so they agree; no lease is needed, and one
stopping loses nothing the other hears."""

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

import pika
import redis
from django.db import close_old_connections

from cacheadmin.formats import celery_events
from cacheadmin.gateways import connections
from cacheadmin.gateways.amqp import FAILURES as AMQP_FAILURES
from cacheadmin.gateways.amqp import connect
from cacheadmin.gateways.problems import NOT_FOUND, reason_of
from cacheadmin.gateways.redis_kinds.keyspace import LayoutFailure
from cacheadmin.gateways.service_calls import call_rabbit
from cacheadmin.tasks.celery_event_store import prune, record

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0  # a batch is written at least this often...
FLUSH_EVENTS = 5000  # ...or once it holds this many events
PRUNE_SECONDS = 300.0
POLL_SECONDS = 0.2  # a quiet read's wait: how soon a stop or a due batch is seen
HEALTH_EVERY = 5.0  # seconds of silence before a Redis PING
NO_EXCHANGE_WAIT = 10.0  # seconds between looks for RabbitMQ's `celeryev` exchange
RETRY_FIRST, RETRY_MOST = 0.5, 30.0
QUEUE_PREFIX = "celeryev.cacheadmin."  # Celery's own receivers name theirs celeryev.<id>
QUEUE_MAX_LENGTH = 100_000  # a stalled recorder's backlog, kept by the broker
PREFETCH = 2 * FLUSH_EVENTS  # unacknowledged until written: two batches
REDIS_LOST = (redis.ConnectionError, redis.TimeoutError, OSError, LayoutFailure)


class NoCelery(Exception):
    """The broker cannot carry Celery's events (a Redis Cluster): nothing to listen to."""


@dataclass
class Batch:
    """Events waiting to be written; due after FLUSH_SECONDS or FLUSH_EVENTS."""

    events: list[dict] = field(default_factory=list)
    since: float = 0.0

    def add(self, events: list[dict]) -> None:
        if events and not self.events:
            self.since = time.monotonic()
        self.events += events

    def due(self) -> bool:
        if len(self.events) >= FLUSH_EVENTS:
            return True
        return bool(self.events) and time.monotonic() - self.since >= FLUSH_SECONDS


class Recorder:
    """Listens to one broker of one instance until stop is set."""

    def __init__(self, instance: str, broker: str, stop: threading.Event, say: Callable):
        self.instance, self.broker, self.stop, self.say = instance, broker, stop, say
        self.batch = Batch()
        self.recorded = 0  # events written, for tests and figures
        self.pruned_at = 0.0

    def run(self) -> None:
        delay = RETRY_FIRST
        while not self.stop.is_set():
            try:
                listen = self._redis if self.broker == "redis" else self._rabbitmq
                if listen():
                    delay = RETRY_FIRST  # it was connected: start the pauses again
            except NoCelery as exc:
                self.say(f"{self}: {exc}")
                return
            except (*REDIS_LOST, *AMQP_FAILURES) as exc:
                self.say(f"{self}: not listening ({reason_of(exc)}); again in {delay:g} s")
                self.stop.wait(delay)
                delay = min(delay * 2, RETRY_MOST)
            finally:
                self.flush()

    def __str__(self) -> str:
        return f"Celery events of {self.instance} on {self.broker}"

    def flush(self) -> None:
        if not self.batch.events:
            self._prune_now_and_then()
            return
        events, self.batch = self.batch.events, Batch()
        close_old_connections()
        try:
            record(self.instance, events)
            self.recorded += len(events)
        except Exception:  # the database failed: these are lost, the next may not be
            log.exception("%s: %d events not recorded", self, len(events))
        self._prune_now_and_then()

    def _prune_now_and_then(self) -> None:
        if time.monotonic() - self.pruned_at < PRUNE_SECONDS:
            return
        self.pruned_at = time.monotonic()
        try:
            prune(self.instance)
        except Exception:
            log.exception("%s: pruning failed", self)

    def _redis(self) -> bool:
        """PSUBSCRIBE to every event channel of the broker's database; read until
        stopped. True once it was connected."""
        space = connections.keyspace(connections.instance(self.instance))
        if space.celery_broker() is None:
            raise NoCelery("a Redis Cluster carries no Celery (kombu's keys span slots)")
        db = space.client.connection_pool.connection_kwargs.get("db", 0)
        pubsub = space.client.pubsub()
        try:
            pubsub.psubscribe(celery_events.redis_channel(db))
            self.say(f"{self}: listening")
            heard = time.monotonic()
            pinged = False
            while not self.stop.is_set():
                message = pubsub.get_message(timeout=POLL_SECONDS)
                now = time.monotonic()
                if message is not None:
                    heard, pinged = now, False
                    if message["type"] == "pmessage":
                        self.batch.add(celery_events.from_redis(message["data"]))
                elif now - heard >= 2 * HEALTH_EVERY:
                    raise redis.TimeoutError("no answer to PING")
                elif now - heard >= HEALTH_EVERY and not pinged:
                    pubsub.ping()
                    pinged = True
                if self.batch.due():
                    self.flush()
            return True
        finally:
            pubsub.close()

    def _rabbitmq(self) -> bool:
        """A queue of our own bound to `celeryev` (every routing key), consumed until
        stopped; messages acknowledged once written. True once it was connected."""
        instance = connections.instance(self.instance)
        if not _has_events_exchange(instance):
            self.stop.wait(NO_EXCHANGE_WAIT)  # no worker has sent events here yet
            return True
        config = instance.rabbit_config()
        connection = connect(
            config.amqp_url, timeout=5.0, ca_file=config.ca_file, named=config.named("amqp_url")
        )
        try:
            channel = connection.channel()
            try:
                channel.exchange_declare(celery_events.EXCHANGE, passive=True)
            except pika.exceptions.ChannelClosedByBroker as exc:
                if exc.reply_code != 404:
                    raise
                return True  # deleted since the management API was asked: look again
            queue = self._declare(channel)
            self.say(f"{self}: listening ({queue})")
            last_tag = 0
            for method, properties, body in channel.consume(queue, inactivity_timeout=POLL_SECONDS):
                if self.stop.is_set():
                    break
                if method is not None:
                    self.batch.add(celery_events.from_body(body, properties.content_type))
                    last_tag = method.delivery_tag  # a batch is due only once it holds one
                if self.batch.due():
                    self.flush()
                    channel.basic_ack(last_tag, multiple=True)  # every message flushed
            return True
        finally:
            if connection.is_open:
                connection.close()

    def _declare(self, channel) -> str:
        queue = f"{QUEUE_PREFIX}{uuid.uuid4().hex[:12]}"
        arguments = {"x-max-length": QUEUE_MAX_LENGTH, "x-overflow": "drop-head"}
        channel.queue_declare(queue, exclusive=True, auto_delete=True, arguments=arguments)
        channel.queue_bind(queue, celery_events.EXCHANGE, routing_key="#")
        channel.basic_qos(prefetch_count=PREFETCH)
        return queue


def _has_events_exchange(instance: connections.Instance) -> bool:
    """Whether the vhost has `celeryev`, asked of the management API (an AMQP passive
    declare would log a warning at each look); True when that API cannot say."""
    vhost = quote(instance.rabbit_config().vhost, safe="")
    path = f"api/exchanges/{vhost}/{celery_events.EXCHANGE}"
    _, problem = call_rabbit(lambda client: client.get_object(path), instance=instance)
    return problem is None or problem.kind != NOT_FOUND


def recorders(stop: threading.Event, say: Callable, names: list[str] | None = None) -> list:
    """A recorder for each broker of each instance (or of those named)."""
    configured = connections.instances()
    found = []
    for name in sorted(set(configured.redis) | set(configured.rabbitmq)):
        if names and name not in names:
            continue
        if name in configured.redis:
            found.append(Recorder(name, "redis", stop, say))
        if name in configured.rabbitmq:
            found.append(Recorder(name, "rabbitmq", stop, say))
    return found


def run(stop: threading.Event, say: Callable, names: list[str] | None = None) -> list:
    """Start every recorder in a thread of its own; the threads (they end once stop is
    set, after writing what they hold)."""
    threads = []
    for recorder in recorders(stop, say, names):
        thread = threading.Thread(target=recorder.run, name=str(recorder), daemon=True)
        thread.recorder = recorder
        thread.start()
        threads.append(thread)
    return threads
