"""The keyspace of a Redis Cluster: every primary read as one keyspace (cluster_scan),
keys described where they are (cluster_keys), counted batches on every primary at once,
and the clients of its nodes, kept here and gone with it."""

import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TypeVar

import redis
from redis.backoff import NoBackoff
from redis.cluster import ClusterNode, RedisCluster
from redis.exceptions import NoScriptError
from redis.retry import Retry

from cacheadmin.gateways.parallel import call_in_parallel
from cacheadmin.gateways.problems import reason_of
from cacheadmin.gateways.redis_kinds import cluster_layout, cluster_scan
from cacheadmin.gateways.redis_kinds.cluster_keys import describe_on_nodes
from cacheadmin.gateways.redis_kinds.cluster_scan import ClusterCursor, Down, NodeScan
from cacheadmin.gateways.redis_kinds.key_metadata import KeyInfo
from cacheadmin.gateways.redis_kinds.keyspace import Batch, Sample

T = TypeVar("T")
COUNTER_SECONDS = 86400
LEARN_EVERY = 1.0  # seconds between two askings of the slots by a job's batches


def counter_on(counter: str, slot: int) -> str:
    """A job's counter on the primary serving slot: a hash tag puts it in that slot, so
    the batch script adds to it on the node where it deletes, in the same step."""
    return f"{counter}:{{{cluster_scan.slot_tag(slot)}}}"


