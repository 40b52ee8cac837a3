"""Key-browser benchmark: a 100-key page of a 1M-key database, against a per-key baseline.

    make bench                      # or: .venv/bin/python tests/bench/bench_keys.py

Starts a private redis-server, fills it with 1M keys of mixed types (plus 1,000
`needle:` keys, 0.1%), then measures in the same run:
- the key list view (Django view + template) for a 100-key page: server time, round trips;
- the same page fetched per key (TYPE, then size/TTL/memory/encoding), the baseline;
- the time to the first page of a pattern that matches 0.1% of the keys.
Times are medians; the ratio is what to compare between runs (the machine is noisy).
"""

import os
import sys
import tempfile
import time
from pathlib import Path

import django
import redis

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from tests.bench.measure import median_ms  # noqa: E402
from tests.servers import RedisServer, keyspace_of  # noqa: E402

KEYS = int(os.environ.get("BENCH_KEYS", "1000000"))
NEEDLES = KEYS // 1000
RUNS = 25

FILL = """
local first, last = tonumber(ARGV[1]), tonumber(ARGV[2])
for i = first, last do
  local kind = i % 20
  if kind < 14 then redis.call('SET', 'obj:' .. i, 'value-' .. i)
  elseif kind < 16 then redis.call('HSET', 'hash:' .. i, 'a', i, 'b', 'x', 'c', 'y')
  elseif kind < 18 then redis.call('SADD', 'set:' .. i, 'a', 'b', i)
  elseif kind < 19 then redis.call('RPUSH', 'list:' .. i, 'a', 'b', i)
  else redis.call('ZADD', 'zset:' .. i, 1, 'a', 2, i) end
  if i % 7 == 0 then redis.call('EXPIRE', 'obj:' .. i, 3600) end
end
"""


class CountingConnection(redis.Connection):
    sends = 0

    def send_packed_command(self, command, check_health=True):
        CountingConnection.sends += 1
        return super().send_packed_command(command, check_health)


def fill(client: redis.Redis) -> None:
    started = time.monotonic()
    step = 20_000
    for first in range(0, KEYS - NEEDLES, step):
        client.eval(FILL, 0, first, min(first + step, KEYS - NEEDLES) - 1)
    with client.pipeline(transaction=False) as pipe:
        for number in range(NEEDLES):
            pipe.set(f"needle:{number}", "x")
        pipe.execute()
    print(f"filled {client.dbsize():,} keys in {time.monotonic() - started:.1f} s")


def per_key_page(client: redis.Redis, keys: list[bytes]) -> None:
    """The baseline: what a per-key browser does, a round trip for the type, one for the rest."""
    sizers = {
        b"string": "STRLEN",
        b"hash": "HLEN",
        b"list": "LLEN",
        b"set": "SCARD",
        b"zset": "ZCARD",
    }
    for key in keys:
        kind = client.type(key)
        with client.pipeline(transaction=False) as pipe:
            pipe.execute_command(sizers[kind], key)
            pipe.pttl(key)
            pipe.memory_usage(key)
            pipe.object("encoding", key)
            pipe.execute()


def main() -> None:
    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory, override_settings

    from cacheadmin.gateways import connections
    from cacheadmin.keys.keyspace import browse, scan_page
    from cacheadmin.keys.views import key_list

    with tempfile.TemporaryDirectory() as workdir:
        server = RedisServer(Path(workdir)).start()
        try:
            pool = redis.ConnectionPool(port=server.port, connection_class=CountingConnection)
            client = redis.Redis(connection_pool=pool)
            fill(client)
            with override_settings(REDIS_URL=server.url):
                connections.reset()
                request = RequestFactory().get("/keys/?count=100")
                request.user = AnonymousUser()
                request.htmx, request.instance = False, connections.instance()
                key_list(request)  # warm: load the script, open the connection
                view_ms, response = median_ms(lambda: key_list(request), runs=RUNS)
                assert response.status_code == 200

            space = keyspace_of(client)
            browse(space, match=b"*", type_=None, cursor=0, count=100)
            before = CountingConnection.sends
            page = browse(space, match=b"*", type_=None, cursor=0, count=100)
            trips = CountingConnection.sends - before
            ours_ms, _ = median_ms(
                lambda: browse(space, match=b"*", type_=None, cursor=0, count=100), runs=RUNS
            )
            keys = scan_page(space, match=b"*", type_=None, cursor=0, count=100).keys
            before = CountingConnection.sends
            per_key_page(client, keys)
            baseline_trips = CountingConnection.sends - before
            baseline_ms, _ = median_ms(lambda: per_key_page(client, keys), runs=9)
            sparse_ms, sparse = median_ms(
                lambda: browse(space, match=b"needle:*", type_=None, cursor=0, count=100), runs=9
            )
        finally:
            server.stop()

    print(f"\nkey browser, {KEYS:,} keys, a page of {len(page.rows)} keys (median of {RUNS})")
    print(f"  list view, server time (view + template): {view_ms:7.1f} ms")
    print(f"  browse(): SCAN + one EVALSHA + INFO:       {ours_ms:7.1f} ms, {trips} round trips")
    print(f"    ({page.calls} SCAN call(s) + 1 metadata round trip + INFO before and after)")
    print(
        f"  per-key baseline, same {len(keys)} keys:         {baseline_ms:7.1f} ms, "
        f"{baseline_trips} round trips"
    )
    print(f"  ratio baseline / ours:                     {baseline_ms / ours_ms:7.1f} x")
    print(
        f"  pattern matching 0.1% (needle:*), first page: {sparse_ms:.1f} ms, "
        f"{len(sparse.rows)} keys after {sparse.calls} SCAN calls "
        f"({'out of budget, continue' if sparse.out_of_budget else 'page full'})"
    )


if __name__ == "__main__":
    main()
