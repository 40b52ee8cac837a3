"""What is being published on a Redis server or cluster: active channels (and sharded
channels) with their subscriber counts, pattern subscriptions, and whether keyspace
notifications are on."""

import re
from functools import partial

import redis

from cacheadmin.gateways.keycodec import display_key
from cacheadmin.gateways.parallel import call_in_parallel
from cacheadmin.gateways.redis_kinds.keyspace import Keyspace

MAX_CHANNELS = 200  # PUBSUB CHANNELS has no COUNT: we show the first ones
# K keyspace, E keyevent; g generic, $ string, l list, s set, h hash, z sorted set,
# x expired, e evicted, t stream, m key miss, n new key, d module; A = g$lshzxetd.
FLAGS = re.compile(r"\A[KEg$lshzxeAtmnd]{0,20}\Z")
PRESETS = (
    ("Exe", "expired and evicted keys, as key events"),
    ("Eg$xe", "deletes, renames, expiries, string writes and evictions, as key events"),
    ("KEA", "everything, as keyspace and key events (costly on a busy server)"),
    ("", "off"),
)


def pubsub_overview(space: Keyspace) -> dict:
    """Channels and sharded channels with subscribers (the first MAX_CHANNELS of each),
    their counts, and NUMPAT: two round trips. On a cluster, every node is asked at
    once (a subscriber may be connected to any node) and the counts are summed, but for
    NUMPAT, which is each node's count of distinct patterns: it is given per node."""
    nodes = space.every_node()
    answers = call_in_parallel(
        **{address: partial(_node_pubsub, node) for address, node in nodes.items()}
    )
    primaries = space.primary_names()
    flags = {
        keyspace_flags(answer["config"])
        for address, answer in answers.items()
        if address in primaries
    }
    return _merged(answers, flags)


def _node_pubsub(client: redis.Redis) -> dict:
    """One server's channels, sharded channels (Redis 7) and their counts, NUMPAT."""
    with client.pipeline(transaction=False) as pipe:
        pipe.pubsub_channels()
        pipe.execute_command("PUBSUB SHARDCHANNELS")
        pipe.pubsub_numpat()
        pipe.config_get("notify-keyspace-events")
        channels, shard_channels, numpat, config = pipe.execute(raise_on_error=False)
    channels = sorted(channels)
    shard_channels = sorted(shard_channels) if isinstance(shard_channels, list) else []
    with client.pipeline(transaction=False) as pipe:
        pipe.pubsub_numsub(*channels[:MAX_CHANNELS]) if channels else pipe.ping()
        if shard_channels:
            pipe.execute_command("PUBSUB SHARDNUMSUB", *shard_channels[:MAX_CHANNELS])
        counts, *shard_counts = pipe.execute(raise_on_error=False)
    return {
        "channels": _counts(channels, counts),
        "shard_channels": _counts(shard_channels, shard_counts[0] if shard_counts else []),
        "numpat": numpat if isinstance(numpat, int) else None,
        "config": config,
    }


def _counts(names: list[bytes], counts) -> dict[bytes, int]:
    """Subscribers by channel (0 for those past MAX_CHANNELS, which were not asked)."""
    found = dict(_pairs(counts)) if isinstance(counts, list) else {}
    return {name: found.get(name, 0) for name in names}


def _pairs(counts: list) -> list:
    """NUMSUB answers pairs; SHARDNUMSUB a flat list."""
    if counts and not isinstance(counts[0], list | tuple):
        counts = list(zip(counts[::2], counts[1::2], strict=True))
    return [(name, int(count)) for name, count in counts]


def _merged(found: dict[str, dict], flags: set) -> dict:
    """The answers of a server (its address "") or of a cluster's nodes (by address)."""
    channels: dict[bytes, int] = {}
    shard_channels: dict[bytes, int] = {}
    for answer in found.values():
        for name, count in answer["channels"].items():
            channels[name] = channels.get(name, 0) + count
        for name, count in answer["shard_channels"].items():
            shard_channels[name] = shard_channels.get(name, 0) + count
    numpats = {address: answer["numpat"] for address, answer in found.items()}
    return {
        "channels": _rows(channels),
        "total": len(channels),
        "shard_channels": _rows(shard_channels),
        "shard_total": len(shard_channels),
        # A server's distinct patterns; a cluster's cannot be summed (two nodes may each
        # have the same pattern subscribed) nor merged (NUMPAT names none): per node.
        "patterns": numpats.get(""),
        "patterns_by_node": [
            {"node": address, "patterns": count}
            for address, count in sorted(numpats.items())
            if address and count != 0
        ],
        "keyspace_events": flags.pop() if len(flags) == 1 else None,
        "keyspace_events_differ": len(flags) > 1,
        "nodes": len(found),
        "cluster": "" not in found,
    }


def _rows(counts: dict[bytes, int]) -> list[dict]:
    names = sorted(counts)[:MAX_CHANNELS]
    return [{"name": display_key(name), "subscribers": counts[name]} for name in names]


def keyspace_flags(config) -> str | None:
    """The setting, or None when CONFIG is forbidden (managed servers rename it)."""
    if not isinstance(config, dict):
        return None
    value = next(iter(config.values()), b"")
    return value.decode() if isinstance(value, bytes) else str(value)


def set_keyspace_events(space: Keyspace, flags: str) -> str:
    """CONFIG SET notify-keyspace-events (on a cluster, on every node: notifications are
    sent by the node holding the key, and a replica promoted keeps its own setting); the
    setting as Redis now reports it."""
    nodes = list(space.every_node().values())
    for node in nodes:  # on a cluster, replicas too: a promoted one keeps its own
        node.config_set("notify-keyspace-events", flags)
    return keyspace_flags(nodes[0].config_get("notify-keyspace-events")) or ""
