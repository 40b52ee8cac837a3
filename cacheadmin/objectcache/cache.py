"""Cache-aside for objects kept as fields of bucket hashes, with inverted keys.

    cache = ObjectCache(redis.Redis())
    users = cache.model("user", bucket=Div(100), ttl=3600, inverted=["country", "tags"])
    user = users.get(42, loader=load_user_from_db)   # a dict, or None
    users.invalidate_attribute("country", "FR")      # every cached user in France

What is atomic: writing or dropping an object together with its index entries
(one Lua script per bucket). What is not: a lookup and the load after a miss (two
nodes may both load and write: the last write wins, as in any cache-aside), and
dropping a whole attribute value or model, which goes in batches (an object
written meanwhile may survive it; its own write refreshes its entries).
"""

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable

import redis
from redis.cluster import RedisCluster

from cacheadmin.objectcache import layout
from cacheadmin.objectcache.counters import HitCounter
from cacheadmin.objectcache.scripts import DROP, WRITE

Loader = Callable[[str], dict | None]
ManyLoader = Callable[[list[str]], dict[str, dict]]
BATCH = 500
DEFAULT_RULE = layout.Div(100)


class ObjectCache:
    """The shared parts: the Redis client, the hit counters, the schema registry."""

    def __init__(self, client: redis.Redis, *, counter: HitCounter | None = None):
        self.client = client
        self.counter = counter or HitCounter()
        self._write = client.register_script(WRITE)
        self._drop = client.register_script(DROP)

    def model(
        self,
        name: str,
        *,
        bucket: layout.BucketRule = DEFAULT_RULE,
        ttl: int = 3600,
        inverted: Iterable[str] = (),
        version: int = 1,
        register: bool = True,
    ) -> "Model":
        """A model; registered in Redis so the dashboard finds its layout. On a Redis
        Cluster its name carries a hash tag ({user}): the scripts that keep a bucket and
        its inverted keys in step touch them together, which a cluster allows in one
        slot only."""
        if isinstance(self.client, RedisCluster) and not layout.hash_tag(name):
            raise ValueError(
                f"On a Redis Cluster, name the model with a hash tag, {{{name}}}: its "
                "buckets, inverted keys and directory then share one slot, as the scripts "
                "that keep them in step need."
            )
        model = Model(self, name, bucket=bucket, ttl=ttl, inverted=list(inverted), version=version)
        if register:
            self.client.hset(layout.REGISTRY_KEY, name, json.dumps(model.schema()))
        return model

    def pipeline_at(self, key: str) -> redis.client.Pipeline:
        """A pipeline that can run the scripts: on a cluster, on the node serving key
        (a model's keys share its slot), since a cluster pipeline refuses scripts."""
        if isinstance(self.client, RedisCluster):
            node = self.client.get_redis_connection(self.client.get_node_from_key(key))
            return node.pipeline(transaction=False)
        return self.client.pipeline(transaction=False)

    def flush(self) -> None:
        """Send the counts not yet sent (at shutdown, say)."""
        with self.client.pipeline(transaction=False) as pipe:
            self.counter.flush_into(pipe, force=True)
            pipe.execute()

    def publish(self, *, kind: str, model: str, target: str, ids: list[str]) -> None:
        """Tell other nodes what was dropped, so they drop their local copies too."""
        event = {
            "id": None,
            "source": "objectcache",
            "kind": kind,
            "model": model,
            "target": target,
            "deleted": len(ids),
            "ids": ids[:1000],
            "finished": time.time(),
        }
        self.client.publish(layout.EVENTS_CHANNEL, json.dumps(event))


