"""Call Redis or RabbitMQ and turn every failure into a Problem, never an exception.

Views and the health check go through here, so a service that is down, slow,
misconfigured or refusing us is described the same way everywhere.
"""

from collections.abc import Callable
from typing import TypeVar

import redis

from cacheadmin.core import connections, redis_errors
from cacheadmin.core.problems import MISCONFIGURED, Problem
from cacheadmin.core.rabbit_management import ManagementClient, ManagementError

T = TypeVar("T")
Outcome = tuple[T | None, Problem | None]


def call_redis(question: Callable[[redis.Redis], T], *, db: int | None = None) -> Outcome:
    """(answer, None), or (None, problem) when REDIS_URL is bad or Redis fails."""
    try:
        client = connections.redis_client(db)
    except connections.ConfigError as exc:
        return None, Problem(MISCONFIGURED, str(exc))
    try:
        return question(client), None
    except redis.RedisError as exc:
        return None, redis_errors.explain(exc, client=client)


def call_rabbit(question: Callable[[ManagementClient], T]) -> Outcome:
    """(answer, None), or (None, problem) when the management API cannot be used."""
    try:
        return question(connections.rabbit_management()), None
    except connections.ConfigError as exc:
        return None, Problem(MISCONFIGURED, str(exc))
    except ManagementError as exc:
        return None, exc.problem
