"""Redis Cluster benchmark: three primaries (and their replicas) beside one server.

    make bench                      # or: .venv/bin/python tests/bench/bench_cluster.py

In the same run, on private servers filled alike:
- the first key page (100 keys of 1M): server time and round trips, cluster and server;
- the full namespace scan of the 1M keys, cluster and server;
- a pattern invalidation of 1M of 2M keys on the cluster (our batches, every primary's
  at once), with a GET loop on another process timing each call, beside the admins'
  strongest recipe run on each primary: `redis-cli --scan --pattern 'del:*' | awk
  '{printf "UNLINK %s\r\n", $1}' | redis-cli --pipe`, over the same keys (then
  written again). As footnotes: `redis-cli --scan | xargs redis-cli -c unlink` fails on
  a cluster (CROSSSLOT: xargs passes many keys to one UNLINK); the one that works
  passes one key per call (`xargs -n 1`), timed on a sample of each primary's keys.
Times are medians; ratios are what to compare between runs (the machine is noisy).
"""

import contextlib
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import django
import redis

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from tests.bench.bench_invalidation import get_loop, p99_ms  # noqa: E402
from tests.bench.measure import median_ms  # noqa: E402
from tests.servers import ClusterSet, RedisServer, keyspace_of  # noqa: E402

KEYS = int(os.environ.get("BENCH_KEYS", "1000000"))
RUNS = 25
RECIPE_SAMPLE = 2000  # keys per primary deleted by the one-key-per-call recipe
CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"


def write(client, names: range, kind_of) -> None:
    """The same keys on a server or a cluster, in pipelines of 10,000."""
    for start in range(names.start, names.stop, 10_000):
        with client.pipeline(transaction=False) as pipe:
            for number in range(start, min(start + 10_000, names.stop)):
                kind_of(pipe, number)
            pipe.execute()


def mixed(pipe, number: int) -> None:
    """Strings, hashes, sets, lists and sorted sets in the shares of bench_keys."""
    kind = number % 20
    if kind < 14:
        pipe.set(f"obj:{number}", f"value-{number}", ex=3600 if number % 7 == 0 else None)
    elif kind < 16:
        pipe.hset(f"hash:{number}", mapping={"a": number, "b": "x", "c": "y"})
    elif kind < 18:
        pipe.sadd(f"set:{number}", "a", "b", number)
    elif kind < 19:
        pipe.rpush(f"list:{number}", "a", "b", number)
    else:
        pipe.zadd(f"zset:{number}", {"a": 1, str(number): 2})


def halves(pipe, number: int) -> None:
    pipe.set(f"{'del' if number % 2 == 0 else 'keep'}:{number}", "x")


class Sends:
    """Round trips from every thread: each send of a command is one."""

    def __init__(self):
        self.count = 0
        self.real = redis.Connection.send_packed_command

    def __enter__(self):
        real = self.real

        def counted(connection, *args, **kwargs):
            self.count += 1
            return real(connection, *args, **kwargs)

        redis.Connection.send_packed_command = counted
        return self

    def __exit__(self, *exc):
        redis.Connection.send_packed_command = self.real


def pages_and_namespaces(single, cluster) -> dict:
    from cacheadmin.keys.keyspace import browse
    from cacheadmin.keys.namespaces import Tally, scan_step

    figures = {}
    for name, client in (("server", keyspace_of(single)), ("cluster", keyspace_of(cluster))):
        browse(client, match=b"*", type_=None, cursor=0, count=100)  # load the script
        with Sends() as sends:
            page = browse(client, match=b"*", type_=None, cursor=0, count=100)
        page_ms, _ = median_ms(
            lambda client=client: browse(client, match=b"*", type_=None, cursor=0, count=100),
            runs=RUNS,
        )
        started = time.perf_counter()
        tally = Tally(prefix=b"", delimiter=b":")
        while not tally.done:
            scan_step(client, tally, max_seconds=0.3)
        scan_s = time.perf_counter() - started
        figures[name] = {
            "page_ms": page_ms,
            "trips": sends.count,
            "scans": page.calls,
            "rows": len(page.rows),
            "scan_s": scan_s,
            "counted": tally.keys,
        }
    return figures


def recipe_on_primaries(client) -> dict:
    """The literal recipe on a sample (it fails), then one key per UNLINK on a sample
    of each primary's keys: keys per second."""
    ports = [int(node.name.rpartition(":")[2]) for node in client.get_primaries()]
    literal = recipe(ports[0], 100, [])
    started = time.perf_counter()
    for port in ports:
        recipe(port, RECIPE_SAMPLE, ["-n", "1"])
    seconds = time.perf_counter() - started
    return {"literal": literal[:120], "rate": RECIPE_SAMPLE * len(ports) / seconds}


def pipe_recipe(client) -> float:
    """The strongest recipe: on each primary, redis-cli --scan --pattern 'del:*' piped
    through awk into UNLINK commands and redis-cli --pipe; the seconds for all."""
    ports = [int(node.name.rpartition(":")[2]) for node in client.get_primaries()]
    started = time.perf_counter()
    for port in ports:
        script = (
            f"{CLI} -p {port} --scan --pattern 'del:*' "
            "| awk '{printf \"UNLINK %s\\r\\n\", $1}' "
            f"| {CLI} -p {port} --pipe"
        )
        subprocess.run(["bash", "-c", script], check=True, capture_output=True)
    return time.perf_counter() - started


