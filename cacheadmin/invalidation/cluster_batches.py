"""Invalidation batches on a Redis Cluster: the one-script batch of a single server
(SCAN, UNLINK what may go, count it), run on one primary after another, with a SCAN
cursor, a counter and a checkpointed count per primary. Each primary is named by its
first slot (as core.cluster_scan does), so a failover carries on at the replica that
took over: from its own beginning, since a SCAN cursor means nothing on another server."""

import time
import weakref
from dataclasses import replace

import redis
from redis.cluster import ClusterNode, RedisCluster
from redis.exceptions import NoScriptError

from cacheadmin.gateways import cluster_scan, dashboard_keys
from cacheadmin.invalidation.engine import (
    SCAN_UNLINK,
    Progress,
    Target,
    attribute_batch,
    drop_directory,
    patterns_for,
    refuse_untagged,
)
from cacheadmin.objectcache import layout


def counter_on(counter: str, slot: int) -> str:
    """The job's counter on the primary serving slot: a hash tag puts it in that slot,
    so the batch script adds to it on the node where it deletes, in the same step."""
    return f"{counter}:{{{cluster_scan.slot_tag(slot)}}}"


def model_counter(counter: str, model: str) -> str:
    """The job's counter beside a tagged model's keys: the library's drop script adds to
    it in the same step as it drops, which a cluster allows within one slot."""
    return f"{counter}:{{{layout.hash_tag(model)}}}"


def run_batch(
    cluster: RedisCluster, target: Target, progress: Progress, *, count: int, counter: str
) -> Progress:
    """One batch of a job on a cluster: by attribute value at the model's slot, or by
    scanning primary after primary."""
    if target.kind == "attribute":
        refuse_untagged(target)
        counter = model_counter(counter, target.model)
        return attribute_batch(cluster, target, progress, count=count, counter=counter)
    return scan_batch(cluster, target, progress, count=count, counter=counter)


def claim_counters(cluster: RedisCluster, counter: str, nodes: dict) -> None:
    """Each primary's counter from the checkpoint, unless it is there (it expires after a
    day: a job resumed later starts again from what its checkpoint counted)."""
    for slot, seen in nodes.items():
        cluster.set(counter_on(counter, int(slot)), seen["deleted"], nx=True, ex=86400)


def scan_batch(
    cluster: RedisCluster, target: Target, progress: Progress, *, count: int, counter: str
) -> Progress:
    """One batch on the first primary still to be scanned for the current pattern."""
    patterns = patterns_for(target)
    if progress.done or progress.phase >= len(patterns):
        return replace(progress, cursor=0, done=True)
    _learn_slots(cluster)
    nodes, moved, new = _nodes_now(cluster, progress.nodes)
    pending = {
        slot: 0 if str(slot) in moved else at
        for slot, at in cluster_scan.beginning(cluster, progress.cursor)
    }
    if isinstance(progress.cursor, tuple):  # a primary named anew joins the pass under way
        pending.update((int(slot), 0) for slot in new)
    primaries = {node.name for _, node in cluster_scan.primaries(cluster)}
    failovers = sum(progress.nodes[slot]["node"] not in primaries for slot in moved)
    progress = replace(
        progress,
        cursor=tuple(sorted(pending.items())),
        nodes=nodes,
        failovers=progress.failovers + failovers,
    )
    (slot, at), *rest = progress.cursor
    node = cluster_scan.owner(cluster, slot)
    model = target.model if target.kind == "model" else ""
    buckets, inverted = (f"{model}:", f"{model}{layout.INVERTED}") if model else ("", "")
    args = [at, patterns[progress.phase], count, dashboard_keys.PREFIX, buckets, inverted]
    try:
        at, total, returned = _run(cluster, node, counter_on(counter, slot), args)
    except redis.RedisError as exc:
        if not (isinstance(exc, redis.TimeoutError) or cluster_scan.moved_on(exc)):
            raise
        cluster.nodes_manager.initialize()  # a failover, or a node down for now
        if cluster_scan.owner(cluster, slot).name == node.name:
            raise  # no other primary yet: the worker tries again in a while
        return progress  # the next batch finds the new primary, and counts the failover
    left = ((slot, int(at)), *rest) if int(at) else tuple(rest)
    phase = progress.phase + (not left)
    done = not left and phase >= len(patterns)
    nodes[str(slot)] = {"node": node.name, "deleted": int(total)}
    if done and target.kind == "model":
        _drop_directory(cluster, target, counter, nodes)
    deleted = sum(seen["deleted"] for seen in nodes.values())
    scanned = progress.scanned + int(returned)
    return Progress(phase, left or 0, scanned, deleted, done, nodes, progress.failovers)


def _drop_directory(cluster: RedisCluster, target: Target, counter: str, nodes: dict) -> None:
    """The model's directory, counted on the primary that held it."""
    holder = cluster_scan.key_owner(cluster, layout.directory_key(target.model).encode())
    for slot, node in cluster_scan.primaries(cluster):
        if node.name == holder.name and str(slot) in nodes:
            nodes[str(slot)]["deleted"] = drop_directory(cluster, target, counter_on(counter, slot))


def _nodes_now(cluster: RedisCluster, seen: dict) -> tuple[dict, set[str], set[str]]:
    """Which node serves each primary's slots now; the primaries (by first slot) whose
    node changed since the last batch, to scan again from their beginning: a failover
    (the old node is a primary no more) or a move of that slot (resharding); and the
    primaries named anew mid-job (resharding moved a node's first slot away)."""
    nodes = {slot: dict(node) for slot, node in seen.items()}
    new = set()
    for slot, node in cluster_scan.primaries(cluster):
        if str(slot) not in nodes:
            nodes[str(slot)] = {"node": node.name, "deleted": 0}
            new.add(str(slot))
    moved = set()
    for slot, node in nodes.items():
        now = cluster_scan.owner(cluster, int(slot)).name
        if now != node["node"]:
            moved.add(slot)
            node["node"] = now
    return nodes, moved, new


# a cluster client -> when its slots were last asked; goes with its client
_learned: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _learn_slots(cluster: RedisCluster, every: float = 1.0) -> None:
    """Ask the cluster which node serves which slots, at most once a second: a primary
    that died since is noticed even if the job has finished with its keys."""
    if time.monotonic() - _learned.get(cluster, 0) >= every:
        cluster.nodes_manager.initialize()
        _learned[cluster] = time.monotonic()


def _run(cluster: RedisCluster, node: ClusterNode, counter: str, args: list) -> list:
    """The batch script on a primary, after ASKING (at_once): while a slot moves to it,
    the keys that have arrived are its to delete too. Loaded first if need be."""
    client = cluster.get_redis_connection(node)
    command = ("EVALSHA", client.register_script(SCAN_UNLINK).sha, 1, counter, *args)
    (reply,) = cluster_scan.at_once([(client, command)])
    if isinstance(reply, NoScriptError):
        client.script_load(SCAN_UNLINK)
        (reply,) = cluster_scan.at_once([(client, command)])
    if isinstance(reply, Exception):
        raise reply
    return reply
