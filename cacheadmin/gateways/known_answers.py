"""What each service last answered, so a page answers at once from the last known
state while fresh figures are asked in the background.

A read starts an ask of its own unless one is in flight (one at a time per question
and process, each bounded by its service's timeout), then waits for it a short while
only: a server that answered last time is waited for up to `wait` seconds from the
ask's start (a healthy one answers in milliseconds, so its figures are fresh), unless
its last ask took longer than that (a server that hangs, until its timeout): that one
is not waited for at all, and its last figures are shown with the moment it stopped
answering. An ask still in flight after `overdue` seconds (past every timeout) is
failing from its start, as if it had failed then: a question is never shown as
answering while its ask hangs."""

import dataclasses
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cacheadmin.gateways.problems import ERROR, TIMEOUT, Problem

Ask = Callable[[], tuple[Any, Problem | None]]
THREADS = 32  # questions asked at once by a process; more wait for a thread


@dataclass(frozen=True)
class Known:
    """A question's last known state: its last answer (None: never answered), when
    that answer came, and, while asks fail, the last problem and since when."""

    answer: Any = None
    answered_at: datetime | None = None
    problem: Problem | None = None
    failing_since: datetime | None = None
    took: float = 0.0  # seconds the last ask took

    @property
    def failing(self) -> bool:
        return self.failing_since is not None

    def age(self) -> float | None:
        """Seconds since the answer shown came; None when none ever did."""
        if self.answered_at is None:
            return None
        return (datetime.now(UTC) - self.answered_at).total_seconds()

    def stale(self, fresh_seconds: float) -> bool:
        """Whether what is shown is not the service's state now: its last ask failed,
        or its answer is older than fresh_seconds."""
        age = self.age()
        return self.failing or age is None or age > fresh_seconds


@dataclass
class _Flight:
    future: Future
    started: float  # monotonic
    began: datetime


class KnownAnswers:
    def __init__(self, threads: int = THREADS):
        self._lock = threading.Lock()
        self._known: dict[Hashable, Known] = {}
        self._flights: dict[Hashable, _Flight] = {}
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="known")
        self._closed = False

    def read_all(
        self,
        asks: dict[Hashable, Ask],
        *,
        wait: float,
        first_wait: float | None = None,
        overdue: float | None = None,
    ) -> dict[Hashable, Known]:
        """Each question's known state, its fresh answer where one came within wait
        seconds of its ask's start (all asked at once); never waits longer. A question
        never answered nor failed yet is waited for first_wait seconds, if given; one
        whose ask has been in flight for more than overdue seconds is failing since
        that ask began."""
        flights = {key: self._ask(key, ask) for key, ask in asks.items()}
        with self._lock:
            known = {key: self._known.get(key) for key in asks}
        for key, flight in flights.items():
            if known[key] is None and first_wait is not None:
                waited = first_wait
            elif known[key] is not None and known[key].took > wait:
                continue  # it hangs, or did last time: shown as it was, never waited for
            else:
                waited = wait
            left = flight.started + waited - time.monotonic()
            wait_for([flight.future], timeout=max(0.0, left))
        with self._lock:
            return {key: self._seen(key, flights[key], overdue) for key in asks}

    def close(self) -> None:
        """Forget every answer (a change of settings); asks in flight end unheard, and
        a read after this one says so rather than asking."""
        with self._lock:
            self._closed = True
            self._known.clear()
            self._flights.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _seen(self, key: Hashable, flight: _Flight, overdue: float | None) -> Known:
        """The known state of key as a read shows it (the lock held)."""
        known = self._known.get(key, Known())
        running = time.monotonic() - flight.started
        if flight.future.done() or overdue is None or running <= overdue:
            return known
        problem = Problem(TIMEOUT, f"No answer after {running:.0f} seconds.")
        return _failing(known, problem, flight, running)

    def _ask(self, key: Hashable, ask: Ask) -> _Flight:
        with self._lock:
            flight = self._flights.get(key)
            if flight is None:
                flight = _Flight(Future(), time.monotonic(), datetime.now(UTC))
                if self._closed:  # settings changed under this read: nothing to ask
                    flight.future.set_result(None)
                    return flight
                flight.future = self._pool.submit(self._answer, key, ask, flight)
                self._flights[key] = flight
            return flight

    def _answer(self, key: Hashable, ask: Ask, flight: _Flight) -> None:
        try:
            answer, problem = ask()
        except Exception as exc:  # a question's bug: said as its problem, never raised
            answer, problem = None, Problem(ERROR, f"{type(exc).__name__}: {exc}")
        took = time.monotonic() - flight.started
        with self._lock:
            if self._flights.get(key) is not flight:
                return  # forgotten meanwhile (close): settings changed under it
            del self._flights[key]
            before = self._known.get(key, Known())
            if problem is None:
                self._known[key] = Known(answer, datetime.now(UTC), took=took)
            else:
                self._known[key] = _failing(before, problem, flight, took)


def _failing(before: Known, problem: Problem, flight: _Flight, took: float) -> Known:
    """before, its figures kept, failing with problem since its first failed ask began."""
    since = before.failing_since or flight.began
    return dataclasses.replace(before, problem=problem, failing_since=since, took=took)