def recipe(port: int, keys: int, xargs_options: list[str]) -> str:
    """redis-cli --scan --pattern 'del:*' | head -KEYS | xargs OPTIONS redis-cli -c unlink;
    what it said."""
    scan = subprocess.Popen(
        [CLI, "-p", str(port), "--scan", "--pattern", "del:*"], stdout=subprocess.PIPE
    )
    head = subprocess.Popen(["head", f"-{keys}"], stdin=scan.stdout, stdout=subprocess.PIPE)
    scan.stdout.close()  # head's end closes the scan
    said = subprocess.run(
        ["xargs", *xargs_options, CLI, "-c", "-p", str(port), "unlink"],
        stdin=head.stdout,
        capture_output=True,
        text=True,
    )
    head.wait()
    scan.wait()
    return (said.stdout + said.stderr).strip()


def timed_gets(port: int):
    """Start a GET loop in another process; the returned call stops it and gives the
    latencies it measured."""
    stop, results = multiprocessing.Event(), multiprocessing.Queue()
    process = multiprocessing.Process(target=get_loop, args=(port, stop, results))
    process.start()
    time.sleep(0.5)

    def latencies() -> list[float]:
        stop.set()
        found = results.get(timeout=30)
        process.join(timeout=10)
        return found

    return latencies


def our_invalidation(client, port: int) -> tuple[float, int, list, list]:
    """Our batches to the end, as the worker runs them (without its checkpoints)."""
    from cacheadmin.invalidation.engine import Progress, Target, scan_batch

    stop = timed_gets(port)
    time.sleep(2.0)
    before = stop()
    stop = timed_gets(port)
    target, progress, space = Target("pattern", b"del:*"), Progress(), keyspace_of(client)
    started = time.perf_counter()
    while not progress.done:
        progress = scan_batch(space, target, progress, count=1000, counter="bench:deleted")
    seconds = time.perf_counter() - started
    return seconds, progress.deleted, before, stop()


@contextlib.contextmanager
def server_and_cluster() -> Iterator[tuple[redis.Redis, redis.RedisCluster]]:
    """A private redis-server and a private cluster (three primaries, three replicas),
    side by side: a client of each, both stopped afterwards."""
    with tempfile.TemporaryDirectory() as workdir:
        (Path(workdir) / "single").mkdir()
        single = RedisServer(Path(workdir) / "single").start()
        try:
            cluster = ClusterSet(Path(workdir) / "cluster").start()
            try:
                yield single.client(), cluster.client()
            finally:
                cluster.stop()
        finally:
            single.stop()


def main() -> None:
    django.setup()
    with server_and_cluster() as (server_client, cluster_client):
        started = time.monotonic()
        write(server_client, range(KEYS), mixed)
        write(cluster_client, range(KEYS), mixed)
        print(f"filled {KEYS:,} keys twice in {time.monotonic() - started:.0f} s")
        figures = pages_and_namespaces(server_client, cluster_client)
        cluster_client.flushall(target_nodes=cluster_client.PRIMARIES)
        write(cluster_client, range(2 * KEYS), halves)
        piped = pipe_recipe(cluster_client)
        piped_left = keyspace_of(cluster_client).size()
        write(cluster_client, range(2 * KEYS), halves)  # the deleted half again
        recipes = recipe_on_primaries(cluster_client)
        sampled = RECIPE_SAMPLE * 3
        hot = cluster_client.get_node_from_key("hot").name.rpartition(":")[2]
        seconds, deleted, before, during = our_invalidation(cluster_client, int(hot))
        left = keyspace_of(cluster_client).size()

    server, ours = figures["server"], figures["cluster"]
    print(f"\nRedis Cluster (3 primaries) beside one server, {KEYS:,} keys (median of {RUNS})")
    for name, row in figures.items():
        print(
            f"  first page, {name:7}: {row['page_ms']:6.2f} ms, {row['rows']} keys, "
            f"{row['trips']} round trips ({row['scans']} SCAN + metadata)"
        )
    ratio = ours["page_ms"] / server["page_ms"]
    print(f"  ratio cluster / server (target: at most 2x): {ratio:.2f} x")
    for name, row in figures.items():
        print(f"  full namespace scan, {name:7}: {row['scan_s']:6.2f} s, {row['counted']:,} keys")
    print(f"  ratio cluster / server: {ours['scan_s'] / server['scan_s']:.2f} x")
    recipe_seconds = KEYS / recipes["rate"]
    rate = deleted / seconds
    piped_rate = (2 * KEYS - piped_left) / piped
    print(f"\ninvalidation on the cluster: {KEYS:,} of {2 * KEYS:,} keys (del:*)")
    print(
        f"  redis-cli --scan | awk | redis-cli --pipe on each primary: {piped:6.2f} s, "
        f"{piped_rate:8,.0f} keys/s ({2 * KEYS - piped_left:,} deleted)"
    )
    print(f"  redis-cli recipe as written (many keys per UNLINK): {recipes['literal']!r}")
    print(
        f"  redis-cli, one key per UNLINK on each primary ({sampled:,} keys timed): "
        f"{recipes['rate']:8,.0f} keys/s, so about {recipe_seconds:,.0f} s for all"
    )
    print(
        f"  our batches, every primary at once: {seconds:6.2f} s for the {deleted:,} left, "
        f"{rate:8,.0f} keys/s"
    )
    print(
        f"  ratio ours / the --pipe recipe, keys per second (target: at least 3x): "
        f"{rate / piped_rate:.2f} x"
    )
    print(f"  (ours / one key per redis-cli call: {rate / recipes['rate']:.0f} x)")
    print(
        f"  concurrent GET p99: {p99_ms(during):.2f} ms during ({len(during):,} GETs), "
        f"{p99_ms(before):.2f} ms before; keys left: {left:,}"
    )


if __name__ == "__main__":
    main()
