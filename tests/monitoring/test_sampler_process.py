"""Real sampler processes: two run, one samples (the lease); when it is killed the other
takes over once the lease runs out, with no gap of its own beside a hung instance; a
SIGTERM stops a sampler cleanly and frees the lease at once."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

from cacheadmin.models import Sample, SamplerLease
from cacheadmin.monitoring.figures import QUEUE_READY, redis_queue_subject
from tests.helpers import instances, wait_for
from tests.servers import dashboard_env

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


class Process:
    """`manage.py sampler` with its output gathered line by line as it comes."""

    def __init__(self, env: dict[str, str]):
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "sampler"],
            cwd=ROOT,
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    def said(self, words: str) -> bool:
        return any(words in line for line in self.lines)

    def holds(self) -> bool:
        lease = SamplerLease.objects.filter(name="sampler").first()
        return lease is not None and lease.holder.split(":")[1] == str(self.process.pid)


def rounds_of(key: bytes) -> list[int]:
    found = Sample.objects.filter(
        series__instance="default",
        series__figure=QUEUE_READY,
        series__subject=redis_queue_subject(key),
    )
    return list(found.order_by("at").values_list("at", flat=True))


def test_two_samplers_one_samples_and_the_other_takes_over(
    services, tmp_path, redis_client, silent_port
):
    instances(settings, tmp_path, f'[redis.a-hung]\nurl = "redis://127.0.0.1:{silent_port}/0"\n')
    env = {
        **dashboard_env(settings),
        "CACHEADMIN_INSTANCES": settings.CACHEADMIN_INSTANCES,
        "SAMPLE_SECONDS": "1",
        "REDIS_TIMEOUT": "0.3",
        "RABBITMQ_TIMEOUT": "1",  # a lease of 3 rounds and the slowest wait: 4.5 s
    }
    redis_client.rpush("queue:mail", 1)
    began = int(time.time()) - 1  # another test's rounds of the same queue may be kept
    first = Process(env)
    second = None
    try:
        wait_for(lambda: first.said("Sampling every 1 s"), seconds=30)
        second = Process(env)
        wait_for(lambda: second.said("Another sampler holds the lease"), seconds=30)
        started = time.time()
        wait_for(lambda: len([at for at in rounds_of(b"queue:mail") if at > started]) >= 5, 20)
        assert first.holds() and not second.holds()
        # every round beside the hung instance, the one before the second started too
        sampled = [at for at in rounds_of(b"queue:mail") if at >= began]
        assert all(b - a <= 2 for a, b in zip(sampled, sampled[1:], strict=False)), sampled
        assert first.said("a-hung, redis queues") and not second.said("a-hung")

        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=10)
        killed = time.time()
        wait_for(lambda: second.said("Sampling every 1 s"), seconds=20)
        took = time.time() - killed
        assert second.holds() and took < 4.5 + 2, took  # once the lease ran out
        wait_for(lambda: rounds_of(b"queue:mail")[-1] > killed + 1, seconds=10)

        second.process.send_signal(signal.SIGTERM)
        assert second.process.wait(timeout=10) == 0
        lease = SamplerLease.objects.get(name="sampler")
        assert (lease.holder, lease.until) == ("", None)  # the next one need not wait
    finally:
        for process in (first, second):
            if process and process.process.poll() is None:
                process.process.kill()
                process.process.wait()
