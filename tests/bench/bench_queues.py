"""Queue-list benchmark: 10,000 RabbitMQ queues in a vhost of our own.

    make bench                      # or: .venv/bin/python tests/bench/bench_queues.py

Declares BENCH_QUEUES queues (10,000) in a throwaway vhost, waits until the management
API counts them all, then measures in the same run:
- the broker's own paged answer: GET /api/queues/<vhost>, a page of 100 with only the
  columns we show (httpx, straight to the API);
- the whole list: GET /api/queues/<vhost> with every column, as unpaged tools fetch it;
- our queue list view (Django view + template, through RequestFactory), first with an
  empty cache, then repeated within the statistics interval;
- 20 viewers asking for the same page in a loop for 30 s (BENCH_VIEW_SECONDS), with the
  HTTP requests that reach the broker counted.
The vhost and its queues are deleted at the end.
"""

import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import django
import httpx
import pika

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from tests.bench.measure import median_ms, percentile  # noqa: E402
from tests.servers import RedisServer  # noqa: E402

QUEUES = int(os.environ.get("BENCH_QUEUES", "10000"))
VIEWERS = int(os.environ.get("BENCH_VIEWERS", "20"))
VIEW_SECONDS = float(os.environ.get("BENCH_VIEW_SECONDS", "30"))
MANAGEMENT = os.environ.get("TEST_RABBITMQ_MANAGEMENT_URL", "http://127.0.0.1:15672/")
USER, PASSWORD = "guest", "guest"
PAGE_SIZE = 100


def make_vhost(api: httpx.Client) -> str:
    vhost = f"cacheadmin-bench-{uuid.uuid4().hex[:8]}"
    api.put(f"api/vhosts/{quote(vhost, safe='')}", json={}).raise_for_status()
    permissions = {"configure": ".*", "write": ".*", "read": ".*"}
    api.put(f"api/permissions/{quote(vhost, safe='')}/{USER}", json=permissions)
    return vhost


def declare_queues(vhost: str) -> None:
    url = f"amqp://{USER}:{PASSWORD}@127.0.0.1:5672/{quote(vhost, safe='')}"
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    for number in range(QUEUES):
        channel.queue_declare(f"bench.q{number:05d}", durable=False)
        if number % 10 == 0:
            channel.basic_publish("", f"bench.q{number:05d}", b"x" * 100)
    connection.close()


def wait_counted(api: httpx.Client, vhost: str) -> float:
    started = time.monotonic()
    params = {"page": 1, "page_size": 1, "columns": "name", "pagination": "true"}
    while time.monotonic() - started < 120:
        answer = api.get(f"api/queues/{quote(vhost, safe='')}", params=params).json()
        if answer.get("filtered_count") == QUEUES:
            return time.monotonic() - started
        time.sleep(0.5)
    raise SystemExit("the management API did not count the queues within 120 s")


def main() -> None:
    workdir = tempfile.TemporaryDirectory()
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir.name}/bench.sqlite3"
    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.core.management import call_command
    from django.test import RequestFactory, override_settings

    from cacheadmin.gateways import connections
    from cacheadmin.queues.broker import queue_page
    from cacheadmin.queues.views import queue_list

    call_command("migrate", verbosity=0)
    api = httpx.Client(base_url=MANAGEMENT, auth=(USER, PASSWORD), timeout=60)
    server = RedisServer(Path(workdir.name)).start()
    vhost = make_vhost(api)
    try:
        started = time.monotonic()
        declare_queues(vhost)
        declared = time.monotonic() - started
        counted = wait_counted(api, vhost)
        management_url = MANAGEMENT.replace("://", f"://{USER}:{PASSWORD}@", 1)
        with override_settings(
            REDIS_URL=server.url, RABBITMQ_MANAGEMENT_URL=management_url, RABBITMQ_TIMEOUT=60
        ):
            connections.reset()
            client = connections.rabbit_management(connections.instance())
            broker_calls = []
            client._http.event_hooks["request"].append(lambda request: broker_calls.append(1))

            def broker_page():
                return queue_page(
                    client, vhost=vhost, name="", page=1, page_size=PAGE_SIZE,
                    sort="name", descending=False,
                )  # fmt: skip

            paged_ms, page = median_ms(broker_page, runs=9)
            assert len(page["items"]) == PAGE_SIZE and page["total"] == QUEUES
            path = f"api/queues/{quote(vhost, safe='')}"
            whole = []
            whole_ms, _ = median_ms(lambda: whole.append(len(api.get(path).content)), runs=3)
            request = RequestFactory().get("/queues/", {"vhost": vhost, "page_size": PAGE_SIZE})
            request.user, request.htmx = AnonymousUser(), False
            request.instance = connections.instance()

            def first_view():
                connections.rabbit_answers().close()
                return queue_list(request)

            first_ms, response = median_ms(first_view, runs=9)
            assert response.status_code == 200, response.content[:500]
            assert response.content.count(b'data-figure="queue"') == PAGE_SIZE
            repeat_ms, _ = median_ms(lambda: queue_list(request), runs=50)
            viewers = watch(queue_list, request, broker_calls)
    finally:
        api.delete(f"api/vhosts/{quote(vhost, safe='')}")
        server.stop()
        workdir.cleanup()

    print(f"\nqueue list, {QUEUES:,} queues in one vhost, a page of {PAGE_SIZE}")
    print(f"  declared in {declared:.1f} s; counted by the management API {counted:.1f} s later")
    print(f"  broker's own paged answer (our columns):    {paged_ms:8.1f} ms")
    print(f"  whole list, every column (3 runs):          {whole_ms:8.1f} ms, {whole[0]:,} bytes")
    print(f"  our page, first (view + template):          {first_ms:8.1f} ms")
    print(f"    over the broker's paged answer:           {first_ms - paged_ms:8.1f} ms")
    print(f"    whole fetch / our first page:             {whole_ms / first_ms:8.1f} x")
    print(f"  our page, repeated within the interval:     {repeat_ms:8.1f} ms")
    print(
        f"  {VIEWERS} viewers for {VIEW_SECONDS:.0f} s: {viewers['views']:,} pages served "
        f"(p50 {viewers['p50']:.1f} ms, p99 {viewers['p99']:.1f} ms), "
        f"{viewers['broker_calls']} calls reached the broker "
        f"(one per {viewers['interval']:.0f} s interval would be {viewers['expected']})"
    )


def watch(view, request, broker_calls: list) -> dict:
    """VIEWERS threads asking for the same page as fast as they can."""
    from django.conf import settings

    from cacheadmin.gateways import connections

    connections.rabbit_answers().close()
    before = len(broker_calls)
    stop = time.monotonic() + VIEW_SECONDS
    latencies: list[float] = []

    def viewer():
        while time.monotonic() < stop:
            started = time.perf_counter()
            response = view(request)
            assert response.status_code == 200
            latencies.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=viewer) for _ in range(VIEWERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    interval = settings.RABBITMQ_STATS_INTERVAL
    return {
        "views": len(latencies),
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
        "broker_calls": len(broker_calls) - before,
        "interval": interval,
        "expected": int(VIEW_SECONDS // interval) + 1,
    }


if __name__ == "__main__":
    main()
