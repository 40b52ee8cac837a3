"""What an invalidation deletes, how much (a preview), and the deleting itself: at
once for small targets, batch by batch (SCAN + UNLINK, or SPOP of an inverted set)
for large ones, each batch leaving a checkpoint to resume from."""

import json
import time
from dataclasses import dataclass, field, replace

import redis

from cacheadmin.gateways import dashboard_keys, globs
from cacheadmin.gateways.keycodec import display_key
from cacheadmin.gateways.redis_kinds import cluster_scan
from cacheadmin.gateways.redis_kinds.cluster_scan import ClusterCursor
from cacheadmin.gateways.redis_kinds.keyspace import Batch, Keyspace
from cacheadmin.objectcache import ObjectCache, layout
from cacheadmin.objectcache.cache import Model

KINDS = ("key", "pattern", "bucket", "model", "object", "attribute")
OBJECT_KINDS = ("bucket", "model", "object", "attribute")
SAMPLE = 20
PREVIEW_BUDGET = 20_000  # keys a preview looks at, over every server
PREVIEW_CALL = 1000  # the COUNT of each of its SCAN calls
# Past its share of the budget a server is read on while it has shown fewer matches
# than this (a sampled count of 400 is good to about 10%), for at most PREVIEW_SECONDS:
# a rare pattern's few keys are then counted, not guessed from a sample that missed them.
MIN_MATCHES = 400
PREVIEW_SECONDS = 1.0
BATCH = 1000
EVENTS_CHANNEL = layout.EVENTS_CHANNEL


class TargetError(ValueError):
    """The target cannot be invalidated as given (a message for the user)."""


@dataclass(frozen=True)
class Target:
    kind: str
    target: bytes  # the key, pattern, bucket number, model name, object id or value
    model: str = ""
    attribute: str = ""

    def label(self) -> str:
        """How the audit log and the events name it."""
        text = display_key(self.target)
        if self.kind == "attribute":
            return f"{self.model}.{self.attribute}={text}"
        if self.kind in ("bucket", "object"):
            return f"{self.model}:{text}"
        return text


@dataclass
class Progress:
    """Where a batch job is: which pattern, which cursor, how many seen and gone. On a
    cluster: a cursor per primary, and each primary's node and count (cluster_batches)."""

    phase: int = 0
    cursor: int | ClusterCursor = 0
    scanned: int = 0
    deleted: int = 0
    done: bool = False
    nodes: dict = field(default_factory=dict)  # first slot -> {"node", "deleted"}
    failovers: int = 0  # primaries that changed under a cluster job


@dataclass
class Preview:
    estimate: int
    estimated: bool  # True when scaled up from a sample of the keyspace
    sample: list[bytes] = field(default_factory=list)
    memory: int | None = None
    objects: int | None = None  # object-cache targets: objects affected
    entries: list[str] = field(default_factory=list)  # an object's inverted keys
    examined: int | None = None  # keys a scanning preview looked at
    keys: int | None = None  # keys on the servers it scanned (DBSIZE)


def model_for(client: redis.Redis, target: Target) -> Model:
    """The object-cache model a target names, from the registry."""
    raw = client.hget(layout.REGISTRY_KEY, target.model)
    if not raw:
        raise TargetError(f"no object-cache model named {target.model!r} is registered")
    schema = json.loads(raw)
    try:
        return ObjectCache(client).model(
            schema["name"],
            bucket=layout.rule_from(schema["bucket"]),
            ttl=schema["ttl"],
            inverted=schema["inverted"],
            register=False,
        )
    except ValueError:  # on a cluster, a model named without a hash tag
        raise TargetError(_untagged(target)) from None


def deletable(target: Target, keys: list[bytes]) -> list[bytes]:
    """What of a SCAN batch may go: never the dashboard's own keys; for a model, only
    its buckets and inverted keys (layout.is_model_key), not an app's {model}:42:profile.
    (SCAN_UNLINK applies the same rule inside Redis.)"""
    keys = [key for key in keys if not dashboard_keys.is_dashboard_key(key)]
    if target.kind != "model":
        return keys
    return [key for key in keys if layout.is_model_key(target.model, key)]


