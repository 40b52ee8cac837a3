"""Object-cache benchmark: memory of bucket hashes against one string key per object,
and get() with its hit counters against a plain HGET.

    make bench                      # or: .venv/bin/python tests/bench/bench_objectcache.py

Starts a private redis-server for each measurement and compares in the same run.
"""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from cacheadmin.objectcache import Div, ObjectCache  # noqa: E402
from tests.servers import RedisServer  # noqa: E402

OBJECTS = int(os.environ.get("BENCH_OBJECTS", "1000000"))
GETS = int(os.environ.get("BENCH_GETS", "30000"))
COUNTRIES = ["FR", "DE", "US", "GB", "JP"]


def make(number: int) -> dict:
    return {"id": number, "country": COUNTRIES[number % 5], "plan": "pro"}


def used_memory(client: redis.Redis) -> int:
    return client.info("memory")["used_memory"]


def memory_as_buckets(client: redis.Redis) -> int:
    before = used_memory(client)
    users = ObjectCache(client).model("user", bucket=Div(100), ttl=0, register=False)
    batch = {}
    for number in range(OBJECTS):
        batch[number] = make(number)
        if len(batch) == 10_000:
            users.set_many(batch)
            batch = {}
    if batch:
        users.set_many(batch)
    client.delete("objectcache:buckets:user")  # the directory is not part of the layout cost
    return used_memory(client) - before


def memory_as_strings(client: redis.Redis) -> int:
    before = used_memory(client)
    for start in range(0, OBJECTS, 10_000):
        with client.pipeline(transaction=False) as pipe:
            for number in range(start, min(start + 10_000, OBJECTS)):
                pipe.set(f"user:{number}", json.dumps(make(number), separators=(",", ":")))
            pipe.execute()
    return used_memory(client) - before


def throughput(call, count: int) -> float:
    """Calls per second, the best of three runs."""
    rates = []
    for _ in range(3):
        started = time.perf_counter()
        for number in range(count):
            call(number)
        rates.append(count / (time.perf_counter() - started))
    return max(rates)


def with_server(measure):
    with tempfile.TemporaryDirectory() as workdir:
        server = RedisServer(Path(workdir)).start()
        try:
            return measure(server.client())
        finally:
            server.stop()


def gets(client: redis.Redis) -> tuple[float, float]:
    users = ObjectCache(client).model("user", bucket=Div(100), ttl=0, register=False)
    users.set_many({number: make(number) for number in range(10_000)})
    ours = throughput(lambda n: users.get(n % 10_000), GETS)
    plain = throughput(lambda n: client.hget(f"user:{(n % 10_000) // 100}", n % 10_000), GETS)
    users.cache.flush()
    return ours, plain


def main() -> None:
    buckets = with_server(memory_as_buckets)
    strings = with_server(memory_as_strings)
    print(f"\nobject cache, {OBJECTS:,} small JSON objects (about 40 bytes each)")
    for label, used in (("bucket hashes, 100 per bucket", buckets), ("a string key each", strings)):
        print(f"  {label:30} {used / 2**20:8.1f} MiB, {used / OBJECTS:5.1f} B/object")
    print(f"  ratio strings / buckets:       {strings / buckets:8.2f} x")
    ours, plain = with_server(gets)
    print(f"\nget() with hit counters: {ours:9,.0f}/s   plain HGET: {plain:9,.0f}/s")
    print(f"  overhead ratio plain / ours:    {plain / ours:8.2f} x  ({GETS:,} calls, best of 3)")


if __name__ == "__main__":
    main()
