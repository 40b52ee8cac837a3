"""SCAN over every primary of a Redis Cluster as over one keyspace, and the node that
holds a key.

A cluster's cursor is the SCAN cursor of each primary still to be scanned, each
primary named by the first slot it serves. A SCAN cursor means something only to
the server that gave it (each server seeds its own hash function), so a page of
keys names its servers too (server_identity) and a cursor is refused where they
changed: after a failover, the replica that took over serves the same slots but
cannot go on from the old primary's cursor. Primaries are scanned one
after the other, in the order of their first slot. As text (the API's opaque
cursor) it reads "slot-cursor.slot-cursor"; a scan that has not begun or is over
reads "0".
"""

import contextlib
import hashlib
import itertools
import re
import time
import weakref
from collections.abc import Callable
from functools import cache, partial
from typing import TypeVar

import redis
from redis.cluster import ClusterNode, RedisCluster
from redis.crc import key_slot
from redis.exceptions import (
    AskError,
    ClusterDownError,
    RedisClusterException,
    SlotNotCoveredError,
)

from cacheadmin.gateways.parallel import call_in_parallel
from cacheadmin.gateways.problems import BAD_REQUEST, CHANGED, Problem, Refusal, reason_of

ClusterCursor = tuple[tuple[int, int], ...]  # (first slot, SCAN cursor) per primary left
NodeScan = Callable[[redis.Redis, int, int], tuple[int, list]]  # (client, cursor, hint)

TEXT = r"\A[0-9]{1,5}-[0-9]{1,20}(\.[0-9]{1,5}-[0-9]{1,20}){0,199}\Z"
SLOTS = 16384
T = TypeVar("T")


def parse(text: str) -> ClusterCursor:
    """A cluster cursor from its text (checked against TEXT by the form)."""
    if not re.fullmatch(TEXT, text):
        raise ValueError(f"{text!r} is not a cluster cursor")
    pairs = tuple(tuple(int(part) for part in pair.split("-")) for pair in text.split("."))
    if any(slot >= SLOTS or cursor >= 2**64 for slot, cursor in pairs):
        raise ValueError("a slot is below 16384 and a SCAN cursor below 2**64")
    return pairs


def as_text(cursor: ClusterCursor | int) -> str:
    """A server's cursor as its number, a cluster's as "slot-cursor.slot-cursor"."""
    if isinstance(cursor, int):
        return str(cursor)
    if not cursor:
        return "0"
    return ".".join(f"{slot}-{at}" for slot, at in cursor)


def beginning(cluster: RedisCluster, cursor: ClusterCursor | int) -> ClusterCursor:
    """Where a scan goes on from: a cluster cursor as it is, 0 for every primary from
    its start. Another server's cursor (a number) cannot go on here."""
    if isinstance(cursor, tuple):
        return cursor
    if cursor:
        raise Refusal(
            Problem(
                BAD_REQUEST,
                "This cursor is a single server's: a cluster's cursor is the text "
                "its previous page gave. Start again from cursor 0.",
            )
        )
    return tuple((slot, 0) for slot, _ in primaries(cluster))


def server_cursor(cursor: ClusterCursor | int) -> int:
    """A single server's cursor; a cluster's cannot go on there."""
    if isinstance(cursor, tuple):
        raise Refusal(
            Problem(
                BAD_REQUEST,
                "This cursor is a Redis Cluster's, and this instance is a single server. "
                "Start again from cursor 0.",
            )
        )
    return cursor


# cluster -> (the slot map read, until when, the primaries found); goes with its client
_primaries: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
PRIMARIES_SECONDS = 1.0


def primaries(cluster: RedisCluster) -> list[tuple[int, ClusterNode]]:
    """Each primary serving slots, with its first slot, in slot order. Walking the 16,384
    slots takes milliseconds: the answer is kept for a second, or until the client
    learns a new slot map."""
    slots = cluster.nodes_manager.slots_cache
    kept = _primaries.get(cluster)
    if kept and kept[0] is slots and time.monotonic() < kept[1]:
        return kept[2]
    first: dict[str, tuple[int, ClusterNode]] = {}
    for slot in range(SLOTS):
        nodes = slots.get(slot)
        if nodes and nodes[0].name not in first:
            first[nodes[0].name] = (slot, nodes[0])
    found = sorted(first.values(), key=lambda pair: pair[0])
    _primaries[cluster] = (slots, time.monotonic() + PRIMARIES_SECONDS, found)
    return found


