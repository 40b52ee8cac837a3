"""Sampler benchmark: one round over 10 Redis instances, each with 1,000 queues and 20
object-cache models, and a scrape of /metrics while one instance hangs.

    make bench                      # or: .venv/bin/python tests/bench/bench_sampler.py

Starts ten private redis-servers (`default` is the first, with the machine's RabbitMQ
beside it), each holding 1,000 Redis lists named queue:N and 20 models of 1,000 objects
(ten buckets each) that were looked up. In the same run:
- a round over `default` alone (the baseline), then over the ten: the round's time
  (median of BENCH_RUNS steady rounds, after a first round that makes the series), the
  rows it writes, and per instance the commands and the round trips it cost (the
  server's own counts, total_commands_processed and total_reads_processed: a pipeline
  is one read however many commands it carries);
- with an eleventh instance, a port that accepts and never answers: a round (bounded by
  REDIS_TIMEOUT, the others written on time), then /metrics scraped (time, bytes) beside
  the same scrape without it.
"""

import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from tests.bench.measure import median_ms  # noqa: E402
from tests.servers import RedisServer  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
INSTANCES, QUEUES, MODELS, OBJECTS = 10, 1000, 20, 1000


def fill(server: RedisServer) -> None:
    """1,000 queues and 20 models, each model looked up (its totals exist)."""
    import redis

    from cacheadmin.objectcache import ObjectCache
    from cacheadmin.objectcache.layout import Div

    client = redis.Redis.from_url(server.url)
    with client.pipeline(transaction=False) as pipe:
        for n in range(QUEUES):
            pipe.rpush(f"queue:{n}", *range(n % 7 + 1))
        pipe.execute()
    cache = ObjectCache(client)
    for m in range(MODELS):
        model = cache.model(f"model{m}", bucket=Div(OBJECTS // 10))
        model.set_many({n: {"n": n} for n in range(OBJECTS)})
        for n in range(0, 2 * OBJECTS, 50):
            model.get(n)
    cache.flush()
    client.close()


def server_counts(servers: list[RedisServer]) -> list[tuple[int, int]]:
    import redis

    counts = []
    for server in servers:
        with redis.Redis.from_url(server.url) as client:
            stats = client.info("stats")
        counts.append((stats["total_commands_processed"], stats["total_reads_processed"]))
    return counts


def instances_file(folder: Path, servers: list[RedisServer], hung: int | None) -> Path:
    tables = [f'[redis.cache-{n}]\nurl = "{server.url}"\n' for n, server in enumerate(servers)]
    if hung:
        tables.append(f'[redis.hung]\nurl = "redis://127.0.0.1:{hung}/0"\n')
    path = folder / f"instances-{len(tables)}.toml"
    path.write_text("\n".join(tables))
    return path


def rounds(make_sampler, runs: int) -> tuple[float, object]:
    """A first round (the series made), then the median of steady ones, in seconds."""
    keeper = make_sampler()
    at = int(time.time()) - 10 * runs  # rounds ten seconds apart, the last one now
    first = keeper.sample(at)
    times = []
    for n in range(1, runs + 1):
        done = keeper.sample(at + 10 * n)
        times.append(done.seconds)
    return statistics.median(times), first


def main() -> None:
    workdir = tempfile.TemporaryDirectory()
    folder = Path(workdir.name)
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    for n in range(INSTANCES):
        (folder / f"r{n}").mkdir()
    servers = [RedisServer(folder / f"r{n}").start() for n in range(INSTANCES)]
    os.environ["REDIS_URL"] = servers[0].url
    django.setup()
    from django.core.management import call_command
    from django.test import RequestFactory, override_settings

    from cacheadmin.gateways import connections
    from cacheadmin.management.commands.sampler import SOURCES
    from cacheadmin.models import Sample
    from cacheadmin.monitoring.sampler import Sampler
    from cacheadmin.monitoring.views import metrics

    call_command("migrate", verbosity=0)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)  # accepts (the kernel's backlog), never answers
    try:
        for server in servers:
            fill(server)

        def make_sampler() -> Sampler:
            return Sampler(SOURCES, say=lambda _: None, complain=lambda _: None)

        results = {}
        for label, extra in (("default alone", []), ("ten instances", servers[1:])):
            path = instances_file(folder, extra, None)
            with override_settings(CACHEADMIN_INSTANCES=str(path), SAMPLE_SECONDS=10):
                connections.reset()
                Sample.objects.all().delete()
                before = server_counts(servers)
                seconds, first = rounds(make_sampler, RUNS)
                after = server_counts(servers)
                rows = Sample.objects.count()
                asked = 1 + len(extra)
                per = [
                    ((a[0] - b[0] - 1) / (RUNS + 1), (a[1] - b[1] - 1) / (RUNS + 1))
                    for b, a in zip(before[:asked], after[:asked], strict=True)
                ]
                results[label] = (seconds, first, rows / (RUNS + 1), per)
        base = results["default alone"][0]
        print(f"Sampler round: {INSTANCES} Redis instances x {QUEUES:,} queues x {MODELS} models")
        for label, (seconds, first, rows, per) in results.items():
            commands = statistics.mean(c for c, _ in per)
            trips = statistics.mean(t for _, t in per)
            print(
                f"  {label:14} round {seconds * 1000:7.1f} ms ({seconds / base:4.2f}x the "
                f"baseline), first {first.seconds * 1000:7.1f} ms; {rows:,.0f} rows a round; "
                f"per instance {commands:,.0f} commands in {trips:,.1f} round trips; "
                f"failed: {sorted(first.failed) or 'none'}"
            )

        path = instances_file(folder, servers[1:], listener.getsockname()[1])
        with override_settings(
            CACHEADMIN_INSTANCES=str(path), SAMPLE_SECONDS=10, METRICS_ALLOW=["127.0.0.1"]
        ):
            connections.reset()
            done = make_sampler().sample(int(time.time()))
            healthy = max(seconds for (name, _), seconds in done.written.items() if name != "hung")
            print(
                f"  with a hung instance: round {done.seconds:5.2f} s (REDIS_TIMEOUT "
                f"{django.conf.settings.REDIS_TIMEOUT:g} s), the healthy ten written within "
                f"{healthy * 1000:.0f} ms"
            )
            request = RequestFactory().get("/metrics", REMOTE_ADDR="127.0.0.1")
            hung_ms, answer = median_ms(lambda: metrics(request), runs=RUNS)
            assert answer.status_code == 200
            hung_bytes = len(answer.content)
        path = instances_file(folder, servers[1:], None)
        with override_settings(CACHEADMIN_INSTANCES=str(path), METRICS_ALLOW=["127.0.0.1"]):
            connections.reset()
            request = RequestFactory().get("/metrics", REMOTE_ADDR="127.0.0.1")
            plain_ms, answer = median_ms(lambda: metrics(request), runs=RUNS)
        print(
            f"  /metrics with the hung one: {hung_ms:6.1f} ms, {hung_bytes / 1e6:.2f} MB; "
            f"without it {plain_ms:6.1f} ms, {len(answer.content) / 1e6:.2f} MB "
            f"({hung_ms / plain_ms:.2f}x)"
        )
    finally:
        listener.close()
        for server in servers:
            server.stop()
        workdir.cleanup()


if __name__ == "__main__":
    main()