def patterns_for(target: Target) -> list[bytes]:
    """The SCAN patterns of a batch job: the pattern itself, or a model's keys."""
    if target.kind == "pattern":
        return [target.target]
    if target.kind == "model":
        return [layout.bucket_glob(target.model), layout.inverted_glob(target.model)]
    raise TargetError(f"a {target.kind} is not deleted by scanning")


def refuse_own_keys(target: Target) -> None:
    """The dashboard's own keys are no target: a key under its prefix, nor a model whose
    keys would be there (a pattern's or a model's batches skip them)."""
    if target.kind == "key":
        own = target.target
    elif target.kind in OBJECT_KINDS:
        own = f"{target.model}:".encode()
    else:
        return
    if dashboard_keys.is_dashboard_key(own):
        raise TargetError(
            f"keys under {dashboard_keys.PREFIX} are the dashboard's own and cannot be invalidated"
        )


def _untagged(target: Target) -> str:
    """On a cluster, dropping objects runs the library's scripts, which need the model's
    keys in one slot: a model named without a hash tag has them spread."""
    return (
        f"the model {target.model} has no hash tag ({{{target.model}}}), so on a Redis "
        "Cluster its keys are spread over slots and its objects cannot be dropped "
        "with their index entries in one step: drop the whole model, or a pattern"
    )


def model_counter(counter: str, model: str) -> str:
    """A job's counter beside a model's keys: the library's drop script adds to it in
    the same step as it drops, which a cluster allows within one slot (the model's)."""
    return f"{counter}:{{{layout.hash_tag(model)}}}"


def preview(space: Keyspace, target: Target) -> Preview:
    refuse_own_keys(target)
    client = space.client
    if target.kind == "key":
        found = client.exists(target.target)
        return Preview(
            found, False, [target.target] if found else [], _memory(client, [target.target])
        )
    if target.kind == "model":
        model_for(client, target)  # only a registered model can be dropped whole
    if target.kind in ("pattern", "model"):
        return _scan_preview(space, target)
    model = model_for(client, target)
    if target.kind == "bucket":
        key = layout.bucket_key(model.name, _bucket_number(target))
        size = client.hlen(key)
        return Preview(
            1 if size else 0, False, [key.encode()] if size else [], _memory(client, [key]), size
        )
    if target.kind == "object":
        object_id = _object_id(model, target)
        stored = client.hget(model.key_of(object_id), object_id)
        if stored is None:
            return Preview(0, False, [], None, 0)
        return Preview(1, False, [target.target], len(stored), 1, _entries(model, stored))
    key = layout.inverted_key(model.name, _attribute(model, target), _text(target))
    count = client.scard(key)
    sample = client.srandmember(key, SAMPLE) if count else []
    return Preview(count, False, sorted(sample), None, count)


