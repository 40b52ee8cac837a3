"""The all-instances overview: every instance's state and headline figures. The page
lists the instances at once, without asking any; each row then asks its own instance
(one request per row), so an instance that hangs holds up its own row only."""

from cacheadmin.gateways import connections
from cacheadmin.gateways.instances import shown_url
from cacheadmin.gateways.service_calls import call_rabbit, call_redis
from cacheadmin.overview import broker, redis_info

KINDS = ("redis", "rabbitmq")


def redis_label(name: str) -> dict:
    """What names a Redis row before its figures: no call to the instance."""
    config = connections.redis_instance(name)
    return {"name": name, "kind": config.kind, "address": shown_url(config.url)}


def rabbit_label(name: str) -> dict:
    config = connections.rabbit_instance(name)
    return {"name": name, "address": shown_url(config.management_url)}


def redis_row(name: str) -> dict:
    figures, problem = call_redis(redis_info.summary, instance=name)
    return redis_label(name) | {"figures": figures, "problem": problem, "asked": True}


def rabbit_row(name: str) -> dict:
    figures, problem = call_rabbit(broker.overview_with_alarms, instance=name)
    return rabbit_label(name) | {"figures": figures, "problem": problem, "asked": True}


def instance_rows(names: list[str]) -> dict:
    """The rows of the named instances (those the user may see), Redis and RabbitMQ,
    in the order of names, each still to be asked."""
    configured = connections.instances()
    return {
        "redis": [redis_label(name) for name in names if name in configured.redis],
        "rabbitmq": [rabbit_label(name) for name in names if name in configured.rabbitmq],
    }


def instance_row(name: str, kind: str) -> dict | None:
    """One instance's row, asked now; None when it has no service of that kind."""
    configured = connections.instances()
    if kind == "redis" and name in configured.redis:
        return redis_row(name)
    if kind == "rabbitmq" and name in configured.rabbitmq:
        return rabbit_row(name)
    return None
