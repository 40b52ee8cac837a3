"""Keyspace analysis benchmark: 1,000,000 keys beside redis-cli's own analyses.

    make bench                      # or: .venv/bin/python tests/bench/bench_analysis.py

In the same run, on a private redis-server: 1,000,000 keys of six namespaces (strings,
hashes and lists in thirds, two thirds of them with a TTL spread over the next day);
`redis-cli --memkeys` and `redis-cli --bigkeys` over them; then our whole analysis,
stepped as the worker steps it (0.5 s steps, the report written out as JSON after each,
as the worker's checkpoint), with a GET loop in another process timing each call
meanwhile and before. Then the same keys on the private test cluster (three primaries
and their replicas), analysed the same way. BENCH_KEYS sets the number of keys.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from tests.bench.bench_cluster import timed_gets, write  # noqa: E402
from tests.bench.bench_invalidation import p99_ms  # noqa: E402
from tests.servers import ClusterSet, RedisServer, keyspace_of  # noqa: E402

KEYS = int(os.environ.get("BENCH_KEYS", "1000000"))
NAMESPACES = ("user", "session", "cart", "page", "feed", "rate")
CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"


def six_namespaces(pipe, number: int) -> None:
    """A string, a hash or a list in one of six namespaces; two in three with a TTL."""
    name = f"{NAMESPACES[number % 6]}:{number}"
    ttl = 60 + number % 86_000 if number % 3 else None
    kind = number // 6 % 3
    if kind == 0:
        pipe.set(name, "v" * 40, ex=ttl)
        return
    if kind == 1:
        pipe.hset(name, mapping={"id": number, "plan": "pro", "country": "FR"})
    else:
        pipe.rpush(name, "a", "b", "c", number)
    if ttl:
        pipe.expire(name, ttl)


def redis_cli(port: int, option: str) -> float:
    started = time.perf_counter()
    subprocess.run([CLI, "-p", str(port), option], check=True, capture_output=True)
    return time.perf_counter() - started


def our_analysis(client, port: int) -> tuple[float, dict, list, list]:
    """Our analysis to its end, step by step as the worker runs it, with a GET loop
    on port timed before and during."""
    from cacheadmin.analysis.analysis_jobs import STEP_SECONDS
    from cacheadmin.analysis.keyspace_report import new_report, summary
    from cacheadmin.analysis.keyspace_scan import AnalysisState, analysis_step

    stop = timed_gets(port)
    time.sleep(2.0)
    before = stop()
    stop = timed_gets(port)
    space = keyspace_of(client)
    started_ms = int(time.time() * 1000)
    state = AnalysisState("0", 0, new_report(delimiter=b":", depth=1, started_ms=started_ms))
    started = time.perf_counter()
    while not state.done:
        state = analysis_step(space, state, prefix=b"", max_seconds=STEP_SECONDS)
        json.dumps(state.report)  # the worker's checkpoint writes it to its row
    seconds = time.perf_counter() - started
    return seconds, summary(state.report), before, stop()


def main() -> None:
    django.setup()
    with tempfile.TemporaryDirectory() as workdir:
        server = RedisServer(Path(workdir)).start()
        try:
            client = server.client()
            write(client, range(KEYS), six_namespaces)
            memkeys = redis_cli(server.port, "--memkeys")
            bigkeys = redis_cli(server.port, "--bigkeys")
            seconds, told, before, during = our_analysis(client, server.port)
        finally:
            server.stop()
        (Path(workdir) / "cluster").mkdir()
        cluster = ClusterSet(Path(workdir) / "cluster").start()
        try:
            cluster_client = cluster.client()
            write(cluster_client, range(KEYS), six_namespaces)
            hot = cluster_client.get_node_from_key("hot").name.rpartition(":")[2]
            on_cluster, cluster_told, _, cluster_during = our_analysis(cluster_client, int(hot))
        finally:
            cluster.stop()

    print(f"\nkeyspace analysis of {KEYS:,} keys (six namespaces, strings, hashes, lists)")
    print(f"  redis-cli --memkeys: {memkeys:6.2f} s")
    print(f"  redis-cli --bigkeys: {bigkeys:6.2f} s")
    print(
        f"  our analysis, one server: {seconds:6.2f} s, {told['scanned']:,} keys, "
        f"{len(told['namespaces'])} namespaces, {len(told['expiry_forecast'])} forecast minutes"
    )
    print(f"  ratio ours / --memkeys (target: at most 0.5): {seconds / memkeys:.2f}")
    print(f"  ratio ours / --bigkeys: {seconds / bigkeys:.2f}")
    print(
        f"  concurrent GET p99: {p99_ms(during):.2f} ms during ({len(during):,} GETs), "
        f"{p99_ms(before):.2f} ms before (target: under 5 ms)"
    )
    print(
        f"  our analysis, 3-primary cluster: {on_cluster:6.2f} s, "
        f"{cluster_told['scanned']:,} keys; GET p99 during {p99_ms(cluster_during):.2f} ms"
    )
    print(f"  ratio cluster / one server (target: at most 1): {on_cluster / seconds:.2f}")


if __name__ == "__main__":
    main()
