"""The kind of a Redis instance (one server, a Sentinel service, a cluster) is decided in
one package, gateways/redis_kinds: nothing else names redis-py's cluster or Sentinel
client classes, nor asks which kind it has."""

import re
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2] / "cacheadmin"
KNOWS_THE_KINDS = PROJECT / "gateways" / "redis_kinds"
LIBRARY = PROJECT / "objectcache"  # for applications: no dashboard, its own clients
CONFIG = PROJECT / "gateways" / "instances.py"  # reads each instance's kind off its URL
ASKING = re.compile(
    r"RedisCluster|ClusterNode|SentinelConnectionPool|SentinelManaged|"
    r"redis\.sentinel import (?:.*\b)?Sentinel\b|NewestSentinel|cluster_ready|"
    r"\.kind\s*[!=]=\s*[\"'](?:cluster|sentinel)"
)


def modules_outside() -> list[Path]:
    return [
        path
        for path in PROJECT.rglob("*.py")
        if KNOWS_THE_KINDS not in path.parents and LIBRARY not in path.parents and path != CONFIG
    ]


def test_only_redis_kinds_knows_the_kinds_of_redis():
    found = [
        f"{path.relative_to(PROJECT)}:{number}: {line.strip()}"
        for path in modules_outside()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if ASKING.search(line)
    ]
    assert found == []


def test_the_check_finds_what_it_looks_for():
    assert modules_outside()  # it reads the project's modules
    for line in (
        "from redis.cluster import RedisCluster",
        "if isinstance(client, RedisCluster):",
        "from redis.sentinel import MasterNotFoundError, Sentinel",
        "call_redis(ask, cluster_ready=True)",
        'if config.kind == "sentinel":',
    ):
        assert ASKING.search(line), line
    assert not ASKING.search("from redis.sentinel import MasterNotFoundError")


def test_both_kinds_offer_the_whole_protocol():
    from cacheadmin.gateways.redis_kinds.cluster import ClusterKeyspace
    from cacheadmin.gateways.redis_kinds.keyspace import Keyspace
    from cacheadmin.gateways.redis_kinds.single import ServerKeyspace

    promised = {name for name in vars(Keyspace) if not name.startswith("_")}
    promised |= set(Keyspace.__annotations__) - {"client"}  # set by each one's __init__
    assert len(promised) > 30
    for kind in (ServerKeyspace, ClusterKeyspace):
        assert promised - set(dir(kind)) == set(), kind
