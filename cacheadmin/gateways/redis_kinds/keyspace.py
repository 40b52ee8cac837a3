"""Keyspace: what the capabilities ask of an instance's Redis, whatever its kind.

Two implementations: ServerKeyspace (single.py) for one server, standalone or the
master a Sentinel service names now, and ClusterKeyspace (cluster.py) for a Redis
Cluster, whose keys are spread over primaries. A Sentinel service is one server to
read: only its writes differ (guarded, see master_writes), so it is a ServerKeyspace
with a guard, not a third kind. `client` is a redis-py client for the commands that
name a key, which both kinds route to the server holding it; everything that reads
or changes more than one key's server goes through the methods.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import redis
from redis.exceptions import RedisClusterException

from cacheadmin.gateways.redis_kinds.brokers import BrokerAddress
from cacheadmin.gateways.redis_kinds.cluster_scan import ClusterCursor, Down, NodeScan
from cacheadmin.gateways.redis_kinds.key_metadata import KeyInfo

T = TypeVar("T")

# What a question may raise: Redis's errors, and a cluster's own (slots that no node
# serves, nodes all down), which redis-py does not derive from RedisError.
LayoutFailure = RedisClusterException
FAILURES = (redis.RedisError, LayoutFailure)


@dataclass(frozen=True)
class Sample:
    """What a sample saw: the keyspace's size (of the servers that answered), whether
    it saw every key, and the primaries that did not answer (see down_primaries)."""

    total: int
    complete: bool
    down: list[dict]


@dataclass(frozen=True)
class Batch:
    """Where a counted scan stands: its cursor (0 once a pass over the keyspace ends),
    each primary's node and count on a cluster (by first slot), the failovers it met,
    the counters' total, and how many keys the last SCAN returned."""

    cursor: int | ClusterCursor
    nodes: dict
    failovers: int
    deleted: int = 0
    returned: int = 0


class Keyspace(Protocol):
    client: Any  # a redis-py client for commands that name one key
    sharded: bool  # keys are spread over several primaries (a page names each key's)
    connection_kwargs: dict  # what its connections are made with (user, timeouts)
    database: int | None  # the database it reads; None on a cluster, which has one
    service: str  # a Sentinel service's name; "" for another kind

    # reading keys
    def scanner(
        self, scan_node: NodeScan, cursor: ClusterCursor | int, down: Down | None = None
    ) -> tuple[Callable, ClusterCursor | int]:
        """A scan(cursor, hint) over every key, one server's SCAN call at a time, and the
        cursor it goes on from; each call returns the cursor left (0 at the end) and
        what scan_node found. down: see cluster_scan.scanner."""

    def name_of(self, node: redis.Redis) -> str:
        """The name of a server scan_node was given: a cluster node's host:port, ""."""

    def describe(
        self, keys: list[bytes], found_on: dict | None = None, down: Down | None = None
    ) -> tuple[list[KeyInfo], int]:
        """Metadata of keys, and the size of the keyspace (found_on: where SCAN found
        each key, by name_of)."""

    def identity(self, down: Down | None = None) -> str:
        """Which server(s) a cursor belongs to; "" when unknown."""

    def same_server(self, since: str, down: Down | None = None) -> str:
        """identity(), refused (Refusal, CHANGED) if it is not since's."""

    def down_primaries(self, down: Down) -> list[dict]:
        """The primaries in down, with their slots and why, for a page to say."""

    def size(self) -> int:
        """How many keys (summed over a cluster's primaries)."""

    def sized_scanners(self) -> list[tuple[Callable, int]]:
        """An unfiltered scan(cursor, hint) of each server holding keys, with its size."""

    def sample(
        self,
        scan_node: NodeScan,
        *,
        hint: int,
        take: Callable[[list, int], None],
        enough: Callable[[], bool],
        max_seconds: float,
    ) -> Sample:
        """Scan until enough() or max_seconds, handing each batch to take(found, hint);
        a cluster's primaries all at once, each in proportion to its size."""

    def each_server(self, call: Callable[[redis.Redis], T]) -> dict[str, object]:
        """call on every server holding keys, by name; a cluster's failures as answers."""

    def key_server(self, key: bytes) -> redis.Redis:
        """The client of the server holding a key."""

    def holder(self, key: bytes) -> str:
        """The node holding a key on a cluster (asked, while its slot moves); "" on a
        single server."""

    def primary_of(self, key: bytes) -> str:
        """The primary of a key's slot on a cluster, as last learned (no round trip)."""

    def every_node(self) -> dict[str, redis.Redis]:
        """Every server to run a diagnostic or a setting on, by name ("" for a single
        server), a cluster's replicas too."""

    def primary_names(self) -> set[str]:
        """The names among every_node's of the servers that hold keys."""

    def listen_at(self, *, per_node: bool, channel: bytes | None, turn: int) -> list[str] | None:
        """The nodes a live feed subscribes at (see ClusterKeyspace); None: a single
        server, heard through the instance's own live connection."""

    # changes
    def write(self, question: Callable[["Keyspace"], T]) -> Callable[[], T]:
        """The question as a write: on a Sentinel service, run on the master named now
        and confirmed, or refused (master_writes)."""

    def reset_statistics(self) -> None: ...

    def counted_scan(self, script: str, counter: str, batch: Batch, args: list) -> Batch:
        """One SCAN step of a counting script (KEYS[1] the counter, ARGV[1] the cursor,
        then args; it returns cursor, counter total, keys returned) on the server where
        the scan stands, its counter beside it."""

    def count_on_holder(self, counter: str, key: bytes, batch: Batch, run: Callable) -> Batch:
        """run(counter name) on the key's server, its total that server's count."""

    def claim_counters(self, counter: str, deleted: int, nodes: dict) -> None:
        """A job's counter(s) from its checkpoint, unless they are there."""

    def counter_names(self, counter: str, nodes: dict) -> set[str]:
        """Every name a job's counter has here."""

    # the server itself
    def summary(self, kind: str) -> tuple[str, str, bool]:
        """(version, what it is, healthy)."""

    def layout(self, figures: Callable[[dict], dict], hit_rate: Callable) -> dict | None:
        """A cluster's state, slots and nodes, each node's figures(INFO), totals;
        None for a single server."""

    def database_refusal(self) -> str | None: ...

    def address(self) -> str:
        """Where it is, for messages, never with a password."""

    def failed_node(self, exc: Exception) -> str: ...

    def master_run_id(self) -> str | None:
        """The run_id of a Sentinel service's master now; None without sentinels."""

    def celery_broker(self) -> BrokerAddress | None:
        """The server as a Celery app's broker (a Sentinel service's master now); None
        where Celery cannot run (a cluster: kombu's keys span slots)."""

    def refresh(self) -> None: ...

    def close(self) -> None: ...