def owner(cluster: RedisCluster, slot: int) -> ClusterNode:
    """The primary serving a slot, as the client last learned it."""
    return cluster.nodes_manager.get_node_from_slot(slot)


def key_owner(cluster: RedisCluster, key: bytes) -> ClusterNode:
    """The primary of a key's slot, as the client last learned it (read straight off its
    slot map: redis-py's lookups cost more than the round trips of a page)."""
    nodes = cluster.nodes_manager.slots_cache.get(key_slot(key))
    return nodes[0] if nodes else owner(cluster, key_slot(key))


def key_server(client: redis.Redis | RedisCluster, key: bytes) -> redis.Redis:
    """The client of the server that holds a key: a cluster's node serving its slot, or
    a single server's own client (for a reply read raw, past redis-py's parsers)."""
    if isinstance(client, RedisCluster):
        return client.get_redis_connection(key_owner(client, key))
    return client


def holder(cluster: RedisCluster, key: bytes) -> str:
    """The primary holding a key: its slot's, or while that slot moves to another node
    and the key has gone already, the node the slot's primary sends readers to (ASK)."""
    owner = key_owner(cluster, key)
    try:
        cluster.get_redis_connection(owner).exists(key)
    except AskError as exc:  # MOVED too (a subclass): the slot map went stale meanwhile
        return f"{exc.host}:{exc.port}"
    except redis.RedisError:  # refused, or busy (TRYAGAIN): the slot's primary it is
        pass
    return owner.name


UNREACHED = (redis.ConnectionError, redis.TimeoutError)  # down, hung, or gone


Down = dict[str, str]  # a page's primaries that did not answer: host:port -> why


class PrimaryDown(redis.ConnectionError):
    """A primary of the cluster did not answer (this page asks it no more)."""

    def __init__(self, node: str, reason: str):
        super().__init__(f"the primary {node} of the cluster did not answer ({reason})")
        self.node, self.reason = node, reason


class OnlyDownLeft(Exception):
    """Every primary a scan has left did not answer: cursor is where the scan stands."""

    def __init__(self, cursor: ClusterCursor):
        super().__init__("every primary left to scan is down")
        self.cursor = cursor


def on_owner(
    cluster: RedisCluster, slot: int, call: Callable[[redis.Redis], T], down: Down | None = None
) -> T:
    """call(client of the slot's primary); when that node cannot be reached or no longer
    serves the slot (a failover), learn the slots again and ask the new owner once.
    With down (a page's record of the primaries that did not answer): one that does not
    answer is recorded there and is not asked again on that page (PrimaryDown), so a
    dead or hung primary costs a page one timeout, not one per question."""
    node = _owner_up(cluster, slot, down)
    try:
        return call(cluster.get_redis_connection(node))
    except (redis.RedisError, RedisClusterException) as exc:
        unreached = isinstance(exc, UNREACHED)
        if not moved_on(exc) and not (unreached and down is not None):
            raise
        if down is not None and refuses_keys(exc):
            raise  # no other node reads it either
        reason = reason_of(exc)
    # Not asked first for the slots: the node that failed, else one the page found down.
    failed = node.name if unreached else min(down or {}, default=None)
    cluster.nodes_manager.initialize(last_failed_node_name=failed)
    if unreached and down is not None and owner(cluster, slot).name == node.name:
        down[node.name] = reason  # no failover: its slots have no one else
        raise PrimaryDown(node.name, reason)
    node = _owner_up(cluster, slot, down)
    try:
        return call(cluster.get_redis_connection(node))
    except UNREACHED as exc:
        if down is None:
            raise
        down[node.name] = reason_of(exc)
        raise PrimaryDown(node.name, down[node.name]) from None


def _owner_up(cluster: RedisCluster, slot: int, down: Down | None) -> ClusterNode:
    """The slot's primary, unless the page found it down already (PrimaryDown)."""
    node = owner(cluster, slot)
    if down and node.name in down:
        raise PrimaryDown(node.name, down[node.name])
    return node