class Model:
    def __init__(
        self,
        cache: ObjectCache,
        name: str,
        *,
        bucket: layout.BucketRule,
        ttl: int,
        inverted: list[str],
        version: int,
    ):
        if ":" in name or any(":" in attribute for attribute in inverted):
            raise ValueError("model and attribute names cannot hold ':'")
        self.cache = cache
        self.name = name
        self.rule = bucket
        self.ttl = ttl
        self.inverted = inverted
        self.version = version

    def schema(self) -> dict:
        return {
            "name": self.name,
            "bucket": self.rule.describe(),
            "inverted": self.inverted,
            "ttl": self.ttl,
            "version": self.version,
            "serializer": "json",
        }

    def bucket_of(self, object_id: object) -> int:
        return self.rule.bucket(str(object_id))

    def key_of(self, object_id: object) -> str:
        return layout.bucket_key(self.name, self.bucket_of(object_id))

    # reading

    def get(self, object_id: object, loader: Loader | None = None) -> dict | None:
        """The cached object; on a miss, loader(id)'s object, written to the cache."""
        object_id = str(object_id)
        key = self.key_of(object_id)
        if self.cache.counter.due():  # the counts ride along with this lookup
            with self.cache.client.pipeline(transaction=False) as pipe:
                pipe.hget(key, object_id)
                self.cache.counter.flush_into(pipe)
                stored = pipe.execute()[0]
        else:
            stored = self.cache.client.hget(key, object_id)
        if stored is not None:
            self.cache.counter.record(self.name, hits=1)
            return json.loads(stored)
        self.cache.counter.record(self.name, misses=1)
        if loader is None:
            return None
        loaded = loader(object_id)
        if loaded is not None:
            self.set(object_id, loaded)
        return loaded

    def get_many(self, ids: Iterable[object], loader: ManyLoader | None = None) -> dict:
        """The cached objects by id (one HMGET per bucket, one round trip); the missing
        ones from loader(missing ids), written to the cache."""
        ids = [str(object_id) for object_id in ids]
        by_bucket = self._by_bucket(ids)
        with self.cache.client.pipeline(transaction=False) as pipe:
            for key, members in by_bucket.items():
                pipe.hmget(key, members)
            self.cache.counter.flush_into(pipe)
            replies = pipe.execute()[: len(by_bucket)]
        found = {}
        for members, values in zip(by_bucket.values(), replies, strict=True):
            for object_id, stored in zip(members, values, strict=True):
                if stored is not None:
                    found[object_id] = json.loads(stored)
        missing = [object_id for object_id in ids if object_id not in found]
        self.cache.counter.record(self.name, hits=len(found), misses=len(missing))
        if missing and loader is not None:
            loaded = {str(k): v for k, v in loader(missing).items() if v is not None}
            self.set_many(loaded)
            found.update(loaded)
        return found

    # writing

    def set(self, object_id: object, obj: dict) -> None:
        self.set_many({str(object_id): obj})

    def set_many(self, objects: dict) -> None:
        """Write objects and their index entries: one atomic script per bucket."""
        by_bucket: dict[str, list] = defaultdict(list)
        for object_id, obj in objects.items():
            by_bucket[self.key_of(object_id)].append((str(object_id), obj))
        calls = [(key, self._write_args(entries)) for key, entries in by_bucket.items()]
        if len(calls) == 1:  # a script in a pipeline costs a SCRIPT EXISTS first
            key, args = calls[0]
            self.cache._write(keys=[key], args=args)
            return
        with self.cache.pipeline_at(calls[0][0]) as pipe:
            for key, args in calls:
                self.cache._write(keys=[key], args=args, client=pipe)
            pipe.execute()

    def _write_args(self, entries: list[tuple[str, dict]]) -> list:
        args = [self.name, self.ttl, len(self.inverted), *self.inverted]
        for object_id, obj in entries:
            args += [object_id, json.dumps(obj, separators=(",", ":"), sort_keys=True)]
            for attribute in self.inverted:
                values = layout.index_values(obj.get(attribute))
                args += [len(values), *values]
        return args

    # dropping, each announced on the invalidation channel

    def delete(self, object_id: object) -> bool:
        """Drop one object and its index entries."""
        object_id = str(object_id)
        dropped = self.drop([object_id])
        self.cache.publish(kind="object", model=self.name, target=object_id, ids=dropped)
        return bool(dropped)

    def invalidate_attribute(self, attribute: str, value: object) -> int:
        """Drop every object indexed under attribute = value; returns how many."""
        if attribute not in self.inverted:
            raise ValueError(f"{self.name} has no inverted attribute {attribute!r}")
        (spelled,) = layout.index_values(value)
        key = layout.inverted_key(self.name, attribute, spelled)
        dropped: list[str] = []
        # SRANDMEMBER, not SPOP: if we stop midway, the ids left are still indexed.
        while members := self.cache.client.srandmember(key, BATCH):
            ids = [member.decode() for member in members]
            dropped += self.drop(ids)
            self.cache.client.srem(key, *ids)  # entries whose object was not cached
        self.cache.publish(
            kind="attribute", model=self.name, target=f"{attribute}={spelled}", ids=dropped
        )
        return len(dropped)

    def drop_bucket(self, bucket: int) -> list[str]:
        """Drop every object of a bucket without announcing it."""
        return self._run_drop(layout.bucket_key(self.name, bucket), [])

    def invalidate_bucket(self, bucket: int) -> int:
        key = layout.bucket_key(self.name, bucket)
        dropped = self.drop_bucket(bucket)
        self.cache.publish(kind="bucket", model=self.name, target=key, ids=dropped)
        return len(dropped)

    def invalidate_model(self) -> int:
        """Drop every bucket and inverted key of the model, in batches of SCAN + UNLINK."""
        client, dropped = self.cache.client, 0
        for pattern in (layout.bucket_glob(self.name), layout.inverted_glob(self.name)):
            batch = []
            for key in client.scan_iter(match=pattern, count=1000):
                if not layout.is_model_key(self.name, key):
                    continue  # an app's {model}:42:profile
                batch.append(key)
                if len(batch) >= BATCH:
                    dropped += client.unlink(*batch)
                    batch = []
            if batch:
                dropped += client.unlink(*batch)
        client.unlink(layout.directory_key(self.name))
        self.cache.publish(kind="model", model=self.name, target=self.name, ids=[])
        return dropped

    def drop(self, ids: list[str], *, counter: str | None = None) -> list[str]:
        """Drop objects and their index entries without announcing it; returns the ids
        that were there. counter: a key that counts them, in the same atomic step."""
        dropped = []
        for key, members in self._by_bucket(ids).items():
            dropped += self._run_drop(key, members, counter)
        return dropped

    def _run_drop(self, key: str, ids: list[str], counter: str | None = None) -> list[str]:
        args = [self.name, len(self.inverted), *self.inverted, *ids]
        keys = [key, counter] if counter else [key]
        return [object_id.decode() for object_id in self.cache._drop(keys=keys, args=args)]

    def _by_bucket(self, ids: list[str]) -> dict[str, list[str]]:
        by_bucket: dict[str, list[str]] = defaultdict(list)
        for object_id in ids:
            by_bucket[self.key_of(object_id)].append(object_id)
        return by_bucket
