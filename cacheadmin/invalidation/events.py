"""Telling the world about invalidations: progress to the browsers watching a job
(channel-layer group per job), and at the end the event to application nodes (the
Redis channel and the RabbitMQ fanout exchange) and to the live pages (a channel-layer
group every server process can join)."""

import json
import logging

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from cacheadmin.gateways.amqp import FAILURES
from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.service_calls import call_redis
from cacheadmin.invalidation import engine, messaging
from cacheadmin.web import job_progress
from cacheadmin.web.channel_groups import LIVE_INVALIDATIONS

log = logging.getLogger(__name__)


def progress_group(job_id: int) -> str:
    return f"invalidation-{job_id}"


def progress_push(job_id: int, state: dict, *, final: bool = False) -> None:
    """The job's state to the browsers watching it (web.job_progress)."""
    job_progress.progress_push(progress_group(job_id), state, final=final)


def event_announce(
    *, job_id: int, instance: Instance, target: engine.Target, deleted: int, status: str
) -> None:
    """The end of a job: on the instance's Redis, and on the RabbitMQ of the same name
    if there is one, for application nodes; and to /live/ pages, whichever server
    process serves them. A failure is logged, never raised."""
    event = engine.event(job_id=job_id, target=target, deleted=deleted, status=status)
    body = json.dumps(event | {"instance": instance.name})
    _, problem = call_redis(
        lambda space: space.client.publish(engine.EVENTS_CHANNEL, body),
        instance=instance,  # a PUBLISH on any node reaches every node's subscribers
    )
    if problem:
        log.warning("invalidation %s: event not published on Redis: %s", job_id, problem.message)
    try:
        message = {"type": "live.invalidation", "event": body}
        async_to_sync(get_channel_layer().group_send)(LIVE_INVALIDATIONS, message)
    except (redis.RedisError, OSError) as exc:
        log.warning("invalidation %s: event not sent to live pages: %r", job_id, exc)
    broker = instance.rabbitmq
    if broker is None:
        return
    try:
        timeout = settings.RABBITMQ_TIMEOUT
        messaging.publish_event(broker, body.encode(), timeout=timeout)
    except FAILURES as exc:
        log.warning("invalidation %s: event not published on RabbitMQ: %r", job_id, exc)
