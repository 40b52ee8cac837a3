"""Invalidation benchmark: delete 1M of 2M keys by pattern.

    make bench                      # or: .venv/bin/python tests/bench/bench_invalidation.py

In the same run, on fresh private redis-servers filled alike:
- the recipe admins use: redis-cli --scan --pattern P | xargs redis-cli unlink;
- our worker's batches (one script per batch: SCAN COUNT 1000, UNLINK, count), with a
  GET loop in another process measuring the latency others see meanwhile.
The worker's checkpoint (a database UPDATE per batch) is not included here.
"""

import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from cacheadmin.invalidation import engine  # noqa: E402
from cacheadmin.invalidation.engine import Progress, Target  # noqa: E402
from tests.servers import RedisServer, keyspace_of  # noqa: E402

TOTAL = int(os.environ.get("BENCH_TOTAL", "2000000"))
FILL = """
for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do
  local prefix = (i % 2 == 0) and 'del:' or 'keep:'
  redis.call('SET', prefix .. i, 'x')
end
"""


def fill(client: redis.Redis) -> None:
    for start in range(0, TOTAL, 50_000):
        client.eval(FILL, 0, start, min(start + 50_000, TOTAL) - 1)


def redis_cli_recipe(port: int) -> float:
    cli = shutil.which("redis-cli") or "/usr/bin/redis-cli"
    started = time.perf_counter()
    scan = subprocess.Popen(
        [cli, "-p", str(port), "--scan", "--pattern", "del:*"], stdout=subprocess.PIPE
    )
    subprocess.run(
        ["xargs", cli, "-p", str(port), "unlink"],
        stdin=scan.stdout,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    scan.wait()
    return time.perf_counter() - started


def ours(client: redis.Redis) -> tuple[float, int]:
    target, progress, space = Target("pattern", b"del:*"), Progress(), keyspace_of(client)
    started = time.perf_counter()
    while not progress.done:
        progress = engine.run_batch(space, target, progress, counter="bench:deleted")
    return time.perf_counter() - started, progress.deleted


def get_loop(port: int, stop, results) -> None:
    """In its own process: GET a key as fast as it can, timing each call."""
    client = redis.Redis(port=port)
    client.set("hot", "1")
    latencies = []
    while not stop.is_set():
        started = time.perf_counter()
        client.get("hot")
        latencies.append(time.perf_counter() - started)
    results.put(latencies)


def measure(run) -> tuple:
    with tempfile.TemporaryDirectory() as workdir:
        server = RedisServer(Path(workdir)).start()
        try:
            client = server.client()
            fill(client)
            assert client.dbsize() == TOTAL
            return run(server, client)
        finally:
            server.stop()


def with_get_loop(server, client) -> tuple[float, int, list[float], list[float]]:
    baseline = _latencies(server.port, 2.0)
    stop, results = multiprocessing.Event(), multiprocessing.Queue()
    loop = multiprocessing.Process(target=get_loop, args=(server.port, stop, results))
    loop.start()
    time.sleep(0.5)
    seconds, deleted = ours(client)
    stop.set()
    during = results.get(timeout=30)
    loop.join(timeout=10)
    assert client.dbsize() == TOTAL // 2 + 2  # the kept keys, the counter, the hot key
    return seconds, deleted, baseline, during


def _latencies(port: int, seconds: float) -> list[float]:
    stop, results = multiprocessing.Event(), multiprocessing.Queue()
    loop = multiprocessing.Process(target=get_loop, args=(port, stop, results))
    loop.start()
    time.sleep(seconds)
    stop.set()
    latencies = results.get(timeout=30)
    loop.join(timeout=10)
    return latencies


def p99_ms(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100)[98] * 1000


def main() -> None:
    half = TOTAL // 2
    recipe_seconds = measure(lambda server, client: redis_cli_recipe(server.port))
    seconds, deleted, baseline, during = measure(with_get_loop)
    assert deleted == half, deleted
    print(f"\ninvalidation: delete {half:,} of {TOTAL:,} keys by pattern (del:*)")
    print(
        f"  redis-cli --scan | xargs redis-cli unlink: {recipe_seconds:6.2f} s, "
        f"{half / recipe_seconds:10,.0f} keys/s"
    )
    print(
        f"  our batches (one SCAN+UNLINK script each): {seconds:6.2f} s, "
        f"{half / seconds:10,.0f} keys/s"
    )
    print(f"  ratio ours / redis-cli:                    {recipe_seconds / seconds:6.2f} x")
    print(
        f"  concurrent GET p99: {p99_ms(during):.2f} ms during the job "
        f"({len(during):,} GETs), {p99_ms(baseline):.2f} ms before"
    )


if __name__ == "__main__":
    main()
