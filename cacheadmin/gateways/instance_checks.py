"""One try of each configured instance, for `manage.py check_instances`: what answered,
and what did not, in the words the pages use."""

from dataclasses import dataclass
from functools import partial

from django.conf import settings

from cacheadmin.gateways import connections
from cacheadmin.gateways.amqp import FAILURES, amqp_problem, connect
from cacheadmin.gateways.instances import shown_url
from cacheadmin.gateways.parallel import call_in_parallel
from cacheadmin.gateways.problems import ERROR, Problem, Refusal
from cacheadmin.gateways.redis_kinds.keyspace import Keyspace
from cacheadmin.gateways.service_calls import call_rabbit, call_redis


@dataclass(frozen=True)
class Tried:
    kind: str  # "redis" or "rabbitmq"
    name: str
    address: str  # with its password masked
    ok: bool
    said: str


def try_redis(instance: connections.Instance) -> Tried:
    config, name = instance.redis_config(), instance.name
    said, problem = call_redis(lambda space: _describe(space, config.kind), instance=instance)
    if problem:
        return Tried("redis", name, shown_url(config.url), False, problem.message)
    return Tried("redis", name, shown_url(config.url), True, said)


def _describe(space: Keyspace, kind: str) -> str:
    """Version, kind and role (a cluster: its state, which must be ok)."""
    version, what, healthy = space.summary(kind)
    if not healthy:
        raise Refusal(Problem(ERROR, f"The {what}: some slots are unserved."))
    return f"Redis {version}, {what}"


def try_rabbit(instance: connections.Instance) -> Tried:
    config, name = instance.rabbit_config(), instance.name
    address = f"{shown_url(config.amqp_url)} and {shown_url(config.management_url)}"
    overview, problem = call_rabbit(
        lambda client: client.get_object("api/overview"), instance=instance
    )
    if problem:
        return Tried("rabbitmq", name, address, False, f"management API: {problem.message}")
    timeout = settings.RABBITMQ_TIMEOUT
    try:
        named = config.named("amqp_url")
        connect(config.amqp_url, timeout=timeout, ca_file=config.ca_file, named=named).close()
    except FAILURES as exc:
        problem = amqp_problem(
            exc, doing="AMQP did not connect", timeout=timeout, url=config.amqp_url, named=named
        )
        return Tried("rabbitmq", name, address, False, f"AMQP: {problem.message}")
    return Tried("rabbitmq", name, address, True, f"RabbitMQ {overview.get('rabbitmq_version')}")


def try_every_instance() -> list[Tried]:
    """Every instance tried once, all at the same time."""
    configured = connections.instances()
    each = {name: connections.instance(name) for name in {*configured.redis, *configured.rabbitmq}}
    calls = {f"redis:{name}": partial(try_redis, each[name]) for name in configured.redis}
    calls |= {f"rabbit:{name}": partial(try_rabbit, each[name]) for name in configured.rabbitmq}
    return list(call_in_parallel(**calls).values())
