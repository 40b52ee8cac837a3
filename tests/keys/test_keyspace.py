"""scan_page / describe_keys / browse against a real redis-server."""

import pytest
import redis

from cacheadmin.keys.keyspace import browse, is_glob, scan_page
from tests.servers import keyspace_of


class CountingConnection(redis.Connection):
    """Counts what goes over the wire: one send is one round trip."""

    sends = 0

    def send_packed_command(self, command, check_health=True):
        CountingConnection.sends += 1
        return super().send_packed_command(command, check_health)


@pytest.fixture
def counting(redis_server):
    pool = redis.ConnectionPool(port=redis_server.port, connection_class=CountingConnection)
    client = redis.Redis(connection_pool=pool)
    client.ping()  # connect, say hello
    yield client
    client.close()


def round_trips(client, call):
    before = CountingConnection.sends
    result = call()
    return result, CountingConnection.sends - before


def fill(client, count: int, prefix: str = "k") -> None:
    with client.pipeline(transaction=False) as pipe:
        for number in range(count):
            pipe.set(f"{prefix}:{number}", "x")
        pipe.execute()


def test_a_page_costs_its_scans_plus_one_round_trip(services, counting):
    fill(counting, 500)
    # The very first page also loads the script (EVALSHA, NOSCRIPT, EVAL): once per server.
    browse(keyspace_of(counting), match=b"*", type_=None, cursor=0, count=10)
    page, trips = round_trips(
        counting, lambda: browse(keyspace_of(counting), match=b"*", type_=None, cursor=0, count=100)
    )
    assert len(page.rows) >= 100
    # and INFO, to name the server the cursor belongs to, before and after the page
    assert trips == page.calls + 1 + 2
    args = {"match": b"*", "type_": None, "count": 100, "server": page.server}
    after, trips = round_trips(
        counting, lambda: browse(keyspace_of(counting), cursor=page.cursor, **args)
    )
    assert trips == after.calls + 1 + 1  # the previous page named the server: once, after
    # Twice in full runs an extra key was there: name it, to find who wrote it.
    strangers = [key for key in counting.scan_iter(count=1000) if not key.startswith(b"k:")]
    assert page.dbsize == 500, (strangers, [counting.type(key) for key in strangers])


def test_mixed_types_are_described(keyspace):
    keyspace.set("s", "hello")
    keyspace.hset("h", mapping={"a": "1", "b": "2"})
    keyspace.rpush("l", 1, 2, 3)
    keyspace.sadd("set", "a")
    keyspace.zadd("z", {"a": 1, "b": 2})
    keyspace.xadd("x", {"f": "v"})
    keyspace.expire("s", 100)
    rows, dbsize = keyspace_of(keyspace).describe([b"s", b"h", b"l", b"set", b"z", b"x"])
    assert dbsize == 6
    summary = {row.key: (row.type, row.size) for row in rows}
    assert summary == {
        b"s": ("string", 5),
        b"h": ("hash", 2),
        b"l": ("list", 3),
        b"set": ("set", 1),
        b"z": ("zset", 2),
        b"x": ("stream", 1),
    }
    assert 0 < rows[0].ttl_ms <= 100_000
    assert rows[1].ttl_ms == -1
    assert all(row.memory and row.memory > 0 for row in rows)
    assert rows[1].encoding == "listpack"


def test_a_key_that_vanished_is_gone_not_an_error(keyspace):
    keyspace.set("here", "1")
    rows, _ = keyspace_of(keyspace).describe([b"here", b"vanished"])
    assert not rows[0].gone
    assert rows[1].gone and rows[1].ttl_ms == -2 and rows[1].size is None


def test_a_sparse_pattern_stops_at_its_budget(keyspace):
    fill(keyspace, 20_000, "noise")
    keyspace.set("needle:1", "x")
    page = scan_page(
        keyspace_of(keyspace), match=b"needle:*", type_=None, cursor=0, count=100, max_calls=3
    )
    assert page.out_of_budget and page.calls == 3 and page.cursor != 0
    assert page.examined == 100 + 200 + 400  # the hint doubles when matches are rare


def test_paging_visits_every_key_once(keyspace):
    fill(keyspace, 1000)
    seen, cursor = [], 0
    while True:
        page = scan_page(keyspace_of(keyspace), match=b"k:*", type_=None, cursor=cursor, count=90)
        seen.extend(page.keys)
        cursor = page.cursor
        if cursor == 0:
            break
    assert sorted(seen) == sorted(f"k:{n}".encode() for n in range(1000))


def test_type_filter(keyspace):
    fill(keyspace, 50)
    keyspace.hset("only-hash", "f", "v")
    page = browse(keyspace_of(keyspace), match=b"*", type_="hash", cursor=0, count=100)
    assert [row.key for row in page.rows] == [b"only-hash"]


def test_a_pattern_without_glob_looks_the_key_up(keyspace):
    keyspace.set(b"exact\xff*key", "1")
    assert not is_glob(b"exact\xff\\*key")
    page = browse(keyspace_of(keyspace), match=b"exact\xff\\*key", type_=None, cursor=0, count=10)
    assert [row.key for row in page.rows] == [b"exact\xff*key"]
    assert page.calls == 0
    missing = browse(keyspace_of(keyspace), match=b"nothing-here", type_=None, cursor=0, count=10)
    assert missing.rows == []


def test_browsing_does_not_touch_keys_where_redis_allows(services, redis_server, settings):
    from cacheadmin.gateways import connections

    plain = redis_server.client()
    version = tuple(int(part) for part in plain.info("server")["redis_version"].split(".")[:2])
    plain.set("cold", "1")
    plain.object("idletime", "cold")
    client = connections.keyspace(connections.instance())
    browse(client, match=b"*", type_=None, cursor=0, count=10)
    assert client.client.ping()  # on servers without CLIENT NO-TOUCH the dashboard still works
    if version < (7, 2):
        pytest.skip(f"Redis {version} has no CLIENT NO-TOUCH")
    import time

    time.sleep(1.1)
    browse(client, match=b"*", type_=None, cursor=0, count=10)
    assert plain.object("idletime", "cold") >= 1


def test_a_cluster_page_costs_its_scans_plus_one_round_trip_per_primary(
    services, redis_cluster, monkeypatch
):
    redis_cluster.until_ok()
    keyspace = redis_cluster.client()
    keyspace.flushall(target_nodes=keyspace.PRIMARIES)
    fill(keyspace, 600)
    browse(keyspace_of(keyspace), match=b"*", type_=None, cursor=0, count=10)  # loads the script
    sends = []  # from every thread: the primaries are asked at once
    real_send = redis.Connection.send_packed_command
    monkeypatch.setattr(
        redis.Connection,
        "send_packed_command",
        lambda self, *args, **kwargs: sends.append(self.port) or real_send(self, *args, **kwargs),
    )
    page = browse(keyspace_of(keyspace), match=b"*", type_=None, cursor=0, count=100)
    assert len(page.rows) >= 100 and page.dbsize == 600
    # the script where a primary holds keys, else DBSIZE; INFO before and after the page
    assert len(sends) == page.calls + 3 + 2 * 3
    assert all(keyspace.get_node_from_key(row.key).name == row.node for row in page.rows)