def _scan_preview(space: Keyspace, target: Target, *, budget: int = PREVIEW_BUDGET) -> Preview:
    """Matches among the keys an unfiltered SCAN returns, each server (each primary of
    a cluster) looking at its share of the budget by its size, and scaled by its own
    DBSIZE when cut short: a pattern whose keys a hash tag keeps on one primary is
    counted there, and nowhere else."""
    matches = globs.matcher(patterns_for(target))
    scanners = space.sized_scanners()
    total = sum(size for _, size in scanners)
    estimate, complete, sample, examined = 0, True, [], 0
    for scan, size in scanners:
        share = max(PREVIEW_CALL, budget * size // max(total, 1))
        found, looked_at, done, seen = _sample_node(scan, share, matches, target)
        estimate += found if done else round(found * size / max(looked_at, 1))
        complete &= done
        examined += looked_at
        sample += seen[: SAMPLE - len(sample)]
    memory = _memory(space.client, sample)
    if memory is not None and sample:
        memory = round(memory * max(estimate, len(sample)) / len(sample))
    return Preview(estimate, not complete, sample, memory, examined=examined, keys=total)


def _sample_node(
    scan: cluster_scan.NodeScanner, share: int, matches, target: Target
) -> tuple[int, int, bool, list[bytes]]:
    """(matches found, keys examined, whole server seen, a sample of the matches) after
    SCAN calls until the share of keys is examined (the calls are bounded too: SCAN of
    a sparse table may return few keys a call), and on while matches are rare (above)."""
    cursor, found, examined, sample = 0, 0, 0, []
    calls, deadline = 10 * max(1, share // PREVIEW_CALL), None
    while True:
        cursor, keys = scan(cursor, PREVIEW_CALL)
        examined += len(keys)
        hits = deletable(target, [key for key in keys if matches(key)])
        found += len(hits)
        sample += hits[: SAMPLE - len(sample)]
        if cursor == 0:
            return found, examined, True, sample
        calls -= 1
        if examined < share and calls > 0:
            continue
        if found >= MIN_MATCHES:
            break
        deadline = deadline or time.monotonic() + PREVIEW_SECONDS
        if time.monotonic() >= deadline:
            break
    return found, examined, False, sample


def _entries(model: Model, stored: bytes) -> list[str]:
    """The inverted keys that point at a stored object, and go with it."""
    try:
        decoded = json.loads(stored)
    except ValueError:
        return []
    if not isinstance(decoded, dict):
        return []
    keys = []
    for attribute in model.inverted:
        try:
            values = layout.index_values(decoded.get(attribute))
        except TypeError:
            continue
        keys += [layout.inverted_key(model.name, attribute, value) for value in values]
    return keys


def _memory(client: redis.Redis, keys: list) -> int | None:
    if not keys:
        return 0
    with client.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.memory_usage(key)
        sizes = pipe.execute()
    return sum(size or 0 for size in sizes)


def run_small(client: redis.Redis, target: Target) -> int:
    """Delete a target that is small enough to go at once; returns how many went."""
    refuse_own_keys(target)
    if target.kind == "key":
        return client.unlink(target.target)
    model = model_for(client, target)
    if target.kind == "bucket":
        return len(model.drop_bucket(_bucket_number(target)))
    if target.kind == "object":
        return len(model.drop([_object_id(model, target)]))
    if target.kind == "attribute":
        model = model_for(client, target)
        progress = Progress()
        while not progress.done:  # no counter: nothing to resume in a request
            progress = attribute_batch(client, target, progress, count=BATCH, counter=None)
        return progress.deleted
    raise TargetError(f"a {target.kind} is too large to go at once: it runs as a job")


# One batch in one round trip: SCAN, then UNLINK what may go (as deletable() says),
# adding the number removed to the job's counter in the same atomic step. A batch
# replayed after a crash adds nothing, and none is lost between delete and checkpoint.
SCAN_UNLINK = """
local reply = redis.call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', ARGV[3])
local protected, buckets, inverted = ARGV[4], ARGV[5], ARGV[6]
local gone = 0
for _, key in ipairs(reply[2]) do
  local ok = string.sub(key, 1, #protected) ~= protected
  if ok and buckets ~= '' then
    ok = string.sub(key, 1, #inverted) == inverted
      or (string.sub(key, 1, #buckets) == buckets
          and string.match(string.sub(key, #buckets + 1), '^%d+$') ~= nil)
  end
  if ok then gone = gone + redis.call('UNLINK', key) end
end
local total = redis.call('INCRBY', KEYS[1], gone)
redis.call('EXPIRE', KEYS[1], 86400)
return {reply[1], total, #reply[2]}
"""


def scan_batch(
    space: Keyspace, target: Target, progress: Progress, *, count: int, counter: str
) -> Progress:
    """One SCAN and a counted UNLINK of what it found that may go, in one script, where
    the scan stands (a cluster's: on one primary, its counter there)."""
    patterns = patterns_for(target)
    if progress.done or progress.phase >= len(patterns):
        return replace(progress, cursor=0, done=True)
    model = target.model if target.kind == "model" else ""
    buckets, inverted = (f"{model}:", f"{model}{layout.INVERTED}") if model else ("", "")
    args = [patterns[progress.phase], count, dashboard_keys.PREFIX, buckets, inverted]
    before = Batch(progress.cursor, progress.nodes, progress.failovers, progress.deleted)
    batch = space.counted_scan(SCAN_UNLINK, counter, before, args)
    phase = progress.phase + (batch.cursor == 0)
    done = batch.cursor == 0 and phase >= len(patterns)
    if done and target.kind == "model":
        directory = layout.directory_key(target.model).encode()
        drop = lambda name: drop_directory(space.client, target, name)  # noqa: E731
        batch = space.count_on_holder(counter, directory, batch, drop)
    return Progress(
        phase=phase,
        cursor=batch.cursor,
        scanned=progress.scanned + batch.returned,
        deleted=batch.deleted,
        done=done,
        nodes=batch.nodes,
        failovers=batch.failovers,
    )


def drop_directory(client: redis.Redis, target: Target, counter: str) -> int:
    """The model's directory of buckets, the last of its keys to go, counted with the
    others; the counter's total."""
    gone = client.unlink(layout.directory_key(target.model))
    return int(client.incrby(counter, gone))


def attribute_batch(
    client: redis.Redis, target: Target, progress: Progress, *, count: int, counter: str | None
) -> Progress:
    """Drop up to count objects carried by an attribute value; the ids stay in the set
    until their objects are gone, so a crash leaves nothing unindexed behind."""
    model = model_for(client, target)
    key = layout.inverted_key(model.name, _attribute(model, target), _text(target))
    members = client.srandmember(key, count)
    if not members:
        return replace(progress, phase=0, cursor=0, done=True)
    ids = [member.decode() for member in members]
    dropped = model.drop(ids, counter=counter)
    client.srem(key, *ids)  # entries whose object was not cached
    deleted = int(client.get(counter) or 0) if counter else progress.deleted + len(dropped)
    return replace(
        progress, phase=0, cursor=0, scanned=progress.scanned + len(ids), deleted=deleted
    )


def run_batch(
    space: Keyspace, target: Target, progress: Progress, *, count: int = BATCH, counter: str
) -> Progress:
    """One batch of a job; counter is the Redis key that counts the job's deletions (by
    attribute value: beside the model's keys)."""
    if target.kind == "attribute":
        counter = model_counter(counter, target.model)
        return attribute_batch(space.client, target, progress, count=count, counter=counter)
    return scan_batch(space, target, progress, count=count, counter=counter)


def event(*, job_id: int | None, target: Target, deleted: int, status: str) -> dict:
    """What application nodes hear when an invalidation ends (Redis and RabbitMQ alike)."""
    return {
        "id": job_id,
        "kind": target.kind,
        "target": target.label(),
        "model": target.model or None,
        "attribute": target.attribute or None,
        "deleted": deleted,
        "status": status,
        "finished": time.time(),
        "source": "cacheadmin",
    }


def _text(target: Target) -> str:
    """An object id or attribute value: text, as the library stores it."""
    try:
        return target.target.decode()
    except UnicodeDecodeError:
        raise TargetError("object ids and attribute values are text (UTF-8)") from None


def _object_id(model: Model, target: Target) -> str:
    object_id = _text(target)
    try:
        model.bucket_of(object_id)
    except ValueError:
        raise TargetError(
            f"{object_id!r} is not an id of {model.name} (its buckets want whole numbers)"
        ) from None
    return object_id


def _bucket_number(target: Target) -> int:
    text = target.target.decode(errors="replace").rsplit(":", 1)[-1]
    if not text.isascii() or not text.isdigit():
        raise TargetError("a bucket is a number (or model:number)")
    return int(text)


def _attribute(model: Model, target: Target) -> str:
    if target.attribute not in model.inverted:
        raise TargetError(f"{model.name} has no inverted attribute {target.attribute!r}")
    return target.attribute
