"""Where things live: bucket rules, key names, and how attribute values are indexed.

A model named `user` keeps its objects as fields of bucket hashes `user:{bucket}`
(field: the object id, value: the serialized object), and one set of ids per
indexed attribute value, `user:inv:{attribute}:{value}`.
"""

import re
import zlib
from dataclasses import dataclass

# The library's own keys: the schema registry, per-minute counters, bucket directories,
# the event channel.
REGISTRY_KEY = b"objectcache:models"
STATS_PREFIX = "objectcache:stats:"
DIRECTORY_PREFIX = "objectcache:buckets:"
EVENTS_CHANNEL = "cacheadmin:invalidations"
# Between a model's name and its inverted keys: user:inv:country:FR
INVERTED = ":inv:"
GLOB_SPECIAL = re.compile(rb"([*?\[\]\\])")


@dataclass(frozen=True)
class Div:
    """Integer ids in runs: bucket = id // size (ids 0-99 in bucket 0 with size 100)."""

    size: int = 100

    def bucket(self, object_id: str) -> int:
        return int(object_id) // self.size

    def describe(self) -> dict:
        return {"rule": "div", "size": self.size}


@dataclass(frozen=True)
class Crc32:
    """Any ids, spread evenly: bucket = crc32(id) % count."""

    count: int = 1024

    def bucket(self, object_id: str) -> int:
        return zlib.crc32(object_id.encode()) % self.count

    def describe(self) -> dict:
        return {"rule": "crc32", "count": self.count}


BucketRule = Div | Crc32


def rule_from(description: dict) -> BucketRule:
    if description.get("rule") == "div":
        return Div(int(description["size"]))
    if description.get("rule") == "crc32":
        return Crc32(int(description["count"]))
    raise ValueError(f"unknown bucket rule: {description!r}")


def hash_tag(name: str) -> str | None:
    """The hash tag of a name as Redis Cluster reads it: between the first { and the
    next }, if not empty. Every key of a model named {user} carries it first (its
    directory too), so on a cluster they share one slot."""
    start = name.find("{")
    end = name.find("}", start + 1) if start >= 0 else -1
    return name[start + 1 : end] if end > start + 1 else None


def bucket_key(model: str, bucket: int) -> str:
    return f"{model}:{bucket}"


def inverted_prefix(model: str, attribute: str) -> str:
    return f"{model}{INVERTED}{attribute}:"


def inverted_key(model: str, attribute: str, value: str) -> str:
    return inverted_prefix(model, attribute) + value


def directory_key(model: str) -> str:
    """The set of a model's bucket keys, so the dashboard need not scan for them."""
    return f"{DIRECTORY_PREFIX}{model}"


def bucket_glob(model: str) -> bytes:
    """A SCAN pattern of the model's buckets (and of keys like user:42:profile, which
    is_model_key tells apart); the name is escaped, so a * in it is no wildcard."""
    return _escaped(model) + b":[0-9]*"


def inverted_glob(model: str) -> bytes:
    """A SCAN pattern of every inverted key of the model."""
    return _escaped(model + INVERTED) + b"*"


def attribute_glob(model: str, attribute: str) -> bytes:
    """A SCAN pattern of the inverted keys of one attribute: one per value."""
    return _escaped(inverted_prefix(model, attribute)) + b"*"


def is_model_key(model: str, key: bytes) -> bool:
    """A bucket ({model}:{digits}) or an inverted key of the model: what dropping the
    whole model deletes, and nothing else of an app's ({model}:42:profile)."""
    prefix = model.encode() + b":"
    if key.startswith((model + INVERTED).encode()):
        return True
    rest = key[len(prefix) :]
    return key.startswith(prefix) and rest.isdigit() and rest.isascii()


def _escaped(text: str) -> bytes:
    return GLOB_SPECIAL.sub(rb"\\\1", text.encode())


def stats_key(model: str, minute: int) -> str:
    return f"{STATS_PREFIX}{model}:{minute}"


def totals_key(model: str) -> str:
    """A model's hits and misses since its first lookup (Prometheus' counters)."""
    return f"{STATS_PREFIX}{model}:total"


def index_values(value: object) -> list[str]:
    """The index entries an attribute value makes: one per item of a list.

    Only text, whole numbers and booleans are indexed, and they are spelled the
    way the write script spells them (true/false, plain digits).
    """
    items = value if isinstance(value, list | tuple | set) else [value]
    entries = []
    for item in items:
        if item is None:
            continue
        if isinstance(item, bool):
            entries.append("true" if item else "false")
        elif isinstance(item, int | str):
            entries.append(str(item))
        else:
            raise TypeError(
                f"cannot index a {type(item).__name__}: use text, whole numbers or booleans"
            )
    return sorted(set(entries))
