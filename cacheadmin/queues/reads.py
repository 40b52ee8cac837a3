"""What the queue pages and API ask of RabbitMQ and Redis, each in one service call.

RabbitMQ's answers are shared by every viewer for a statistics interval; a Redis
queue's depth history is the sampler's (cacheadmin.monitoring), read, never asked of
Redis."""

import time

from django.conf import settings

from cacheadmin.display.charts import Series, chart_end, line_chart
from cacheadmin.gateways import connections
from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.problems import Problem
from cacheadmin.gateways.service_calls import call_rabbit, call_redis
from cacheadmin.monitoring import history
from cacheadmin.monitoring.figures import (
    QUEUE_READY,
    QUEUE_UNACKED,
    rabbit_queue_subject,
    redis_queue_subject,
)
from cacheadmin.queues import broker, redis_queues
from cacheadmin.queues.history import SPAN_SECONDS

Outcome = tuple[dict | None, Problem | None]
REDIS_CHART_SECONDS = 30 * 60  # the sampler's history on a queue's page: half an hour
TONES = {  # the colour of each series, by its name
    "ready": "tone-blue",
    "unacked": "tone-orange",
    "processing / pending": "tone-orange",
    "publish": "tone-blue",
    "deliver": "tone-green",
    "ack": "tone-orange",
}


def charted(points_by_name: dict[str, list]) -> list[Series]:
    return [Series(name, TONES[name], points) for name, points in points_by_name.items()]


def rabbit_queues_page(*, instance: Instance, query: dict, hide_internal: bool = False) -> Outcome:
    """The page the query asks for, shared by everyone asking within a statistics
    interval; hide_internal leaves Celery's internal queues out and counts them."""
    key = (instance.name, *(query[name] for name in PAGE_FIELDS), hide_internal)

    def fetch(client):
        return connections.rabbit_answers().get(
            key,
            lambda: broker.queue_page(
                client,
                vhost=query["vhost"] or None,
                name=query["name"],
                page=query["page"],
                page_size=query["page_size"],
                sort=query["sort"],
                descending=query["order"] == "desc",
                hide_internal=hide_internal,
            ),
        )

    return call_rabbit(fetch, instance=instance)


PAGE_FIELDS = ("vhost", "name", "page", "page_size", "sort", "order")


def redis_queues_page(*, instance: Instance, query: dict, hide_internal: bool = False) -> Outcome:
    """A page of the Redis lists and streams used as queues; hide_internal leaves
    Celery's internal queues out and counts them."""
    return call_redis(
        lambda space: redis_queues.queue_page(
            space,
            patterns=tuple(settings.REDIS_QUEUE_PATTERNS),
            name=query["name"],
            page=query["page"],
            page_size=query["page_size"],
            sort=query["sort"],
            descending=query["order"] == "desc",
            hide_internal=hide_internal,
        ),
        instance=instance,
    )


def rabbit_queue_describe(
    *, instance: Instance, vhost: str, name: str, charts: bool = True
) -> Outcome:
    """A queue's figures with its depth and rate charts, shared for a statistics
    interval; without charts (a confirmation), the figures of now, asked afresh."""

    def fetch(client):
        if not charts:
            return broker.queue_detail(client, vhost=vhost, name=name, history=False)
        key = (instance.name, "queue", vhost, name)
        return connections.rabbit_answers().get(
            key, lambda: broker.queue_detail(client, vhost=vhost, name=name)
        )

    queue, problem = call_rabbit(fetch, instance=instance)
    if queue and charts:
        depths, rates = charted(queue["depth_history"]), charted(queue["rate_history"])
        end = chart_end(depths + rates)
        sampled = sampled_history(instance.name, rabbit_queue_subject(vhost, name), RABBIT_DEPTHS)
        queue = queue | {
            "depth_chart": line_chart(depths, span_seconds=SPAN_SECONDS, end=end),
            "rate_chart": line_chart(rates, span_seconds=SPAN_SECONDS, end=end),
            "history_chart": line_chart(sampled, span_seconds=REDIS_CHART_SECONDS, end=time.time()),
        }
    return queue, problem


def redis_queue_describe(
    *,
    instance: Instance,
    key: bytes,
    peek: int = redis_queues.CELERY_PEEK,
    reserved_offset: int = 0,
) -> Outcome:
    """A Redis queue's ends, processing list or groups, and its depth chart from the
    sampler's history; None when the key is not a list or stream. A Celery queue's next
    peek messages decoded, and its reserved tasks from reserved_offset."""
    queue, problem = call_redis(
        lambda space: redis_queues.queue_detail(
            space, key, peek=peek, reserved_offset=reserved_offset
        ),
        instance=instance,
    )
    if queue:
        chart = line_chart(
            depth_history(instance, key), span_seconds=REDIS_CHART_SECONDS, end=time.time()
        )
        queue = queue | {"depth_chart": chart}
    return queue, problem


REDIS_DEPTHS = {"ready": QUEUE_READY, "processing / pending": QUEUE_UNACKED}
RABBIT_DEPTHS = {"ready": QUEUE_READY, "unacked": QUEUE_UNACKED}


def depth_history(instance: Instance, key: bytes) -> list[Series]:
    """A Redis queue's ready and processing/pending depths as the sampler kept them."""
    return sampled_history(instance.name, redis_queue_subject(key), REDIS_DEPTHS)


def sampled_history(instance: str, subject: str, depths: dict[str, str]) -> list[Series]:
    """A queue's ready and unacknowledged depths as the sampler kept them (the broker
    keeps ten minutes; this, whatever anyone watched)."""
    return charted(
        {
            name: history.points(
                instance=instance, figure=figure, subject=subject, span=REDIS_CHART_SECONDS
            )
            for name, figure in depths.items()
        }
    )
