"""Each object-cache model's figures for the sampler (cacheadmin.monitoring): its hits
and misses since its first lookup, from the library's running totals."""

from cacheadmin.cache.census import registered_models
from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.redis_kinds.keyspace import Keyspace
from cacheadmin.gateways.service_calls import call_redis
from cacheadmin.monitoring.figures import Read, Reading, model_subject
from cacheadmin.objectcache.counters import totals


class ModelFigures:
    name = "object cache"
    service = "redis"

    def wanted(self, instance: Instance) -> bool:
        return instance.redis is not None

    def read(self, instance: Instance) -> Read:
        return call_redis(model_readings, instance=instance)


def model_readings(space: Keyspace) -> list[Reading]:
    """Two round trips: the registry, then every model's totals."""
    names = [schema["name"] for schema in registered_models(space.client)]
    readings = []
    for name, (hits, misses) in totals(space.client, names).items():
        labels = {"model": name}
        readings.append(Reading("model.hits", model_subject(name), float(hits), labels))
        readings.append(Reading("model.misses", model_subject(name), float(misses), labels))
    return readings
