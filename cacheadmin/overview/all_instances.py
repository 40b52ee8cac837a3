"""The all-instances overview: every instance's state and headline figures, asked in
parallel, so an instance that hangs costs its own timeout and never the others'."""

from cacheadmin.core import connections
from cacheadmin.core.instances import shown_url
from cacheadmin.core.parallel import call_in_parallel
from cacheadmin.core.service_calls import call_rabbit, call_redis
from cacheadmin.overview import broker, cluster_info


def redis_row(name: str) -> dict:
    figures, problem = call_redis(cluster_info.summary, instance=name, cluster_ready=True)
    config = connections.redis_instance(name)
    return {
        "name": name,
        "kind": config.kind,
        "address": shown_url(config.url),
        "figures": figures,
        "problem": problem,
    }


def rabbit_row(name: str) -> dict:
    figures, problem = call_rabbit(broker.overview_with_alarms, instance=name)
    config = connections.rabbit_instance(name)
    return {
        "name": name,
        "address": shown_url(config.management_url),
        "figures": figures,
        "problem": problem,
    }


def instance_rows(names: list[str]) -> dict:
    """The rows of the named instances (those the user may see), Redis and RabbitMQ,
    in the order of names."""
    configured = connections.instances()
    calls = {}
    for name in names:
        if name in configured.redis:
            calls[f"redis:{name}"] = lambda name=name: redis_row(name)
        if name in configured.rabbitmq:
            calls[f"rabbit:{name}"] = lambda name=name: rabbit_row(name)
    rows = call_in_parallel(**calls) if calls else {}
    return {
        "redis": [row for key, row in rows.items() if key.startswith("redis:")],
        "rabbitmq": [row for key, row in rows.items() if key.startswith("rabbit:")],
    }
