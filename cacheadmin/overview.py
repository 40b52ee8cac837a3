"""The figures of the overview page: one card per service, each with figures or a problem."""

from cacheadmin.parallel import call_in_parallel
from cacheadmin.rabbit import management
from cacheadmin.redis import info as redis_info
from cacheadmin.service_calls import call_rabbit, call_redis


def redis_card() -> dict:
    figures, problem = call_redis(redis_info.server_summary)
    return {"figures": figures, "problem": problem}


def rabbit_card() -> dict:
    figures, problem = call_rabbit(management.overview)
    return {"figures": figures, "problem": problem}


def all_cards() -> dict:
    """Both cards, asked in parallel."""
    return call_in_parallel(redis=redis_card, rabbit=rabbit_card)
