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

from cacheadmin.gateways import connections
from cacheadmin.gateways.problems import UNREACHABLE, Problem, Refusal
from cacheadmin.gateways.sentinels import MasterView

T = TypeVar("T")


def on_current_master(
    write: Callable[[redis.Redis], T], *, instance: str, db: int | None
) -> Callable[[redis.Redis], T]:
    """The write, run on the master the sentinels name now and confirmed (see above),
    as a question for call_redis; a refusal raises Refusal with the problem to tell."""
    service = connections.redis_instance(instance).sentinel.service

    def guarded(_pooled: redis.Redis) -> T:
        sentinels = connections.sentinel_manager(instance)
        before = sentinels.master_view(service)
        if before.changing:
            raise Refusal(_changing(service, "nothing was changed"))
        master = connections.sentinel_master_at(instance, db, before.address)
        replicas = _replicas_of_master(master, service)
        answer = write(master)
        if replicas and _confirmed_by(master) < 1:
            raise Refusal(_unconfirmed(service))
        if _moved_on(before, sentinels.master_view(service)):
            raise Refusal(_changing(service, "the change may be lost"))
        return answer

    return guarded


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
