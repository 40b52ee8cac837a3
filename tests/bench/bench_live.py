"""Live-feed benchmark: floods on Redis channels watched over websockets.

    make bench                      # or: .venv/bin/python tests/bench/bench_live.py

Starts a private redis-server and the dashboard under daphne (its own process, a
throwaway database), logs websocket clients in, and runs three floods, each from a
publisher process that publishes a rate for some seconds, each message carrying its
publish time; clients read and ack as the page does:
- one client, 5,000 messages a second for 5 s: the share delivered (target 99%);
- one client with the filter "needle", 10,000 a second for 5 s of which one in ten
  holds it: every match delivered, nothing else;
- 50 clients, BENCH_RATE (20,000) a second for BENCH_SECONDS (10); one is slow on
  purpose (it acks a frame a second): delivered and dropped, publish-to-receive
  latency p50/p99 (target p99 under 250 ms), and the server's RSS before and after
  (target growth under 50 MB).
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
NEEDLE = "needle"
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


def publish(port: int, rate: int, seconds: float, channel: str, matches) -> None:
    """In its own process: batches every 10 ms, each message its publish time; every
    tenth also holds NEEDLE (their count is put in matches)."""
    client = redis.Redis(port=port)
    batch = max(1, rate // 100)
    started = time.monotonic()
    sent = needles = 0
    while time.monotonic() - started < seconds:
        pipe = client.pipeline(transaction=False)
        now = time.time()
        for number in range(sent, sent + batch):
            marked = number % 10 == 0
            needles += marked
            pipe.publish(channel, f"{now:.6f} {NEEDLE if marked else 'hay'}")
        pipe.execute()
        sent += batch
        ahead = sent / rate - (time.monotonic() - started)
        if ahead > 0:
            time.sleep(ahead)
    matches.put((sent, needles))


class Client:
    def __init__(self, channel: str, *, slow: bool = False, needle: str = ""):
        self.channel = channel
        self.slow = slow
        self.needle = needle
        self.delivered = 0
        self.dropped = 0
        self.unmatched = 0  # messages without the needle, for a filtered client
        self.latencies: list[float] = []

    async def run(self, url: str, cookie: str, ready: asyncio.Event, done: asyncio.Event):
        ws_url = url.replace("http://", "ws://") + "/ws/live/"
        headers = {"Cookie": cookie, "Origin": url}
        request = {"action": "subscribe", "source": "redis", "pattern": self.channel}
        if self.needle:
            request["filter"] = self.needle
        async with websockets.connect(ws_url, additional_headers=headers) as socket:
            await socket.send(json.dumps(request))
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
                self.take(frame)
                if self.slow:
                    await asyncio.sleep(1.0)
                await socket.send(json.dumps({"action": "ack", "seq": frame["seq"]}))

    def take(self, frame: dict) -> None:
        now = time.time()
        self.delivered += len(frame["messages"])
        self.dropped += frame["dropped"]
        for message in frame["messages"]:
            sent_at, what = message["data"].split()
            self.latencies.append(now - float(sent_at))
            self.unmatched += what != NEEDLE


async def flood(url: str, cookies: list[str], clients: list[Client], rate: int, seconds: float):
    """Subscribe the clients, publish the flood, wait for the last frames; the count
    published and of matches, and the server's RSS before and after."""
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
    before = rss_mib(FLOOD["pid"])
    matches = multiprocessing.Queue()
    args = (FLOOD["port"], rate, seconds, clients[0].channel, matches)
    publisher = multiprocessing.Process(target=publish, args=args)
    publisher.start()
    published = await asyncio.to_thread(matches.get)
    await asyncio.to_thread(publisher.join)
    await asyncio.sleep(2)  # the last frames
    after = rss_mib(FLOOD["pid"])
    done.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return published, before, after


FLOOD: dict = {}  # the redis port and the server's pid


def one_client(url: str, cookies: list[str]) -> None:
    client = Client("bench.one")
    (sent, _), _, _ = asyncio.run(flood(url, cookies[:1], [client], 5000, 5))
    share = client.delivered / sent
    print(f"\nlive feed, one client, {sent:,} published at 5,000/s for 5 s:")
    print(
        f"  delivered {client.delivered:,} ({share:.1%} of published; target 99%), "
        f"dropped {client.dropped:,}; latency p50 {percentile(client.latencies, 0.5) * 1000:.0f}"
        f" ms, p99 {percentile(client.latencies, 0.99) * 1000:.0f} ms"
    )


def filtered_client(url: str, cookies: list[str]) -> None:
    client = Client("bench.filtered", needle=NEEDLE)
    (sent, needles), _, _ = asyncio.run(flood(url, cookies[:1], [client], 10000, 5))
    every = client.delivered == needles and client.unmatched == 0 and client.dropped == 0
    print(f"\nlive feed, filter {NEEDLE!r}, {sent:,} published at 10,000/s for 5 s:")
    print(
        f"  {needles:,} held it; delivered {client.delivered:,} "
        f"({client.delivered / needles:.1%}), {client.unmatched} without it, "
        f"dropped {client.dropped:,}: {'every match and nothing else' if every else 'MISSED'}"
    )


def many_clients(url: str, cookies: list[str]) -> None:
    clients = [Client(CHANNEL, slow=(n == 0)) for n in range(CLIENTS)]
    (sent, _), before, after = asyncio.run(flood(url, cookies, clients, RATE, SECONDS))
    fast = [client for client in clients if not client.slow]
    slow = clients[0]
    latencies = [latency for client in fast for latency in client.latencies]
    print(f"\nlive feed, {RATE:,} messages/s for {SECONDS:.0f} s, {CLIENTS} websocket clients")
    delivered = statistics.median(client.delivered for client in fast)
    dropped = statistics.median(client.dropped for client in fast)
    accounted = [client.delivered + client.dropped for client in fast]
    print(
        f"  clients that keep up ({len(fast)}): delivered {delivered:,.0f} and dropped "
        f"{dropped:,.0f} each (median); {min(accounted):,} to {max(accounted):,} accounted "
        f"for of {sent:,} published"
    )
    print(
        f"  their publish-to-receive latency: p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms (target 250 ms)"
    )
    print(
        f"  the slow client (acks a frame a second): delivered {slow.delivered:,}, "
        f"dropped {slow.dropped:,}"
    )
    print(
        f"  server RSS: {before:.1f} MiB before, {after:.1f} MiB after "
        f"({after - before:+.1f} MiB; target under +50)"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        server = RedisServer(Path(workdir)).start()
        dashboard = start_dashboard(workdir, server.url, server.url_for(15))
        FLOOD.update(port=server.port, pid=dashboard.process.pid)
        url = dashboard.url
        try:
            cookies = [session_cookie(url, f"bench-viewer-{n}") for n in range(CLIENTS)]
            one_client(url, cookies)
            filtered_client(url, cookies)
            many_clients(url, cookies)
        finally:
            dashboard.stop()
            server.stop()


if __name__ == "__main__":
    main()
