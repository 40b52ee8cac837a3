"""The metadata of keys on a Redis Cluster: each key asked at the primary that holds it,
every primary at once, and what is known of the keys of a primary that did not answer."""

from dataclasses import replace

import redis
from redis.cluster import ClusterNode, RedisCluster

from cacheadmin.gateways.redis_kinds import cluster_scan
from cacheadmin.gateways.redis_kinds.key_metadata import (
    DESCRIBE_SHA,
    KeyInfo,
    describe_keys,
    key_info,
)


def describe_on_nodes(
    cluster: RedisCluster,
    keys: list[bytes],
    found_on: dict[bytes, str] | None = None,
    down: cluster_scan.Down | None = None,
) -> tuple[list[KeyInfo], int]:
    """Metadata of keys on a cluster, each saying its node, and the cluster's size: one
    round trip to every primary (the script where it holds keys, else DBSIZE), all at
    once. Each key is asked where SCAN found it (found_on), else at its slot's primary:
    while a slot moves, its keys are on two nodes. A node that fails that (no script
    loaded yet, a failover) is asked again on its own, the long way. With down (see
    on_owner): a primary that does not answer, or refuses to read keys while the
    cluster is down, leaves its keys unknown and its keys uncounted."""
    nodes = cluster_scan.primaries(cluster)
    names = {node.name for _, node in nodes}
    held: dict[str, list[int]] = {}  # node -> where its keys are in `keys`
    for index, key in enumerate(keys):
        name = (found_on or {}).get(key)
        name = name if name in names else cluster_scan.key_owner(cluster, key).name
        held.setdefault(name, []).append(index)
    commands = []
    for _, node in nodes:
        mine = [keys[index] for index in held.get(node.name, [])]
        command = ("EVALSHA", DESCRIBE_SHA, 0, *mine) if mine else ("DBSIZE",)
        commands.append((cluster.get_redis_connection(node), command))
    try:
        replies = cluster_scan.at_once(commands, down)
    except (redis.ConnectionError, redis.TimeoutError):
        replies = [None] * len(nodes)
    rows: list[KeyInfo | None] = [None] * len(keys)
    total = 0
    for (slot, node), reply in zip(nodes, replies, strict=True):
        mine = [keys[i] for i in held.get(node.name, [])]
        if reply is None or isinstance(reply, Exception):
            infos, dbsize = _described_or_unknown(cluster, slot, node, mine, reply, down)
        elif mine:
            dbsize, raw = reply
            infos = [key_info(key, row, node.name) for key, row in zip(mine, raw, strict=True)]
        else:
            infos, dbsize = [], reply
        total += dbsize
        for index, info in zip(held.get(node.name, []), infos, strict=True):
            rows[index] = info
    # a key whose owner is not among the primaries listed (the slot map changed since
    # they were: a failover) is asked where the cluster sends it
    strays = [index for index, row in enumerate(rows) if row is None]
    for index, info in zip(strays, _one_by_one(cluster, [keys[i] for i in strays]), strict=True):
        rows[index] = info
    return rows, total


def _described_or_unknown(
    cluster: RedisCluster,
    slot: int,
    node: ClusterNode,
    keys: list[bytes],
    reply: Exception | None,
    down: cluster_scan.Down | None,
) -> tuple[list[KeyInfo], int]:
    """A node's keys the long way (see _describe_node); with down, those of a node that
    did not answer or refuses to read keys are unknown instead."""
    if down is None:
        return _describe_node(cluster, slot, node.name, keys)
    if _unreadable(reply):
        return _unknown(cluster, node, keys, reply)
    try:
        return _describe_node(cluster, slot, node.name, keys, down)
    except redis.RedisError as exc:
        if not _unreadable(exc):
            raise
        return _unknown(cluster, node, keys, exc)


def _unreadable(reply: object) -> bool:
    """The node did not answer, or it refuses to read keys (the cluster is down)."""
    return isinstance(reply, cluster_scan.PrimaryDown) or cluster_scan.refuses_keys(reply)


def _unknown(
    cluster: RedisCluster, node: ClusterNode, keys: list[bytes], reply: Exception
) -> tuple[list[KeyInfo], int]:
    """The keys of a node that could not describe them, and its size if it can say it."""
    if isinstance(reply, cluster_scan.PrimaryDown):
        why, dbsize = f"its primary {node.name} did not answer", 0
    else:
        why = f"{node.name} says {cluster_scan.REFUSES_KEYS}"
        dbsize = cluster.get_redis_connection(node).dbsize()
    return [KeyInfo(key, "unknown", None, None, None, "", node.name, why) for key in keys], dbsize


def _describe_node(
    cluster: RedisCluster,
    slot: int,
    name: str,
    keys: list[bytes],
    down: cluster_scan.Down | None = None,
) -> tuple[list[KeyInfo], int]:
    """One primary's keys the long way: the script loaded if need be, two pipelines
    for a user who may not run scripts, the slot's new primary after a failover; and
    while slots move, key by key, each asked where the cluster sends it."""
    try:
        return cluster_scan.on_owner(
            cluster, slot, lambda node: describe_keys(node, keys, declared=False, node=name), down
        )
    except redis.ResponseError as exc:
        if not cluster_scan.moved_on(exc) or (down is not None and _unreadable(exc)):
            raise  # the cluster down: no key would be read, however asked
    # keys gone on to another node, with their slot (resharding)
    return _one_by_one(cluster, keys), cluster_scan.primary_size(cluster, slot)


def _one_by_one(cluster: RedisCluster, keys: list[bytes]) -> list[KeyInfo]:
    """Each key asked where the cluster sends it (redis-py follows ASK and MOVED)."""
    infos = []
    for key in keys:
        (info,), _ = describe_keys(cluster, [key])
        infos.append(replace(info, node=cluster_scan.holder(cluster, key)))
    return infos
