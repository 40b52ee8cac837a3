"""The overviews' figures from each instance's last known state: every question asked
at once in the background (one ask in flight per question and process), waited for
OVERVIEW_WAIT_SECONDS at most, so a page never waits for a server that hangs; what
a row or card shows, with its age and since when its server has not answered."""

from functools import partial

import redis
from django.conf import settings

from cacheadmin.gateways import connections
from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.known_answers import Known
from cacheadmin.gateways.problems import MISCONFIGURED, TIMEOUT, UNREACHABLE, Problem, reason_of
from cacheadmin.gateways.service_calls import call_rabbit, call_redis
from cacheadmin.overview import broker, redis_info, replication

Question = tuple[Instance, str]  # an instance and what is asked of it


def redis_figures(instance: Instance):
    """The overview's figures of the instance's Redis, asked now: (figures, problem)."""
    return call_redis(redis_info.summary, instance=instance)


def broker_figures(instance: Instance):
    return call_rabbit(broker.overview_with_alarms, instance=instance)


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


def _sentinel(instance: Instance):
    return sentinel_card(instance), None  # the card says its own problem


ASKS = {"redis": redis_figures, "rabbitmq": broker_figures, "sentinel": _sentinel}


def has(instance: Instance, kind: str) -> bool:
    """Whether the instance has that to ask: a Redis, a RabbitMQ, sentinels."""
    if kind == "sentinel":
        return instance.redis is not None and connections.has_sentinels(instance)
    return getattr(instance, kind) is not None


def read(questions: list[Question], *, first_answer: bool = False) -> dict[Question, Known]:
    """Each question's last known state, fresh where its answer came in time.
    first_answer: a question never answered is waited for up to its service's timeout
    (a script's one call gets figures or a problem; a page shows "asking…" and asks
    again by itself)."""
    asks = {question: partial(ASKS[question[1]], question[0]) for question in questions}
    overdue = first_answer_seconds()  # an ask past every timeout: it hangs
    first_wait = overdue if first_answer else None
    wait = settings.OVERVIEW_WAIT_SECONDS
    return connections.known_answers().read_all(
        asks, wait=wait, first_wait=first_wait, overdue=overdue
    )


def first_answer_seconds() -> float:
    """Time enough for any first answer: the longer timeout, and a margin."""
    return max(settings.REDIS_TIMEOUT, settings.RABBITMQ_TIMEOUT) + 0.5


def shown(known: Known) -> dict:
    """What a row or card shows of a known state: the last figures (None before any),
    the last ask's problem, the figures' time, whether they are stale, since when its
    asks fail, and whether the server is silent then (a timeout, no connection) rather
    than answering with a refusal or an error."""
    silent = known.problem is not None and known.problem.kind in (TIMEOUT, UNREACHABLE)
    return {
        "figures": known.answer,
        "problem": known.problem,
        "as_of": known.answered_at,
        "stale": known.stale(settings.OVERVIEW_REFRESH_SECONDS),
        "failing_since": known.failing_since,
        "silent": silent,
        "asked": known.answer is not None or known.problem is not None,
    }
