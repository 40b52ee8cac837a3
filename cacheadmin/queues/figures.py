"""The queues' figures for the sampler (cacheadmin.monitoring): every queue's depth,
unacknowledged messages and consumers where the broker says, on Redis (every framework
and plain queue, a Celery queue's priorities summed) and on RabbitMQ."""

from urllib.parse import quote

from django.conf import settings

from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.rabbit_management import ManagementClient
from cacheadmin.gateways.redis_kinds.keyspace import Keyspace
from cacheadmin.gateways.service_calls import call_rabbit, call_redis
from cacheadmin.monitoring.figures import (
    QUEUE_CONSUMERS,
    QUEUE_READY,
    QUEUE_UNACKED,
    Read,
    Reading,
    rabbit_queue_subject,
    redis_queue_subject,
)
from cacheadmin.queues import redis_queues

FIELDS = {
    QUEUE_READY: "messages_ready",
    QUEUE_UNACKED: "messages_unacknowledged",
    QUEUE_CONSUMERS: "consumers",
}
RABBIT_PAGE = 500  # queues a management call
RABBIT_PAGES = 20  # at most 10,000 queues a round, as the Redis search stops at 5,000


def readings_of(subject: str, row: dict, labels: dict[str, str]) -> list[Reading]:
    """A queue row's figures; one the broker does not give (a list's consumers) is left out."""
    return [
        Reading(figure, subject, float(row[name]), labels)
        for figure, name in FIELDS.items()
        if isinstance(row.get(name), int | float)
    ]


class RedisQueueDepths:
    name = "redis queues"
    service = "redis"

    def wanted(self, instance: Instance) -> bool:
        return instance.redis is not None

    def read(self, instance: Instance) -> Read:
        return call_redis(redis_readings, instance=instance)


def redis_readings(space: Keyspace) -> list[Reading]:
    """Every Redis queue the queue list would find: one search, one pipelined round trip."""
    found = redis_queues.find_queues(space, tuple(settings.REDIS_QUEUE_PATTERNS))
    rows = redis_queues.describe_queues(space, found.queues, found.registered)
    readings = []
    for row in rows:
        labels = {"kind": "redis", "queue": row["name"], "framework": row["framework"] or ""}
        readings += readings_of(redis_queue_subject(row["key"]), row, labels)
    return readings


class RabbitQueueDepths:
    name = "rabbitmq queues"
    service = "rabbitmq"

    def wanted(self, instance: Instance) -> bool:
        return instance.rabbitmq is not None

    def read(self, instance: Instance) -> Read:
        return call_rabbit(rabbit_readings, instance=instance)


def rabbit_readings(client: ManagementClient) -> list[Reading]:
    """Every queue in the instance's scope, a page of the figures only at a time."""
    vhost = client.scope()
    path = f"api/queues/{quote(vhost, safe='')}" if vhost else "api/queues"
    columns = ",".join(["name", "vhost", *FIELDS.values()])
    readings = []
    for page in range(1, RABBIT_PAGES + 1):
        params = {"columns": columns, "page": page, "page_size": RABBIT_PAGE, "pagination": "true"}
        answer = client.get_object(path, params)
        for row in answer.get("items") or []:
            vhost_name, name = str(row.get("vhost")), str(row.get("name"))
            labels = {"kind": "rabbitmq", "vhost": vhost_name, "queue": name}
            readings += readings_of(rabbit_queue_subject(vhost_name, name), row, labels)
        if page >= (answer.get("page_count") or 0):
            break
    return readings
