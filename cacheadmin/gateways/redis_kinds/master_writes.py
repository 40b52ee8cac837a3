"""Writes on a Sentinel instance that reach the master the sentinels name now, or
fail and say so.

After a failover the old master keeps taking writes until the sentinels demote it
(their next look at it, seconds later), and what it took then is lost when it resyncs
from the new master. So a write here goes to the address of the sentinels' newest
view (never through a pooled link that may still point at the old master), only while
no sentinel says a failover is under way, to a server that says it is a master; a
replica must confirm it (WAIT) when the master has one; and the sentinels are asked
again afterwards. When any of that fails the write is reported as failed: it may or
may not stay, and the dashboard never says done for a change that may be undone.
"""

from collections.abc import Callable
from typing import TypeVar

import redis
from django.conf import settings

from cacheadmin.gateways.problems import UNREACHABLE, Problem, Refusal
from cacheadmin.gateways.redis_kinds.sentinels import MasterView, NewestSentinel

T = TypeVar("T")


class MasterGuard:
    """The writes of one database of a Sentinel service: sentinels, the service's name,
    and build(host, port), a client of the server at that address."""

    def __init__(self, sentinels: NewestSentinel, service: str, build: Callable):
        self.sentinels, self.service, self._build = sentinels, service, build
        self._masters: dict[tuple[str, int], redis.Redis] = {}  # a set has few servers

    def master_at(self, address: tuple[str, int]) -> redis.Redis:
        if address not in self._masters:
            self._masters[address] = self._build(*address)
        return self._masters[address]

    def current_master(self) -> redis.Redis:
        """A client of the master the sentinels name now."""
        return self.master_at(self.sentinels.master_view(self.service).address)

    def run(self, write: Callable[[redis.Redis], T]) -> T:
        """The write, run on the master the sentinels name now and confirmed (see
        above); a refusal raises Refusal with the problem to tell."""
        service, sentinels = self.service, self.sentinels
        before = sentinels.master_view(service)
        if before.changing:
            raise Refusal(_changing(service, "nothing was changed"))
        master = self.master_at(before.address)
        replicas = _replicas_of_master(master, service)
        answer = write(master)
        if replicas and _confirmed_by(master) < 1:
            raise Refusal(_unconfirmed(service))
        if _moved_on(before, sentinels.master_view(service)):
            raise Refusal(_changing(service, "the change may be lost"))
        return answer

    def close(self) -> None:
        for client in self._masters.values():
            client.close()


def _replicas_of_master(master: redis.Redis, service: str) -> int:
    """How many replicas the server has linked, after checking it is a master: one the
    sentinels have just demoted refuses writes anyway, but say why."""
    role = master.execute_command("ROLE")
    if role[0] not in (b"master", "master"):
        raise Refusal(_changing(service, "nothing was changed"))
    return len(role[2])


def _confirmed_by(master: redis.Redis) -> int:
    """WAIT for one replica, for at most half the Redis timeout (the socket's whole
    timeout would end the wait as an error)."""
    return master.wait(1, int(settings.REDIS_TIMEOUT * 500))


def _moved_on(before: MasterView, after: MasterView) -> bool:
    return after.changing or (after.address, after.epoch) != (before.address, before.epoch)


def _changing(service: str, outcome: str) -> Problem:
    return Problem(
        UNREACHABLE,
        f"The master of {service} is changing (a failover is under way): {outcome}. "
        "The dashboard follows the new master by itself: try again in a moment.",
    )


def _unconfirmed(service: str) -> Problem:
    return Problem(
        UNREACHABLE,
        f"The master of {service} took the change, but no replica confirmed it within "
        f"{settings.REDIS_TIMEOUT / 2:g} s: a failover may be under way, and the change may "
        "be lost. Look again in a moment, and try again.",
    )