def refuses_keys(reply: object) -> bool:
    """A node's answer that it reads no key while the cluster is down: a slot is
    unserved and the nodes require full coverage (cluster-require-full-coverage, yes
    by default), in a command or inside a script."""
    if isinstance(reply, ClusterDownError):
        return True
    return isinstance(reply, redis.ResponseError) and "cluster is down" in str(reply)


REFUSES_KEYS = "it reads no key while the cluster is down (cluster-require-full-coverage)"


def down_primaries(cluster: RedisCluster, down: Down) -> list[dict]:
    """The primaries that did not answer, each with the slots it serves (unserved now,
    unless a replica takes them over) and why, for a page to say."""
    return [
        {"node": node, "slots": slots_text(cluster, node), "reason": reason}
        for node, reason in sorted(down.items())
    ]


def slots_text(cluster: RedisCluster, node: str) -> str:
    """The slots a node serves, as the client last learned them: "0-5460,5462"."""
    ranges: list[list[int]] = []
    for slot, nodes in sorted(cluster.nodes_manager.slots_cache.items()):
        if nodes and nodes[0].name == node:
            if ranges and ranges[-1][1] == slot - 1:
                ranges[-1][1] = slot
            else:
                ranges.append([slot, slot])
    return ",".join(f"{first}-{last}" if last > first else str(first) for first, last in ranges)


def each_primary(cluster: RedisCluster, call: Callable[[redis.Redis], T]) -> dict[str, object]:
    """call(client of each primary), all at once, by node name in slot order: a primary
    that is down or hung costs one timeout (REDIS_TIMEOUT) beside the others, never
    after them. A primary that fails gives its exception instead; when one cannot be
    reached, the slots are learned again (without asking it first) and the primaries
    that took over its slots (a failover) are asked too, once."""
    answers = _ask_each(cluster, call, [node for _, node in primaries(cluster)])
    lost = [name for name, answer in answers.items() if isinstance(answer, UNREACHED)]
    if lost:
        cluster.nodes_manager.initialize(last_failed_node_name=lost[0])
        new = [node for _, node in primaries(cluster) if node.name not in answers]
        answers |= _ask_each(cluster, call, new)
    now = [node.name for _, node in primaries(cluster)]
    return {name: answers[name] for name in now if name in answers}


def failed_node(exc: Exception) -> str:
    """The cluster node a failure came from, as redis-py records it; "" unknown."""
    failed = getattr(exc, "connection", None)
    if isinstance(failed, ClusterNode):
        return failed.name
    host, port = getattr(failed, "host", None), getattr(failed, "port", None)
    return f"{host}:{port}" if isinstance(host, str) and port else ""


def _ask_each(cluster: RedisCluster, call: Callable, nodes: list[ClusterNode]) -> dict[str, object]:
    def ask(node: ClusterNode) -> object:
        try:
            return call(cluster.get_redis_connection(node))
        except redis.RedisError as exc:
            return exc

    return call_in_parallel(**{node.name: partial(ask, node) for node in nodes})


def moved_on(exc: Exception) -> bool:
    """The node asked does not serve the slot any more, or cannot be reached: a
    failover, or a node down. It redirects (MOVED, ASK), says the cluster is down, or,
    from inside a script, says a key is not local."""
    if isinstance(exc, redis.ConnectionError | SlotNotCoveredError):
        return True
    if isinstance(exc, AskError | ClusterDownError | redis.ReadOnlyError):
        return True  # MovedError is an AskError; its text is only "slot host:port"
    return isinstance(exc, redis.ResponseError) and "non local key" in str(exc)


def scanner(cluster: RedisCluster, scan_node: NodeScan, down: Down | None = None) -> Callable:
    """A scan(cursor, hint) over the whole cluster, one primary's SCAN call at a time:
    it returns the cursor left (0 when every primary is done) and the batch found.
    With down: a primary that does not answer goes to the back of the cursor, to be
    scanned when it answers again, and the others go on; when only such primaries are
    left, OnlyDownLeft."""

    def scan(cursor: ClusterCursor, hint: int) -> tuple[ClusterCursor | int, list]:
        for _ in cursor:
            (slot, at), *rest = cursor
            try:
                at, batch = on_owner(
                    cluster, slot, lambda client, at=at: scan_node(client, at, hint), down
                )
            except PrimaryDown:  # only with down
                cursor = (*rest, (slot, at))
                continue
            left = ((slot, at), *rest) if at else tuple(rest)
            return left or 0, batch
        raise OnlyDownLeft(cursor)

    return scan


