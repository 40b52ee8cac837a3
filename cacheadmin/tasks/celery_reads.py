"""What the task pages ask of Celery on an instance: its workers, through each broker
the instance has (its Redis, its RabbitMQ) where Celery's remote control is bound (a
worker binds its pidbox queue to the `celery.pidbox` exchange when it starts), so an
instance without Celery costs no broadcast and no wait."""

from urllib.parse import quote

import redis
from amqp.exceptions import AMQPError
from django.conf import settings
from kombu.exceptions import OperationalError

from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.problems import NOT_FOUND, UNREACHABLE, Problem, reason_of
from cacheadmin.gateways.redis_kinds.brokers import BrokerAddress
from cacheadmin.gateways.service_calls import call_rabbit, call_redis
from cacheadmin.models import CeleryWorkerBeat
from cacheadmin.tasks.celery_control import ask_workers, celery_app
from cacheadmin.tasks.celery_results import (
    Unreadable,
    task_meta,
    task_view,
)

PIDBOX = "celery.pidbox"
PIDBOX_BINDING = b"_kombu.binding." + PIDBOX.encode()  # kombu's on Redis
BROKER_FAILURES = (OperationalError, OSError, redis.RedisError, AMQPError)


def celery_brokers(instance: Instance) -> tuple[list[tuple[str, BrokerAddress]], list[Problem]]:
    """(where, broker) of each broker of the instance where Celery workers listen."""
    found, problems = [], []
    if instance.redis is not None:
        broker, problem = call_redis(_redis_broker, instance=instance)
        problems += [problem] if problem else []
        found += [("Redis", broker)] if broker else []
    if instance.rabbitmq is not None:
        config = instance.rabbitmq
        path = f"api/exchanges/{quote(config.vhost, safe='')}/{PIDBOX}"
        _, problem = call_rabbit(lambda client: client.get_object(path), instance=instance)
        if problem and problem.kind != NOT_FOUND:
            problems.append(problem)
        elif not problem:
            ssl = (("ca_certs", config.ca_file),) if config.ca_file else ()
            found.append(("RabbitMQ", BrokerAddress(config.amqp_url, ssl)))
    return found, problems


def _redis_broker(space) -> BrokerAddress | None:
    if not space.client.exists(PIDBOX_BINDING):
        return None
    return space.celery_broker()


def celery_workers(*, instance: Instance) -> tuple[list[str], list[dict], list[Problem]]:
    """The brokers asked (where Celery's remote control is bound), and every Celery
    worker that answered through them."""
    brokers, problems = celery_brokers(instance)
    workers = []
    timeout = settings.CELERY_INSPECT_TIMEOUT
    for where, broker in brokers:
        try:
            with celery_app(broker, timeout) as app:
                answered = ask_workers(app, timeout)
        except BROKER_FAILURES as exc:
            message = f"Celery's workers could not be asked through {where}: {reason_of(exc)}"
            problems.append(Problem(UNREACHABLE, message))
            continue
        workers += [worker | {"broker": where} for worker in answered]
    return [where for where, _ in brokers], with_heartbeats(instance.name, workers), problems


def with_heartbeats(instance: str, workers: list[dict]) -> list[dict]:
    """Each worker with its newest heartbeat where the events recorder heard one (a
    broadcast's answer tells none)."""
    beats = dict(
        CeleryWorkerBeat.objects.filter(
            instance=instance, hostname__in=[worker["name"] for worker in workers]
        ).values_list("hostname", "heartbeat_at")
    )
    return [
        worker | {"last_heartbeat": beats[worker["name"]].isoformat()}
        if worker["name"] in beats
        else worker
        for worker in workers
    ]


def celery_task(*, instance: Instance, task_id: str) -> tuple[dict | None, Problem | None]:
    """A task as the instance's result backend keeps it; None when it keeps none."""

    def read(space) -> dict | None:
        try:
            meta = task_meta(space.client, task_id)
        except Unreadable as exc:
            return {"id": task_id, "unreadable": str(exc)}
        return task_view(task_id, meta) if meta is not None else None

    return call_redis(read, instance=instance)
