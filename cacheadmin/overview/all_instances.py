"""The all-instances overview: every instance's state and headline figures, each from
its last known state (see known_state), so an instance that hangs holds up no page:
its row shows its last figures greyed, and since when it has not answered."""

from cacheadmin.gateways import connections
from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.instances import shown_url
from cacheadmin.overview import known_state

KINDS = ("redis", "rabbitmq")


def label(instance: Instance, kind: str) -> dict:
    """What names a row before its figures: no call to the instance."""
    if kind == "redis":
        config = instance.redis_config()
        return {"name": instance.name, "kind": config.kind, "address": shown_url(config.url)}
    config = instance.rabbit_config()
    return {"name": instance.name, "address": shown_url(config.management_url)}


def instance_rows(names: list[str]) -> dict:
    """The rows of the named instances (those the user may see), Redis and RabbitMQ,
    in the order of names, all asked at once."""
    instances = [connections.instance(name) for name in names]
    questions = [
        (each, kind) for each in instances for kind in KINDS if known_state.has(each, kind)
    ]
    known = known_state.read(questions)
    rows: dict = {kind: [] for kind in KINDS}
    for instance, kind in questions:
        rows[kind].append(label(instance, kind) | known_state.shown(known[instance, kind]))
    return rows


def instance_row(instance: Instance, kind: str) -> dict | None:
    """One instance's row; None when it has no service of that kind."""
    if kind not in KINDS or not known_state.has(instance, kind):
        return None
    known = known_state.read([(instance, kind)])[instance, kind]
    return label(instance, kind) | known_state.shown(known)
