"""The figures of the overview page: one card per service, each with figures or a problem."""

from django.utils import timezone

from cacheadmin import connections, metrics
from cacheadmin.parallel import call_in_parallel
from cacheadmin.rabbit import management
from cacheadmin.redis import info as redis_info
from cacheadmin.redis.errors import server_address
from cacheadmin.service_calls import call_rabbit, call_redis


def redis_card() -> dict:
    figures, problem = call_redis(redis_info.server_summary)
    return {"figures": figures, "problem": problem}


def rabbit_card() -> dict:
    figures, problem = call_rabbit(management.overview)
    return {"figures": figures, "problem": problem}


def with_history(card: dict) -> dict:
    """The card with the hit-rate history, after recording this reading (at most one
    per interval). Runs in the request's thread: it uses the database."""
    figures = card["figures"]
    if not figures:
        return card
    server = server_address(connections.redis_client())
    metrics.sample_record(
        server=server, hits=figures["hits"], misses=figures["misses"], now=timezone.now()
    )
    return card | {"history": metrics.hit_rate_history(server=server)}


def all_cards() -> dict:
    """Both cards, asked in parallel."""
    cards = call_in_parallel(redis=redis_card, rabbit=rabbit_card)
    return cards | {"redis": with_history(cards["redis"])}
