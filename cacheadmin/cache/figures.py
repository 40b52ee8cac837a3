"""Each object-cache model's figures for the sampler (cacheadmin.monitoring): its hits
and misses since its first lookup, from the library's running totals, and about how many
objects it holds."""

import redis

from cacheadmin.cache.census import registered_models
from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.redis_kinds.keyspace import Keyspace
from cacheadmin.gateways.service_calls import call_redis
from cacheadmin.monitoring.figures import Read, Reading, model_subject
from cacheadmin.objectcache import layout
from cacheadmin.objectcache.counters import totals

SAMPLED_BUCKETS = 100  # buckets of a model whose fields are counted each round


class ModelFigures:
    name = "object cache"
    service = "redis"

    def wanted(self, instance: Instance) -> bool:
        return instance.redis is not None

    def read(self, instance: Instance) -> Read:
        return call_redis(model_readings, instance=instance)


def model_readings(space: Keyspace) -> list[Reading]:
    """Four round trips whatever the number of models: the registry, every model's
    totals, then its directory's size and a sample of its buckets, then their sizes."""
    names = [schema["name"] for schema in registered_models(space.client)]
    objects = objects_about(space.client, names)
    readings = []
    for name, (hits, misses) in totals(space.client, names).items():
        labels, subject = {"model": name}, model_subject(name)
        readings.append(Reading("model.hits", subject, float(hits), labels))
        readings.append(Reading("model.misses", subject, float(misses), labels))
        if name in objects:
            readings.append(Reading("model.objects", subject, objects[name], labels))
    return readings


def objects_about(client: redis.Redis, names: list[str]) -> dict[str, float]:
    """Each model's objects: exact up to SAMPLED_BUCKETS buckets, else the mean of a
    random sample of them times how many its directory lists. A model written without
    the library has no directory, and no figure here (its census scans)."""
    with client.pipeline(transaction=False) as pipe:
        for name in names:
            pipe.scard(layout.directory_key(name))
            pipe.srandmember(layout.directory_key(name), SAMPLED_BUCKETS)
        answers = pipe.execute()
    sampled = {
        name: (count, keys)
        for name, count, keys in zip(names, answers[::2], answers[1::2], strict=True)
        if count
    }
    with client.pipeline(transaction=False) as pipe:
        for _, keys in sampled.values():
            for key in keys:
                pipe.hlen(key)
        sizes = iter(pipe.execute())
    objects = {}
    for name, (count, keys) in sampled.items():
        fields = [next(sizes) for _ in keys]
        objects[name] = float(sum(fields)) * count / len(fields)
    return objects
