"""Celery events recorder benchmark: the rate of events it keeps up with.

    make bench                      # or: .venv/bin/python tests/bench/bench_celery_events.py

On a private redis-server, another process publishes Celery events as kombu does
(`/0.celeryev/task.<state>`, the JSON envelope, the body in base64): for each task a
sent, received, started and succeeded event, at BENCH_RATES events a second for
BENCH_SECONDS each. The recorder (cacheadmin.tasks.celery_recorder, its Redis thread)
writes them to a SQLite file. For each rate: whether every event was written, and how
long after the last one was published. Kept up: the lag stays about one flush (1 s).

Seen on 2 cores (the publisher on one of them): 1,000 and 5,000 events/s kept up (the
last written 1.1 s after); 10,000/s all written, 3.8 s behind (about 6,800/s
sustained); 20,000/s fell behind until Redis dropped the subscriber at its pub/sub
output limit (32 MB), and the events meanwhile were lost.
"""

import base64
import json
import multiprocessing
import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from tests.servers import RedisServer  # noqa: E402

RATES = [int(rate) for rate in os.environ.get("BENCH_RATES", "1000,5000,10000,20000").split(",")]
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
STATES = ("sent", "received", "started", "succeeded")


def envelope(kind: str, task_id: str, at: float) -> bytes:
    event = {
        "type": f"task-{kind}",
        "uuid": task_id,
        "timestamp": at,
        "hostname": "bench@worker",
        "clock": 1,
        "utcoffset": 0,
        "pid": 1,
    }
    if kind in ("sent", "received"):
        event |= {"name": "shop.pay", "args": "(1234, 'EUR')", "kwargs": "{'retry': True}"}
    if kind == "sent":
        event |= {"queue": "payments", "retries": 0}
    if kind == "succeeded":
        event |= {"result": "'ok'", "runtime": 0.01}
    body = base64.b64encode(json.dumps(event).encode()).decode()
    return json.dumps(
        {
            "body": body,
            "content-encoding": "utf-8",
            "content-type": "application/json",
            "headers": {"hostname": "bench@worker"},
            "properties": {"body_encoding": "base64", "delivery_mode": 1, "priority": 0},
        }
    ).encode()


def publish(url: str, rate: int, seconds: float) -> None:
    """rate events a second for seconds, in bursts of a hundredth of a second."""
    import redis

    client = redis.Redis.from_url(url)
    started, sent = time.monotonic(), 0
    while (now := time.monotonic()) - started < seconds:
        due = int((now - started) * rate) - sent
        if due <= 0:
            time.sleep(0.002)
            continue
        with client.pipeline(transaction=False) as pipe:
            for number in range(sent, sent + due):
                task_id, kind = f"{number // 4:012d}-{uuid.uuid4().hex[:8]}", STATES[number % 4]
                pipe.publish(f"/0.celeryev/task.{kind}", envelope(kind, task_id, time.time()))
            pipe.execute()
        sent += due
    client.set("bench:published", sent)


def run_rate(server, rate: int, recorder) -> None:
    server.client().delete("bench:published")
    before = recorder.recorded
    publisher = multiprocessing.Process(target=publish, args=(server.url, rate, SECONDS))
    publisher.start()
    publisher.join()
    ended = time.monotonic()
    published = int(server.client().get("bench:published"))
    while recorder.recorded - before < published and time.monotonic() - ended < 60:
        time.sleep(0.05)
    lag = time.monotonic() - ended
    written = recorder.recorded - before
    kept = "kept up" if written == published and lag < 3 else "fell behind"
    print(
        f"  {rate:>6,} events/s for {SECONDS:g} s: {written:,} of {published:,} written, "
        f"the last {lag:.2f} s after publishing ended: {kept}"
    )


def main() -> None:
    workdir = tempfile.TemporaryDirectory()
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir.name}/bench.sqlite3"
    django.setup()
    from django.core.management import call_command
    from django.test import override_settings

    from cacheadmin.gateways import connections
    from cacheadmin.tasks.celery_recorder import Recorder

    call_command("migrate", verbosity=0)
    server = RedisServer(Path(workdir.name)).start()
    stop = threading.Event()
    try:
        with override_settings(REDIS_URL=server.url):
            connections.reset()
            said = []
            recorder = Recorder("default", "redis", stop, said.append)
            thread = threading.Thread(target=recorder.run, daemon=True)
            thread.start()
            while not any("listening" in line for line in said):
                time.sleep(0.05)
            print(f"Celery events recorder (SQLite, {len(STATES)} events a task):")
            for rate in RATES:
                run_rate(server, rate, recorder)
            stop.set()
            thread.join()
    finally:
        server.stop()
        workdir.cleanup()


if __name__ == "__main__":
    main()
