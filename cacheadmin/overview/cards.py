"""The figures of the overview page: one card per service, each with figures or a problem."""

from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.service_calls import call_redis
from cacheadmin.monitoring.tiers import raw_step
from cacheadmin.overview import known_state, metrics


def redis_card(instance: Instance) -> dict:
    """The Redis card of the reset-statistics page, from its last known state (a first
    answer waited for up to the timeout, a hung server not again)."""
    known = known_state.read([(instance, "redis")], first_answer=True)
    return known_state.shown(known[instance, "redis"])


def with_history(card: dict, instance: Instance) -> dict:
    """The card with the hit-rate history the sampler recorded (the page asks Redis for
    none). Runs in the request's thread: it uses the database."""
    if not card["figures"]:
        return card
    history = metrics.hit_rate_history(instance=instance.name)
    return card | {"history": history, "sample_seconds": raw_step()}


def all_cards(instance: Instance, *, first_answer: bool = False) -> dict:
    """The cards of the instance's Redis and RabbitMQ (those it has), from their last
    known state: asked at once, and waited for briefly (see known_state.read)."""
    kinds = [kind for kind in ("redis", "sentinel", "rabbitmq") if known_state.has(instance, kind)]
    questions = [(instance, kind) for kind in kinds]
    known = known_state.read(questions, first_answer=first_answer)
    cards = {}
    if (instance, "redis") in known:
        sentinel = known.get((instance, "sentinel"))
        card = known_state.shown(known[instance, "redis"])
        cards["redis"] = with_history(card | {"sentinel": sentinel and sentinel.answer}, instance)
    if (instance, "rabbitmq") in known:
        cards["rabbit"] = known_state.shown(known[instance, "rabbitmq"])
    return cards


def statistics_reset(instance: Instance) -> tuple[None, object]:
    """CONFIG RESETSTAT: the hit rate and counters start from zero."""
    return call_redis(lambda space: space.reset_statistics(), instance=instance, write=True)
