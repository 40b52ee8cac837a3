"""A source that does not answer within its wait: the round ends without it, and what
its silence means is written (a server's up 0), in that round and while it still
hangs, so a hung instance reads as down, not as it was."""

import threading
import time

import pytest

from cacheadmin.monitoring.figures import Reading
from cacheadmin.monitoring.sampler import Sampler
from tests.monitoring.test_sampler import value

pytestmark = pytest.mark.django_db


class Hanging:
    """A source (a capability's figures.py plugs in the same way) whose call hangs
    until released, as a server that accepts and never answers."""

    name = "hanging"
    service = "redis"

    def __init__(self):
        self.release = threading.Event()

    def wanted(self, instance) -> bool:
        return True

    def read(self, instance):
        self.release.wait(30)
        return [Reading("redis.up", "", 1.0)], None

    def silence(self) -> list[Reading]:
        return [Reading("redis.up", "", 0.0)]


def test_a_source_silent_past_its_wait_writes_its_silence(services, settings):
    settings.REDIS_TIMEOUT = 0.5
    source = Hanging()
    said = []
    keeper = Sampler([source], say=said.append, complain=said.append)
    try:
        first = keeper.sample(at := int(time.time()) // 10 * 10)
        assert ("default", "hanging") in first.failed and first.seconds < 2
        assert value("default", "redis.up", "", at=at) == 0
        second = keeper.sample(at + 10)  # still hanging: not asked again, still down
        assert second.failed[("default", "hanging")] == "no answer yet"
        assert value("default", "redis.up", "", at=at + 10) == 0
    finally:
        source.release.set()
