"""The metadata of keys (type, TTL, size, memory, encoding) in one round trip: a
read-only script asks each key's, or two pipelines for a user who may not run scripts."""

import hashlib
from dataclasses import dataclass

import redis
from redis.cluster import RedisCluster

from cacheadmin.gateways.redis_kinds import cluster_scan

# One round trip for a whole page: a read-only script asks each key's metadata.
# Size comes from the command that fits the type; module types have no size (-1).
# The keys come as KEYS; on a cluster node, as ARGV: a node's keys are in many slots,
# which a script may read only undeclared (and allowed to cross slots).
DESCRIBE_SCRIPT = """#!lua flags=no-writes,allow-stale,allow-cross-slot-keys
local sizers = {string='STRLEN', hash='HLEN', list='LLEN', set='SCARD', zset='ZCARD', stream='XLEN'}
local rows = {}
local names = #KEYS > 0 and KEYS or ARGV
for i, key in ipairs(names) do
  local kind = redis.call('TYPE', key)['ok']
  if kind == 'none' then
    rows[i] = {'none', -2, -1, -1, ''}
  else
    local sizer = sizers[kind]
    local size = sizer and redis.call(sizer, key) or -1
    local memory = redis.call('MEMORY', 'USAGE', key) or -1
    local encoding = redis.call('OBJECT', 'ENCODING', key) or ''
    rows[i] = {kind, redis.call('PTTL', key), size, memory, encoding}
  end
end
return {redis.call('DBSIZE'), rows}
"""

DESCRIBE_SHA = hashlib.sha1(DESCRIBE_SCRIPT.encode()).hexdigest()  # noqa: S324 (Redis's name)


@dataclass(frozen=True)
class KeyInfo:
    key: bytes
    type: str  # "none" when the key went away between SCAN and the description
    ttl_ms: int | None  # -1: no TTL, -2: gone; None when unknown
    size: int | None  # STRLEN, HLEN, LLEN, SCARD, ZCARD or XLEN; None when unknown
    memory: int | None  # MEMORY USAGE in bytes
    encoding: str
    node: str = ""  # on a cluster: host:port of the primary that holds the key
    unknown: str = ""  # why nothing is known of it (type "unknown"): its node refused

    @property
    def gone(self) -> bool:
        return self.type == "none"


def describe_keys(
    client: redis.Redis, keys: list[bytes], *, declared: bool = True, node: str = ""
) -> tuple[list[KeyInfo], int]:
    """Metadata of every key, and the size of the database, in one round trip.
    declared=False passes the keys as arguments (a cluster node's, in many slots), and
    node says which node that is."""
    if not keys:
        return [], client.dbsize()
    describe = client.register_script(DESCRIBE_SCRIPT)
    try:
        dbsize, rows = describe(keys=keys) if declared else _describe_asking(describe, keys)
    except redis.exceptions.NoPermissionError:  # a monitoring user may not run scripts
        dbsize, rows = _describe_without_scripts(client, keys)
    return [key_info(key, row, node) for key, row in zip(keys, rows, strict=True)], dbsize


def _describe_asking(describe: redis.commands.core.Script, keys: list[bytes]) -> list:
    """The script on a cluster node, its keys as arguments, after ASKING (keys of a slot
    on its way to this node); a pipeline loads the script first if need be."""
    with describe.registered_client.pipeline(transaction=False) as pipe:
        cluster_scan.asking(pipe)
        describe(args=keys, client=pipe)
        _, reply = pipe.execute(raise_on_error=False)
    if isinstance(reply, Exception):
        raise reply
    return reply


SIZERS = {"string": "STRLEN", "hash": "HLEN", "list": "LLEN", "set": "SCARD", "zset": "ZCARD"}
SIZERS["stream"] = "XLEN"


def _describe_without_scripts(client: redis.Redis, keys: list[bytes]) -> tuple[int, list]:
    """The script's rows from two pipelined round trips: type, TTL, memory and encoding;
    then each size by the command that fits the type. A command the user may not run
    leaves its figure unknown."""
    cluster = isinstance(client, RedisCluster)
    with client.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.type(key).pttl(key).memory_usage(key).object("encoding", key)
        if not cluster:  # a cluster's pipeline refuses DBSIZE: it is asked of every primary
            pipe.dbsize()
        answers = pipe.execute(raise_on_error=False)
    if cluster:
        answers.append(client.dbsize(target_nodes=RedisCluster.PRIMARIES))
    *figures, dbsize = answers
    kinds = [_text(kind) if not isinstance(kind, Exception) else "none" for kind in figures[::4]]
    with client.pipeline(transaction=False) as pipe:
        for key, kind in zip(keys, kinds, strict=True):
            pipe.execute_command(SIZERS.get(kind, "EXISTS"), key)
        sizes = pipe.execute(raise_on_error=False)
    rows = []
    for index, (kind, size) in enumerate(zip(kinds, sizes, strict=True)):
        ttl, memory, encoding = figures[index * 4 + 1 : index * 4 + 4]
        known = kind in SIZERS and not isinstance(size, Exception)
        rows.append(
            [kind, _number(ttl, -2), size if known else -1, _number(memory, -1), encoding or b""]
            if kind != "none"
            else ["none", -2, -1, -1, ""]
        )
    return (dbsize if not isinstance(dbsize, Exception) else 0), rows


def _number(value, unknown: int) -> int:
    return value if isinstance(value, int) else unknown


def key_info(key: bytes, row: list, node: str = "") -> KeyInfo:
    kind, ttl_ms, size, memory, encoding = row
    return KeyInfo(
        node=node,
        key=key,
        type=_text(kind),
        ttl_ms=int(ttl_ms),
        size=None if size < 0 else int(size),
        memory=None if memory < 0 else int(memory),
        encoding=_text(encoding),
    )


def _text(value: bytes | str) -> str:
    return value.decode("ascii", errors="replace") if isinstance(value, bytes) else value