def per_primary(cursor: ClusterCursor | int) -> list[ClusterCursor | int]:
    """A cursor as one cursor per primary left, to scan them at once: a cluster's each
    (slot, cursor) alone; a server's as it is."""
    if isinstance(cursor, tuple):
        return [(pair,) for pair in cursor]
    return [cursor]


def joined(parts: list[ClusterCursor | int]) -> ClusterCursor | int:
    """per_primary's parts, as each scan left them, put together again (0: all done)."""
    if all(isinstance(part, int) for part in parts):
        return max(parts, default=0)
    return tuple(pair for part in parts if part for pair in part) or 0


def cursor_from_text(text: str) -> ClusterCursor | int:
    """A cursor as kept in the database or given back by a page: a number or a cluster's."""
    return parse(text) if "-" in text else int(text or 0)


IDENTITY = re.compile(rb"^(?:run_id|master_replid):([0-9a-f]+)\r?$", re.MULTILINE)
SERVER_CHANGED = (
    "The Redis server behind this instance changed since the previous page (a failover "
    "or a restart): a SCAN cursor belongs to the server that gave it, so this list "
    "cannot go on without repeating or missing keys. Start again from the first page."
)


def cluster_identity(cluster: RedisCluster, down: Down | None = None) -> str:
    """Which primaries a cluster's SCAN cursor belongs to: their run ids, new at each
    start, and replication ids, new when a server is promoted or resyncs from a new
    master; hashed into 16 hex digits. "" when INFO is refused. With down (see
    on_owner): a primary that does not answer counts as down, and when one is found so,
    the slots are learned again first (a failover may have happened)."""
    known = set(down or ())
    ids = _primary_ids(cluster, down)
    if down is not None and set(down) - known:
        cluster.nodes_manager.initialize(last_failed_node_name=min(set(down) - known))
        ids = _primary_ids(cluster, down)
    return identity_of(ids)


def identity_of(ids: list[bytes]) -> str:
    if not ids or not all(ids):
        return ""
    return hashlib.sha1(b"/".join(ids)).hexdigest()[:16]  # noqa: S324 (a name, not a secret)


def _primary_ids(cluster: RedisCluster, down: Down | None) -> list[bytes]:
    """Each primary's run and replication ids; b"down:<node>" for one that did not
    answer (its cursor cannot go on on another server either); b"" when INFO is refused,
    which makes the whole identity unknown, not another one."""
    # each primary as the scan will reach it: the owner of its first slot now
    owners = {owner(cluster, slot).name: owner(cluster, slot) for slot, _ in primaries(cluster)}
    nodes = [cluster.get_redis_connection(node) for node in owners.values()]
    replies = at_once([(node, ("INFO", "server", "replication")) for node in nodes], down)
    return [
        f"down:{reply.node}".encode()
        if isinstance(reply, PrimaryDown)
        else b".".join(IDENTITY.findall(reply))
        if isinstance(reply, bytes)
        else b""
        for reply in replies
    ]


def refuse_changed(since: str, now: str) -> str:
    """The server's identity now, refused (CHANGED) if it is not the one a cursor came
    from (since; "" when unknown)."""
    if since and now and since != now:
        raise Refusal(Problem(CHANGED, SERVER_CHANGED))
    return now


NodeScanner = Callable[[int, int], tuple[int, list]]  # (cursor, hint) -> (cursor, keys)


def sized_scanners(cluster: RedisCluster) -> list[tuple[NodeScanner, int]]:
    """An unfiltered SCAN of every primary with its DBSIZE: what a sample in proportion
    to sizes needs."""
    return [
        (partial(_scan_on_owner, cluster, slot), primary_size(cluster, slot))
        for slot, _ in primaries(cluster)
    ]


