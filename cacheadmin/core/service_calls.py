"""Call Redis or RabbitMQ and turn every failure into a Problem, never an exception.

Views and the health check go through here, so a service that is down, slow,
misconfigured or refusing us is described the same way everywhere.
"""

from collections.abc import Callable
from typing import TypeVar

import redis

from cacheadmin.core import connections, redis_errors
from cacheadmin.core.problems import BAD_REQUEST, MISCONFIGURED, Problem
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
        problem = redis_errors.explain(exc, client=client)
    if problem.kind == BAD_REQUEST and db is None:  # the database REDIS_URL names
        message = f"{problem.message}. Fix the database number in REDIS_URL."
        return None, Problem(MISCONFIGURED, message)
    return None, problem


def call_rabbit(question: Callable[[ManagementClient], T]) -> Outcome:
    """(answer, None), or (None, problem) when the management API cannot be used."""
    try:
        return question(connections.rabbit_management()), None
    except connections.ConfigError as exc:
        return None, Problem(MISCONFIGURED, str(exc))
    except ManagementError as exc:
        return None, exc.problem
