"""The all-instances overview: every instance's state and headline figures. The page
lists the instances at once, without asking any; each row then asks its own instance
(one request per row), so an instance that hangs holds up its own row only."""

from cacheadmin.gateways import connections
from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.instances import shown_url
from cacheadmin.gateways.service_calls import call_rabbit, call_redis
from cacheadmin.overview import broker, redis_info

KINDS = ("redis", "rabbitmq")


def redis_label(instance: Instance) -> dict:
    """What names a Redis row before its figures: no call to the instance."""
    config = instance.redis_config()
    return {"name": instance.name, "kind": config.kind, "address": shown_url(config.url)}


def rabbit_label(instance: Instance) -> dict:
    config = instance.rabbit_config()
    return {"name": instance.name, "address": shown_url(config.management_url)}


def redis_row(instance: Instance) -> dict:
    figures, problem = call_redis(redis_info.summary, instance=instance)
    return redis_label(instance) | {"figures": figures, "problem": problem, "asked": True}


def rabbit_row(instance: Instance) -> dict:
    figures, problem = call_rabbit(broker.overview_with_alarms, instance=instance)
    return rabbit_label(instance) | {"figures": figures, "problem": problem, "asked": True}


def instance_rows(names: list[str]) -> dict:
    """The rows of the named instances (those the user may see), Redis and RabbitMQ,
    in the order of names, each still to be asked."""
    instances = [connections.instance(name) for name in names]
    return {
        "redis": [redis_label(each) for each in instances if each.redis],
        "rabbitmq": [rabbit_label(each) for each in instances if each.rabbitmq],
    }


def instance_row(instance: Instance, kind: str) -> dict | None:
    """One instance's row, asked now; None when it has no service of that kind."""
    if kind == "redis" and instance.redis:
        return redis_row(instance)
    if kind == "rabbitmq" and instance.rabbitmq:
        return rabbit_row(instance)
    return None
