"""The figures of the overview page: one card per service, each with figures or a problem."""

import redis

from cacheadmin import connections
from cacheadmin.parallel import call_in_parallel
from cacheadmin.problems import MISCONFIGURED, Problem
from cacheadmin.rabbit import management
from cacheadmin.redis import errors as redis_errors
from cacheadmin.redis import info as redis_info


def redis_card() -> dict:
    try:
        client = connections.redis_client()
    except connections.ConfigError as exc:
        return {"figures": None, "problem": Problem(MISCONFIGURED, str(exc))}
    try:
        return {"figures": redis_info.server_summary(client), "problem": None}
    except redis.RedisError as exc:
        return {"figures": None, "problem": redis_errors.explain(exc, client=client)}


def rabbit_card() -> dict:
    try:
        client = connections.rabbit_management()
        return {"figures": management.overview(client), "problem": None}
    except connections.ConfigError as exc:
        return {"figures": None, "problem": Problem(MISCONFIGURED, str(exc))}
    except management.ManagementError as exc:
        return {"figures": None, "problem": exc.problem}


def all_cards() -> dict:
    """Both cards, asked in parallel."""
    return call_in_parallel(redis=redis_card, rabbit=rabbit_card)
