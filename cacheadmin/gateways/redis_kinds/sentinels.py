"""redis-py's Sentinel clients, taking the master named by the sentinel whose view is
newest rather than by the first sentinel that answers.

During a failover a sentinel that has not heard of it yet still names the old master.
Should that one be back meanwhile (restarted: empty, and a master until the sentinels
demote it), redis-py would connect there, and an invalidation job would find nothing
to delete and say it was done. Each sentinel's view of a service carries the config
epoch it was made in; a failover raises it.
"""

from dataclasses import dataclass

import redis
from redis.asyncio.sentinel import Sentinel as AsyncSentinel
from redis.sentinel import MasterNotFoundError, Sentinel

UNANSWERED = (redis.ConnectionError, redis.TimeoutError)


def newest_master(states: list[dict], service: str, errors: list[str]) -> tuple[str, int]:
    """The address in the view with the highest config epoch among the sentinels'
    views of the service that name a master in good health."""
    if not states:
        said = f": {', '.join(errors)}" if errors else ""
        raise MasterNotFoundError(f"No master found for {service!r}{said}")
    newest = max(states, key=lambda state: state.get("config-epoch", 0))
    return newest["ip"], newest["port"]


def failover_under_way(states: list[dict], address: tuple[str, int]) -> bool:
    """Whether a sentinel says the master at address is being failed over: its leader
    flags it until the switch, and meanwhile the others still name that master, which
    the promoted replica has left. (Once a view names the promoted one, writes go there.)"""
    return any(
        "failover_in_progress" in state.get("flags", "")
        and (state.get("ip"), state.get("port")) == address
        for state in states
    )


@dataclass(frozen=True)
class MasterView:
    """The master the newest view names, that view's config epoch, and whether some
    sentinel says a failover is under way."""

    address: tuple[str, int]
    epoch: int
    changing: bool


class NewestSentinel(Sentinel):
    """A Sentinel whose master is the newest view's (newest_master): every sentinel is
    asked, each time a connection needs the master's address."""

    def discover_master(self, service_name: str) -> tuple[str, int]:
        return self.master_view(service_name).address

    def master_view(self, service_name: str) -> MasterView:
        """Every sentinel's view of the service, made one."""
        states, errors, every = [], [], []
        for sentinel in self.sentinels:
            try:
                state = sentinel.sentinel_masters().get(service_name)
            except UNANSWERED as exc:
                errors.append(f"{sentinel} - {exc!r}")
                continue
            every += [state] if state else []
            if state and self.check_master_state(state, service_name):
                states.append(state)
        address = newest_master(states, service_name, errors)
        epoch = max(state.get("config-epoch", 0) for state in states)
        return MasterView(address, epoch, failover_under_way(every, address))


class NewestAsyncSentinel(AsyncSentinel):
    """NewestSentinel for the asyncio clients of the live feeds."""

    async def discover_master(self, service_name: str) -> tuple[str, int]:
        states, errors = [], []
        for sentinel in self.sentinels:
            try:
                state = (await sentinel.sentinel_masters()).get(service_name)
            except UNANSWERED as exc:
                errors.append(f"{sentinel} - {exc!r}")
                continue
            if state and self.check_master_state(state, service_name):
                states.append(state)
        return newest_master(states, service_name, errors)