class ClusterKeyspace:
    sharded = True

    def __init__(self, cluster: RedisCluster, *, database: int | None = None):
        self.client, self._database = cluster, database
        self._nodes: dict[str, redis.Redis] = {}  # address -> a client of that node
        self._learned = 0.0  # when a job's batch last asked for the slots

    # reading keys

    def scanner(
        self, scan_node: NodeScan, cursor: ClusterCursor | int, down: Down | None = None
    ) -> tuple[Callable, ClusterCursor]:
        scan = cluster_scan.scanner(self.client, scan_node, down)
        return scan, cluster_scan.beginning(self.client, cursor)

    def name_of(self, node: redis.Redis) -> str:
        return cluster_scan.node_name(node)

    def describe(
        self, keys: list[bytes], found_on: dict | None = None, down: Down | None = None
    ) -> tuple[list[KeyInfo], int]:
        return describe_on_nodes(self.client, keys, found_on, down)

    def identity(self, down: Down | None = None) -> str:
        return cluster_scan.cluster_identity(self.client, down)

    def same_server(self, since: str, down: Down | None = None) -> str:
        return cluster_scan.refuse_changed(since, self.identity(down))

    def down_primaries(self, down: Down) -> list[dict]:
        return cluster_scan.down_primaries(self.client, down)

    def size(self) -> int:
        return self.client.dbsize(target_nodes=RedisCluster.PRIMARIES)

    def sized_scanners(self) -> list[tuple[Callable, int]]:
        return cluster_scan.sized_scanners(self.client)

    def sample(
        self,
        scan_node: NodeScan,
        *,
        hint: int,
        take: Callable[[list, int], None],
        enough: Callable[[], bool],
        max_seconds: float,
    ) -> Sample:
        """Every primary at once, each in proportion to its keys: rounds of one SCAN per
        primary, its COUNT its share of hint, so that one scale fits every node. (Primary
        after primary, a sample would see the first ones only, and miss a model whose
        hash tag puts it on the last.) A primary that does not answer is left out."""
        cluster, down = self.client, {}
        sizes = self._primary_sizes(down)
        total = sum(sizes.values())
        left = {slot: 0 for slot, keys in sizes.items() if keys}  # first slot -> cursor
        started = time.monotonic()
        while left and not enough() and time.monotonic() - started < max_seconds:
            for slot, at in list(left.items()):
                share = max(10, round(hint * sizes[slot] / total))
                try:
                    at, found = cluster_scan.on_owner(
                        cluster, slot, lambda node, at=at, n=share: scan_node(node, at, n), down
                    )
                except redis.RedisError as exc:
                    if cluster_scan.refuses_keys(exc):
                        down[cluster_scan.owner(cluster, slot).name] = cluster_scan.REFUSES_KEYS
                    elif not isinstance(exc, cluster_scan.PrimaryDown):
                        raise
                    del left[slot]
                    continue
                take(found, share)
                left[slot] = at
                if not at:
                    del left[slot]
        return Sample(total, not left and not down, cluster_scan.down_primaries(cluster, down))

    def _primary_sizes(self, down: Down) -> dict[int, int]:
        """DBSIZE of each primary that answers, by its first slot, all asked at once;
        those that do not answer are recorded in down."""
        answers = cluster_scan.each_primary(self.client, lambda node: node.dbsize())
        sizes = {}
        for slot, node in cluster_scan.primaries(self.client):
            answer = answers.get(node.name)
            if isinstance(answer, cluster_scan.UNREACHED):
                down[node.name] = reason_of(answer)
            elif isinstance(answer, Exception):
                raise answer
            elif answer is not None:
                sizes[slot] = answer
        return sizes

    def each_server(self, call: Callable[[redis.Redis], T]) -> dict[str, object]:
        return cluster_scan.each_primary(self.client, call)

    def key_server(self, key: bytes) -> redis.Redis:
        return self.client.get_redis_connection(cluster_scan.key_owner(self.client, key))

    def holder(self, key: bytes) -> str:
        return cluster_scan.holder(self.client, key)

    def primary_of(self, key: bytes) -> str:
        """The primary of a key's slot, as the client last learned it."""
        return cluster_scan.key_owner(self.client, key).name

    def every_node(self) -> dict[str, redis.Redis]:
        """A client of every node the cluster lists and does not count as failed,
        replicas too (redis-py knows only the primaries)."""
        return {
            address: self.node(address)
            for address, node in sorted(self.client.cluster_nodes().items())
            if "fail" not in node.get("flags", "") and "noaddr" not in node.get("flags", "")
        }

    def primary_names(self) -> set[str]:
        return {node.name for node in self.client.get_primaries()}

    def node(self, address: str) -> redis.Redis:
        """A client of one node (a replica too), with the cluster's credentials and TLS.
        It does not retry (redis-py's default tries a node that refuses connections ten
        times, for 3.5 s): its callers say the node is down."""
        if address not in self._nodes:
            host, _, port = address.rpartition(":")
            kwargs = dict(self.client.nodes_manager.connection_kwargs)
            retry = Retry(NoBackoff(), 0)
            self._nodes[address] = redis.Redis(host=host, port=int(port), retry=retry, **kwargs)
        return self._nodes[address]

    def listen_at(self, *, per_node: bool, channel: bytes | None, turn: int) -> list[str]:
        """The nodes a feed listens on, the slots asked anew: for what every node hears
        (a PUBLISH), one, the turn-th; per node, a sharded channel's primary, or every
        primary (keyspace notifications come from the node holding the key)."""
        self.client.nodes_manager.initialize()
        if not per_node:
            every = self.client.get_nodes()
            return [every[turn % len(every)].name]
        if channel is not None:
            return [cluster_scan.key_owner(self.client, channel).name]
        return [node.name for _, node in cluster_scan.primaries(self.client)]

    # changes

    def write(self, question: Callable[["ClusterKeyspace"], T]) -> Callable[[], T]:
        return partial(question, self)

    def reset_statistics(self) -> None:
        self.client.config_resetstat(target_nodes=RedisCluster.PRIMARIES)

    def counted_scan(self, script: str, counter: str, batch: Batch, args: list) -> Batch:
        """One step on every primary still to scan, all at once (each primary works on
        its own keys while the others do). Each primary is named by its first slot, so a
        failover carries on at the replica that took over: from its own beginning, since
        a SCAN cursor means nothing on another server."""
        cluster = self.client
        self._learn_slots()
        nodes, moved, new = self._nodes_now(batch.nodes)
        pending = {
            slot: 0 if str(slot) in moved else at
            for slot, at in cluster_scan.beginning(cluster, batch.cursor)
        }
        if isinstance(batch.cursor, tuple):  # a primary named anew joins the pass under way
            pending.update((int(slot), 0) for slot in new)
        primaries = {node.name for _, node in cluster_scan.primaries(cluster)}
        failovers = batch.failovers + sum(
            batch.nodes[slot]["node"] not in primaries for slot in moved
        )
        cursor = tuple(sorted(pending.items()))
        owners = {slot: cluster_scan.owner(cluster, slot) for slot, _ in cursor}
        calls = [(owners[slot], counter_on(counter, slot), [at, *args]) for slot, at in cursor]
        try:
            replies = self._run_all(script, calls)
        except redis.RedisError as exc:
            self._after(exc, owners)
            return Batch(cursor, nodes, failovers, _total(nodes))  # counted at the next
        left, returned, failed = [], 0, {}
        for (slot, at), reply in zip(cursor, replies, strict=True):
            if isinstance(reply, Exception):  # this primary's step is taken again
                failed[slot], left = reply, [*left, (slot, at)]
                continue
            at, total, found = reply
            nodes[str(slot)] = {"node": owners[slot].name, "deleted": int(total)}
            returned += int(found)
            left += [(slot, int(at))] if int(at) else []
        if failed:
            self._after(next(iter(failed.values())), {slot: owners[slot] for slot in failed})
        return Batch(tuple(left) or 0, nodes, failovers, _total(nodes), returned)

    def _after(self, problem: Exception, owners: dict[int, ClusterNode]) -> None:
        """A step that failed on these primaries (by first slot): a failover (or a slot
        moved) is learnt and the step carries on; anything else, or primaries that no
        replica replaced yet, is the worker's to try again in a while (what the others
        deleted is in their counters, and a step taken again deletes nothing twice)."""
        if not (isinstance(problem, redis.TimeoutError) or cluster_scan.moved_on(problem)):
            raise problem
        self.client.nodes_manager.initialize()
        if all(
            cluster_scan.owner(self.client, slot).name == node.name for slot, node in owners.items()
        ):
            raise problem

    def count_on_holder(self, counter: str, key: bytes, batch: Batch, run: Callable) -> Batch:
        holder = cluster_scan.key_owner(self.client, key)
        nodes = {slot: dict(seen) for slot, seen in batch.nodes.items()}
        for slot, node in cluster_scan.primaries(self.client):
            if node.name == holder.name and str(slot) in nodes:
                nodes[str(slot)]["deleted"] = run(counter_on(counter, slot))
        return replace(batch, nodes=nodes, deleted=_total(nodes))

    def claim_counters(self, counter: str, deleted: int, nodes: dict) -> None:
        """Each primary's counter from the checkpoint."""
        for slot, seen in nodes.items():
            name = counter_on(counter, int(slot))
            self.client.set(name, seen["deleted"], nx=True, ex=COUNTER_SECONDS)

    def counter_names(self, counter: str, nodes: dict) -> set[str]:
        return {counter, *(counter_on(counter, int(slot)) for slot in nodes)}

    def _nodes_now(self, seen: dict) -> tuple[dict, set[str], set[str]]:
        """Which node serves each primary's slots now; the primaries (by first slot)
        whose node changed since the last batch, to scan again from their beginning: a
        failover (the old node is a primary no more) or a move of that slot
        (resharding); and the primaries named anew mid-job (resharding moved a node's
        first slot away)."""
        nodes = {slot: dict(node) for slot, node in seen.items()}
        new = set()
        for slot, node in cluster_scan.primaries(self.client):
            if str(slot) not in nodes:
                nodes[str(slot)] = {"node": node.name, "deleted": 0}
                new.add(str(slot))
        moved = set()
        for slot, node in nodes.items():
            now = cluster_scan.owner(self.client, int(slot)).name
            if now != node["node"]:
                moved.add(slot)
                node["node"] = now
        return nodes, moved, new

    def _learn_slots(self) -> None:
        """Ask which node serves which slots, at most once a second: a primary that
        died since is noticed even if the job has finished with its keys."""
        if time.monotonic() - self._learned >= LEARN_EVERY:
            self.client.nodes_manager.initialize()
            self._learned = time.monotonic()

    def _run_all(self, script: str, calls: list[tuple[ClusterNode, str, list]]) -> list:
        """The script on each primary with its counter and arguments, all sent before
        any reply is read, after ASKING (at_once): while a slot moves to a primary, the
        keys that have arrived are its to delete too. Loaded first where need be. A
        primary's error comes back as its reply."""
        clients = [self.client.get_redis_connection(node) for node, _, _ in calls]
        sha = clients[0].register_script(script).sha if clients else ""
        commands = [
            (client, ("EVALSHA", sha, 1, counter, *args))
            for client, (_, counter, args) in zip(clients, calls, strict=True)
        ]
        replies = cluster_scan.at_once(commands)
        unloaded = [n for n, reply in enumerate(replies) if isinstance(reply, NoScriptError)]
        for n in unloaded:
            clients[n].script_load(script)
        again = cluster_scan.at_once([commands[n] for n in unloaded]) if unloaded else []
        for n, reply in zip(unloaded, again, strict=True):
            replies[n] = reply
        return replies

    # the cluster itself

    def summary(self, kind: str) -> tuple[str, str, bool]:
        return cluster_scan.cluster_summary(self.client)

    def layout(self, figures: Callable[[dict], dict], hit_rate: Callable) -> dict:
        return cluster_layout.cluster_summary(self, figures, hit_rate)

    def ask_nodes(self, call: Callable[[redis.Redis], T], addresses: list[str]) -> dict:
        """call(client of each node), all at once: by address, its answer or error."""

        def ask(address: str) -> object:
            try:
                return call(self.node(address))
            except redis.RedisError as exc:
                return exc

        return call_in_parallel(**{address: partial(ask, address) for address in addresses})

    def database_refusal(self) -> str | None:
        if self._database:
            return "A Redis Cluster has one database only: database 0."
        return None

    database = None  # the dashboard's own data is told by its prefix here

    @property
    def connection_kwargs(self) -> dict:
        return self.client.nodes_manager.connection_kwargs

    service = ""

    def address(self) -> str:
        nodes = sorted(node.name for node in self.client.nodes_manager.startup_nodes.values())
        return f"the cluster of {', '.join(nodes[:3])}"

    def failed_node(self, exc: Exception) -> str:
        return cluster_scan.failed_node(exc)

    def master_run_id(self) -> str | None:
        return None

    def celery_broker(self) -> None:
        return None

    def refresh(self) -> None:
        self.client.nodes_manager.initialize()

    def close(self) -> None:
        self.client.close()
        for node in self._nodes.values():
            node.close()


def _total(nodes: dict) -> int:
    return sum(seen["deleted"] for seen in nodes.values())
