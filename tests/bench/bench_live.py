"""Live-feed benchmark: a flood on one Redis channel watched by 50 websockets.

    make bench                      # or: .venv/bin/python tests/bench/bench_live.py

Starts a private redis-server and the dashboard under daphne (its own process, a
throwaway database), logs 50 websocket clients in, subscribes them all to the same
channel, then a publisher process publishes BENCH_RATE messages a second (20,000)
for BENCH_SECONDS (10), each carrying its publish time. 49 clients read and ack as
the page does; one is slow on purpose (it acks a frame a second). Prints, per kind
of client, messages delivered and dropped, publish-to-receive latency p50/p99, and
the server's RSS before and after.
"""

import asyncio
import json
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import redis
import websockets

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.measure import percentile  # noqa: E402
from tests.servers import Daphne, RedisServer  # noqa: E402

RATE = int(os.environ.get("BENCH_RATE", "20000"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "50"))
CHANNEL = "bench.flood"
PASSWORD = "bench password 1"  # of bench-viewer-0 .. -49: one browser each


def start_dashboard(workdir: str, redis_url: str, dashboard_redis_url: str) -> Daphne:
    env = {
        "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3",
        "REDIS_URL": redis_url,
        "DASHBOARD_REDIS_URL": dashboard_redis_url,
        "DJANGO_SETTINGS_MODULE": "dashboard.settings",
    }
    manage = [sys.executable, "manage.py"]
    environment = {**os.environ, **env}
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=environment, check=True)
    script = (
        "from django.contrib.auth.models import Group, User;"
        "viewers = Group.objects.get(name='viewer');"
        f"[User.objects.create_user(f'bench-viewer-{{n}}', password={PASSWORD!r})"
        f".groups.add(viewers) for n in range({CLIENTS})]"
    )
    subprocess.run([*manage, "shell", "-c", script], cwd=ROOT, env=environment, check=True)
    return Daphne(env).start()


def session_cookie(url: str, user: str) -> str:
    with httpx.Client(base_url=url) as client:
        form = client.get("/accounts/login/").text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        client.post(
            "/accounts/login/",
            data={"username": user, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": url + "/accounts/login/"},
        )
        return f"sessionid={client.cookies['sessionid']}"


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def publish(port: int, rate: int, seconds: float) -> None:
    """In its own process: batches every 10 ms, each message its publish time."""
    client = redis.Redis(port=port)
    batch = max(1, rate // 100)
    started = time.monotonic()
    sent = 0
    while time.monotonic() - started < seconds:
        pipe = client.pipeline(transaction=False)
        now = time.time()
        for _ in range(batch):
            pipe.publish(CHANNEL, f"{now:.6f}")
        pipe.execute()
        sent += batch
        ahead = sent / rate - (time.monotonic() - started)
        if ahead > 0:
            time.sleep(ahead)
    print(f"  published {sent:,} in {time.monotonic() - started:.1f} s")


class Client:
    def __init__(self, slow: bool):
        self.slow = slow
        self.delivered = 0
        self.dropped = 0
        self.latencies: list[float] = []

    async def run(self, url: str, cookie: str, ready: asyncio.Event, done: asyncio.Event):
        ws_url = url.replace("http://", "ws://") + "/ws/live/"
        headers = {"Cookie": cookie, "Origin": url}
        async with websockets.connect(ws_url, additional_headers=headers) as socket:
            await socket.send(
                json.dumps({"action": "subscribe", "source": "redis", "pattern": CHANNEL})
            )
            while True:
                frame = json.loads(await socket.recv())
                if frame["type"] == "error":
                    raise RuntimeError(frame["message"])
                if frame.get("state") == "live":
                    break
            ready.set()
            while not done.is_set():
                try:
                    frame = json.loads(await asyncio.wait_for(socket.recv(), timeout=0.5))
                except TimeoutError:
                    continue
                if frame["type"] != "messages":
                    continue
                now = time.time()
                self.delivered += len(frame["messages"])
                self.dropped += frame["dropped"]
                self.latencies += [now - float(m["data"]) for m in frame["messages"]]
                if self.slow:
                    await asyncio.sleep(1.0)
                await socket.send(json.dumps({"action": "ack", "seq": frame["seq"]}))


async def watch(
    url: str, cookies: list[str], port: int, server_pid: int
) -> tuple[list, float, float]:
    clients = [Client(slow=(n == 0)) for n in range(CLIENTS)]
    readies = [asyncio.Event() for _ in clients]
    done = asyncio.Event()
    tasks = [
        asyncio.create_task(client.run(url, cookie, ready, done))
        for client, ready, cookie in zip(clients, readies, cookies, strict=True)
    ]
    try:
        await asyncio.wait_for(asyncio.gather(*(ready.wait() for ready in readies)), 60)
    except TimeoutError:
        failed = [task.exception() for task in tasks if task.done()]
        raise SystemExit(f"clients not subscribed within 60 s: {failed[:3]}") from None
    await asyncio.sleep(1)
    before = rss_mib(server_pid)
    publisher = multiprocessing.Process(target=publish, args=(port, RATE, SECONDS))
    publisher.start()
    await asyncio.to_thread(publisher.join)
    await asyncio.sleep(2)  # the last frames
    after = rss_mib(server_pid)
    done.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return clients, before, after


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        server = RedisServer(Path(workdir)).start()
        dashboard = start_dashboard(workdir, server.url, server.url_for(15))
        url = dashboard.url
        try:
            cookies = [session_cookie(url, f"bench-viewer-{n}") for n in range(CLIENTS)]
            clients, before, after = asyncio.run(
                watch(url, cookies, server.port, dashboard.process.pid)
            )
        finally:
            dashboard.stop()
            server.stop()

    fast = [client for client in clients if not client.slow]
    slow = next(client for client in clients if client.slow)
    latencies = [latency for client in fast for latency in client.latencies]
    total = RATE * SECONDS
    print(f"\nlive feed, {RATE:,} messages/s for {SECONDS:.0f} s, {CLIENTS} websocket clients")
    delivered = statistics.median(client.delivered for client in fast)
    dropped = statistics.median(client.dropped for client in fast)
    accounted = [client.delivered + client.dropped for client in fast]
    print(
        f"  clients that keep up ({len(fast)}): delivered {delivered:,.0f} and dropped "
        f"{dropped:,.0f} each (median); {min(accounted):,} to {max(accounted):,} accounted "
        f"for of {total:,.0f} published"
    )
    print(
        f"  their publish-to-receive latency: p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms"
    )
    print(
        f"  the slow client (acks a frame a second): delivered {slow.delivered:,}, "
        f"dropped {slow.dropped:,}"
    )
    print(
        f"  server RSS: {before:.1f} MiB before, {after:.1f} MiB after ({after - before:+.1f} MiB)"
    )


if __name__ == "__main__":
    main()