def _scan_on_owner(cluster: RedisCluster, slot: int, at: int, hint: int) -> tuple[int, list]:
    return on_owner(cluster, slot, lambda node: node.scan(cursor=at, count=hint))


def cluster_summary(cluster: RedisCluster) -> tuple[str, str, bool]:
    """(version, what it is, healthy): its primaries and state, healthy when the state
    is ok (no slot unserved)."""
    state = cluster.cluster_info().get("cluster_state")
    primaries = cluster.get_primaries()
    version = cluster.info("server", target_nodes=primaries[0]).get("redis_version")
    return version, f"cluster of {len(primaries)} primaries, state {state}", state == "ok"


def primary_size(cluster: RedisCluster, slot: int) -> int:
    """DBSIZE of the primary serving slot."""
    return on_owner(cluster, slot, lambda node: node.dbsize())


@cache
def slot_tag(slot: int) -> str:
    """A short text whose hash slot is `slot`: as a hash tag ({text}) it puts a key in
    that slot, so on the primary that serves it."""
    for number in itertools.count():
        if key_slot(str(number).encode()) == slot:
            return str(number)
    raise AssertionError("unreachable")


def at_once(commands: list[tuple[redis.Redis, tuple]], down: Down | None = None) -> list:
    """Send each command on a connection of its node's client, after ASKING (see
    asking), then read every reply: the nodes answer in the time of one round trip,
    without threads. A command's reply that is an error comes back as its exception
    (ASKING's is dropped: a user refused it still reads the node's own slots); a
    failed connection fails the whole call, but with down (a page's record, see
    on_owner): a node that does not answer is recorded there, a node recorded is not
    asked, and the reply of each is a PrimaryDown."""
    sent: list = []  # a connection per command, or the PrimaryDown of its node
    read: set = set()  # the connections whose replies were all read
    try:
        for client, command in commands:
            sent.append(_send(client, command, down))
        replies = []
        for connection in sent:
            replies.append(_replies(connection, down))
            read.add(connection)
        return replies
    finally:
        for (client, _), connection in zip(commands, sent, strict=False):
            if isinstance(connection, PrimaryDown):
                continue
            if connection not in read:  # replies may be left unread on it
                connection.disconnect()
            client.connection_pool.release(connection)


def _send(client: redis.Redis, command: tuple, down: Down | None):
    """A connection with the command sent on it, or (with down) its node's PrimaryDown."""
    name = node_name(client)
    if down and name in down:
        return PrimaryDown(name, down[name])
    connection = None
    try:
        connection = client.connection_pool.get_connection()
        connection.send_packed_command(connection.pack_commands([ASKING, command]))
        return connection
    except UNREACHED as exc:
        if connection is not None:
            connection.disconnect()
            client.connection_pool.release(connection)
        if down is None:
            raise
        down[name] = reason_of(exc)
        return PrimaryDown(name, down[name])


def _replies(connection, down: Down | None) -> object:
    if isinstance(connection, PrimaryDown):
        return connection
    try:
        return _reply(connection)
    except UNREACHED as exc:
        connection.disconnect()  # its reply may come later, to the next command
        if down is None:
            raise
        name = f"{connection.host}:{connection.port}"
        down[name] = reason_of(exc)
        return PrimaryDown(name, down[name])


def _reply(connection) -> object:
    with contextlib.suppress(redis.ResponseError):
        connection.read_response()  # ASKING's
    try:
        return connection.read_response()
    except redis.ResponseError as exc:
        return exc


ASKING = ("ASKING",)


def asking(pipe: redis.client.Pipeline) -> None:
    """Queue ASKING before the next command of a pipeline on a cluster node. While a slot
    moves to this node (resharding), the keys that have arrived are read only by a
    client that says ASKING first, a script's calls included; a key elsewhere is
    still refused, so it changes nothing for the node's own slots. Run the pipeline
    with raise_on_error=False and drop ASKING's reply: a user may be refused it."""
    pipe.execute_command(*ASKING)


def node_name(node: redis.Redis) -> str:
    """host:port of a cluster node's client, as redis-py names the node."""
    options = node.connection_pool.connection_kwargs
    return f"{options['host']}:{options['port']}"
