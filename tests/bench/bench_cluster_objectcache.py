"""The object cache on a Redis Cluster beside one server: where 1M objects land (keys
and memory per node), and get/set throughput.

    make bench                      # or: .venv/bin/python tests/bench/bench_cluster_objectcache.py

On a cluster a model is named with a hash tag ({user}), so all of it lives on one
primary: the figures show that cost, and a model split in three tagged models, one
per primary, beside it.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from cacheadmin.objectcache import Div, ObjectCache  # noqa: E402
from tests.bench.bench_cluster import server_and_cluster  # noqa: E402
from tests.bench.bench_objectcache import make  # noqa: E402

OBJECTS = int(os.environ.get("BENCH_OBJECTS", "1000000"))
OPS = int(os.environ.get("BENCH_GETS", "20000"))


def fill(model, count: int) -> None:
    for start in range(0, count, 10_000):
        model.set_many({n: make(n) for n in range(start, min(start + 10_000, count))})


def rate(call, count: int) -> float:
    started = time.perf_counter()
    for number in range(count):
        call(number)
    return count / (time.perf_counter() - started)


def per_node(cluster) -> list[tuple[str, int, int]]:
    """(node, keys, used memory) of each primary."""
    rows = []
    for node in cluster.get_primaries():
        client = cluster.get_redis_connection(node)
        rows.append((node.name, client.dbsize(), client.info("memory")["used_memory"]))
    return sorted(rows)


def tags_one_per_primary(cluster) -> list[str]:
    """Three hash tags, each on another primary."""
    from cacheadmin.gateways.redis_kinds.cluster_scan import primaries, slot_tag

    return [slot_tag(slot) for slot, _ in primaries(cluster)]


def measure(client, names: list[str]) -> dict:
    """Fill the models (the objects split between them), then time gets and sets."""
    cache = ObjectCache(client)
    models = [cache.model(name, bucket=Div(100), ttl=0, inverted=["country"]) for name in names]
    share = OBJECTS // len(models)
    started = time.perf_counter()
    for model in models:
        fill(model, share)
    filled = time.perf_counter() - started
    first = models[0]
    gets = rate(lambda n: first.get(n % share), OPS)
    sets = rate(lambda n: first.set(n % share, make(n % share)), OPS)
    return {"fill_s": filled, "gets": gets, "sets": sets}


def main() -> None:
    import django

    django.setup()
    with server_and_cluster() as (server_client, cluster_client):
        server = measure(server_client, ["user"])
        server_memory = server_client.info("memory")["used_memory"]
        one = measure(cluster_client, ["{user}"])
        one_nodes = per_node(cluster_client)
        cluster_client.flushall(target_nodes=cluster_client.PRIMARIES)
        tags = tags_one_per_primary(cluster_client)
        three = measure(cluster_client, [f"{{{tag}}}user" for tag in tags])
        three_nodes = per_node(cluster_client)

    print(f"\nobject cache, {OBJECTS:,} objects in buckets of 100 ({OPS:,} gets and sets)")
    print(f"  one server: {server_memory / 2**20:7.1f} MB used")
    for label, nodes in (("model {user}", one_nodes), ("three tagged models", three_nodes)):
        print(f"  cluster, {label}:")
        for name, keys, memory in nodes:
            print(f"    {name}: {keys:8,} keys, {memory / 2**20:7.1f} MB used")
    for label, figures in (("server", server), ("cluster {user}", one), ("cluster, 3", three)):
        print(
            f"  {label:15} fill {figures['fill_s']:6.1f} s, get {figures['gets']:8,.0f}/s, "
            f"set {figures['sets']:8,.0f}/s"
        )
    print(
        f"  ratio cluster / server: get {one['gets'] / server['gets']:.2f} x, "
        f"set {one['sets'] / server['sets']:.2f} x"
    )


if __name__ == "__main__":
    main()
