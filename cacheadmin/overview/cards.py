"""The figures of the overview page: one card per service, each with figures or a problem."""

import redis

from cacheadmin.gateways import connections
from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.parallel import call_in_parallel
from cacheadmin.gateways.problems import MISCONFIGURED, UNREACHABLE, Problem, reason_of
from cacheadmin.gateways.service_calls import call_rabbit, call_redis
from cacheadmin.monitoring.tiers import raw_step
from cacheadmin.overview import broker, metrics, redis_info, replication


def redis_card(instance: Instance) -> dict:
    figures, problem = call_redis(redis_info.summary, instance=instance)
    return {"figures": figures, "problem": problem, "sentinel": sentinel_card(instance)}


def sentinel_card(instance: Instance) -> dict | None:
    """A Sentinel instance's master, replicas and sentinels; None for another kind."""
    config = instance.redis
    if config is None:  # a RabbitMQ-only instance: its page says so
        return None
    try:
        manager = connections.sentinel_manager(instance)
        if manager is None:
            return None
        return {"view": replication.sentinel_view(manager, config.sentinel.service)}
    except connections.ConfigError as exc:
        return {"problem": Problem(MISCONFIGURED, str(exc))}
    except redis.RedisError as exc:
        message = f"No sentinel of {config.sentinel.service} answered: {reason_of(exc)}."
        return {"problem": Problem(UNREACHABLE, message)}


def rabbit_card(instance: Instance) -> dict:
    figures, problem = call_rabbit(broker.overview_with_alarms, instance=instance)
    return {"figures": figures, "problem": problem}


def with_history(card: dict, instance: Instance) -> dict:
    """The card with the hit-rate history the sampler recorded (the page asks Redis for
    none). Runs in the request's thread: it uses the database."""
    if not card["figures"]:
        return card
    history = metrics.hit_rate_history(instance=instance.name)
    return card | {"history": history, "sample_seconds": raw_step()}


def all_cards(instance: Instance) -> dict:
    """The cards of the instance's Redis and RabbitMQ (those it has), asked in parallel."""
    questions = {}
    if instance.redis:
        questions["redis"] = lambda: redis_card(instance)
    if instance.rabbitmq:
        questions["rabbit"] = lambda: rabbit_card(instance)
    cards = call_in_parallel(**questions)
    if "redis" in cards:
        cards["redis"] = with_history(cards["redis"], instance)
    return cards


def statistics_reset(instance: Instance) -> tuple[None, object]:
    """CONFIG RESETSTAT: the hit rate and counters start from zero."""
    return call_redis(lambda space: space.reset_statistics(), instance=instance, write=True)
