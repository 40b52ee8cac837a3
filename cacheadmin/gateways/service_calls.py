"""Call Redis or RabbitMQ and turn every failure into a Problem, never an exception.

Views and the health check go through here, so a service that is down, slow,
misconfigured or refusing us is described the same way everywhere.
"""

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from cacheadmin.gateways import connections, redis_errors
from cacheadmin.gateways.instances import DEFAULT
from cacheadmin.gateways.problems import (
    BAD_REQUEST,
    MISCONFIGURED,
    NOT_FOUND,
    TIMEOUT,
    Problem,
    Refusal,
)
from cacheadmin.gateways.rabbit_management import ManagementClient, ManagementError
from cacheadmin.gateways.redis_kinds.keyspace import FAILURES, Keyspace

T = TypeVar("T")
Outcome = tuple[T | None, Problem | None]


def call_redis(
    question: Callable[[Keyspace], T],
    *,
    db: int | None = None,
    instance: connections.Instance | None = None,
    write: bool = False,
) -> Outcome:
    """(answer, None), or (None, problem) when the instance's URL is bad or Redis fails.
    The question is asked of the instance's Keyspace, whatever its kind. write: the
    question changes data, so on a Sentinel instance it must reach the master the
    sentinels name now, confirmed, or fail (master_writes). No instance: `default`."""
    instance = instance or connections.instance()
    try:
        if refusal := instance.redis_config().database_refusal(db):
            return None, Problem(BAD_REQUEST, refusal)
        space = connections.keyspace(instance, db)
    except connections.UnknownInstance as exc:
        return None, Problem(NOT_FOUND, str(exc))
    except connections.ConfigError as exc:
        return None, Problem(MISCONFIGURED, str(exc))
    except connections.ServerUnasked as exc:
        return None, redis_errors.explain(exc.error, space=exc.keyspace)
    if refusal := space.database_refusal():
        return None, Problem(BAD_REQUEST, refusal)
    try:
        return (space.write(question) if write else partial(question, space))(), None
    except Refusal as exc:
        return None, exc.problem
    except FAILURES as exc:
        problem = redis_errors.explain(exc, space=space)
    if write and problem.kind == TIMEOUT:  # the command may have run: say so
        message = (
            f"{problem.message} The change may or may not have been made: look before trying again."
        )
        return None, Problem(TIMEOUT, message)
    if problem.kind == BAD_REQUEST and db is None:  # the database the URL names
        where = "REDIS_URL" if instance.name == DEFAULT else f"the url of the instance {instance}"
        message = f"{problem.message}. Fix the database number in {where}."
        return None, Problem(MISCONFIGURED, message)
    return None, problem


def call_rabbit(
    question: Callable[[ManagementClient], T], *, instance: connections.Instance | None = None
) -> Outcome:
    """(answer, None), or (None, problem) when the management API cannot be used."""
    try:
        return question(connections.rabbit_management(instance or connections.instance())), None
    except connections.UnknownInstance as exc:
        return None, Problem(NOT_FOUND, str(exc))
    except connections.ConfigError as exc:
        return None, Problem(MISCONFIGURED, str(exc))
    except ManagementError as exc:
        return None, exc.problem
