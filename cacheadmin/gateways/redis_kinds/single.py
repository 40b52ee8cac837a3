"""The keyspace of a single server: a standalone one, or the master a Sentinel service
names now (its writes then guarded by a MasterGuard)."""

import hashlib
import time
from collections.abc import Callable
from functools import partial
from typing import TypeVar

import redis

from cacheadmin.gateways.redis_kinds import cluster_scan
from cacheadmin.gateways.redis_kinds.brokers import BrokerAddress, broker_of
from cacheadmin.gateways.redis_kinds.cluster_scan import ClusterCursor, Down, NodeScan
from cacheadmin.gateways.redis_kinds.key_metadata import KeyInfo, describe_keys
from cacheadmin.gateways.redis_kinds.keyspace import Batch, Sample
from cacheadmin.gateways.redis_kinds.master_writes import MasterGuard

T = TypeVar("T")
COUNTER_SECONDS = 86400


class ServerKeyspace:
    sharded = False

    def __init__(self, client: redis.Redis, *, guard: MasterGuard | None = None):
        self.client, self.guard = client, guard

    # reading keys

    def scanner(
        self, scan_node: NodeScan, cursor: ClusterCursor | int, down: Down | None = None
    ) -> tuple[Callable, int]:
        return partial(scan_node, self.client), cluster_scan.server_cursor(cursor)

    def name_of(self, node: redis.Redis) -> str:
        return ""

    def describe(
        self, keys: list[bytes], found_on: dict | None = None, down: Down | None = None
    ) -> tuple[list[KeyInfo], int]:
        return describe_keys(self.client, keys)

    def identity(self, down: Down | None = None) -> str:
        try:
            info = self.client.info("server", "replication")
        except redis.exceptions.NoPermissionError:
            return ""
        ids = f"{info.get('run_id', '')}.{info.get('master_replid', '')}".encode()
        return hashlib.sha1(ids).hexdigest()[:16]  # noqa: S324 (a name, not a secret)

    def same_server(self, since: str, down: Down | None = None) -> str:
        return cluster_scan.refuse_changed(since, self.identity(down))

    def down_primaries(self, down: Down) -> list[dict]:
        return []

    def size(self) -> int:
        return self.client.dbsize()

    def sized_scanners(self) -> list[tuple[Callable, int]]:
        client = self.client
        return [(lambda at, hint: client.scan(cursor=at, count=hint), client.dbsize())]

    def sample(
        self,
        scan_node: NodeScan,
        *,
        hint: int,
        take: Callable[[list, int], None],
        enough: Callable[[], bool],
        max_seconds: float,
    ) -> Sample:
        at, started = 0, time.monotonic()
        while not enough() and time.monotonic() - started < max_seconds:
            at, found = scan_node(self.client, at, hint)
            take(found, hint)
            if not at:
                return Sample(self.client.dbsize(), True, [])
        return Sample(self.client.dbsize(), False, [])

    def each_server(self, call: Callable[[redis.Redis], T]) -> dict[str, object]:
        return {"": call(self.client)}

    def key_server(self, key: bytes) -> redis.Redis:
        return self.client

    def holder(self, key: bytes) -> str:
        return ""

    def primary_of(self, key: bytes) -> str:
        return ""

    def every_node(self) -> dict[str, redis.Redis]:
        return {"": self.client}

    def primary_names(self) -> set[str]:
        return {""}

    def listen_at(self, *, per_node: bool, channel: bytes | None, turn: int) -> None:
        return None  # the instance's own connection hears it all

    # changes

    def write(self, question: Callable[["ServerKeyspace"], T]) -> Callable[[], T]:
        if self.guard is None:
            return partial(question, self)
        return partial(self.guard.run, lambda master: question(ServerKeyspace(master)))

    def reset_statistics(self) -> None:
        self.client.config_resetstat()

    def counted_scan(self, script: str, counter: str, batch: Batch, args: list) -> Batch:
        cursor, total, returned = self.client.register_script(script)(
            keys=[counter], args=[batch.cursor, *args]
        )
        return Batch(int(cursor), batch.nodes, batch.failovers, int(total), int(returned))

    def count_on_holder(self, counter: str, key: bytes, batch: Batch, run: Callable) -> Batch:
        return Batch(batch.cursor, batch.nodes, batch.failovers, run(counter), batch.returned)

    def claim_counters(self, counter: str, deleted: int, nodes: dict) -> None:
        self.client.set(counter, deleted, nx=True, ex=COUNTER_SECONDS)

    def counter_names(self, counter: str, nodes: dict) -> set[str]:
        return {counter}

    # the server itself

    def summary(self, kind: str) -> tuple[str, str, bool]:
        role = self.client.info("replication").get("role", "role unknown")
        return self.client.info("server").get("redis_version"), f"{kind}, {role}", True

    def layout(self, figures: Callable, hit_rate: Callable) -> dict | None:
        return None

    def database_refusal(self) -> str | None:
        return None

    @property
    def database(self) -> int | None:
        return self.client.connection_pool.connection_kwargs.get("db", 0)

    @property
    def connection_kwargs(self) -> dict:
        return self.client.connection_pool.connection_kwargs

    @property
    def service(self) -> str:
        return self.guard.service if self.guard else ""

    def address(self) -> str:
        kwargs = self.connection_kwargs
        db = kwargs.get("db", 0)
        if self.guard:
            return f"{self.guard.service} (Sentinel)/{db}"
        if "path" in kwargs:
            return f"{kwargs['path']} (db {db})"
        return f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}/{db}"

    def failed_node(self, exc: Exception) -> str:
        return ""

    def master_run_id(self) -> str | None:
        """The run_id of the master the sentinels name now (None: no sentinels, so no
        failover to follow). Asking drops idle links to a master that was demoted."""
        if self.guard is None:
            return None
        self.client.connection_pool.get_master_address()
        return self.client.info("server")["run_id"]

    def celery_broker(self) -> BrokerAddress:
        if self.guard is None:
            return broker_of(self.client)
        return broker_of(self.guard.current_master())

    def refresh(self) -> None:
        """Learn the layout again (a cluster's slots); nothing to learn here."""

    def close(self) -> None:
        self.client.close()
        if self.guard:
            self.guard.close()
