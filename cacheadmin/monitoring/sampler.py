"""The sampler's loop: every SAMPLE_SECONDS, while it holds the lease, ask every
instance for the figures of every source, each (instance, source) in a thread of its
own and waited for no longer than its service's timeout, so a hung instance delays no
other; write each answer as it comes, then roll up and prune.

One process, one loop: a new figure is a new Source (figures.py), listed where the
sampler command lists them, never a change here."""

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, close_old_connections

from cacheadmin.gateways import connections
from cacheadmin.gateways.connections import Instance
from cacheadmin.monitoring import alerting, lease, store
from cacheadmin.monitoring.figures import Source
from cacheadmin.monitoring.notifier import Notifier, forget_old
from cacheadmin.monitoring.tiers import raw_step

Say = Callable[[str], None]
DATABASE = "database"  # a source's service when it reads the dashboard's own database
THREADS = 32  # instances x sources asked at once; more wait for a thread
CAP_EVERY = 60  # seconds between counts of the rows against SAMPLE_MAX_ROWS


def bound(source: Source) -> float:
    """How long a round waits for a source: its service's timeout, and a little for
    its own work between calls."""
    timeout = settings.REDIS_TIMEOUT if source.service == "redis" else settings.RABBITMQ_TIMEOUT
    return timeout + lease.GRACE


@dataclass
class Round:
    """What one round did, for the log and the tests: per (instance, source), the
    seconds from the round's start to its answer being written, or why none was."""

    at: int
    written: dict[tuple[str, str], float] = field(default_factory=dict)
    failed: dict[tuple[str, str], str] = field(default_factory=dict)
    seconds: float = 0.0


class Sampler:
    def __init__(self, sources: Sequence[Source], *, say: Say, complain: Say):
        self.sources = sources
        self.by_name = {source.name: source for source in sources}
        self.say = say
        self.complain = complain
        self.name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.stopping = threading.Event()
        self.pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="sampler")
        # asked and not answered yet, past a round's wait: not asked again until it answers
        self.busy: set[tuple[str, str]] = set()
        self.said: dict[tuple[str, str], str] = {}  # the last problem told, per task
        self.leading: bool | None = None  # unknown until the first turn, which says
        self.capped_at = 0.0
        self.notifier = Notifier()

    def stop(self) -> None:
        """Stop after the current round, and let another sampler take over."""
        self.stopping.set()

    def run(self, *, once: bool = False) -> None:
        step = raw_step()
        try:
            while not self.stopping.is_set():
                at = int(time.time()) // step * step
                try:
                    self.turn(at)
                except DatabaseError as exc:  # the dashboard's database, down: try again
                    self.complain(f"The dashboard's database: {exc}")
                close_old_connections()
                if once:
                    return
                # the next slot after this round's: a round that overran starts at once
                self.stopping.wait(max(0.0, at + step - time.time()))
        finally:
            self.notifier.close(int(time.time()))
            lease.release(self.name)
            self.pool.shutdown(wait=False, cancel_futures=True)

    def turn(self, at: int) -> Round | None:
        """Sample if this sampler holds the lease; say when that changes."""
        holds = lease.hold(self.name)
        if holds != self.leading:
            self.say(
                f"Sampling every {raw_step()} s as {self.name}."
                if holds
                else "Another sampler holds the lease: waiting for it to run out."
            )
            self.leading = holds
        if not holds:
            self.notifier.collect(at)  # what this sampler sent before it lost the lease
            return None
        done = self.sample(at)
        lease.round_ended(self.name)
        return done

    def sample(self, at: int) -> Round:
        """One round over every instance and source; then roll-ups and pruning."""
        started = time.monotonic()
        done = Round(at)
        asked: dict[Future, tuple[str, str]] = {}
        deadlines: dict[Future, float] = {}
        local: list[tuple[Instance, Source]] = []
        for instance in every_instance():
            for source in self.sources:
                task = (instance.name, source.name)
                if not source.wanted(instance):
                    continue
                if source.service == DATABASE:
                    local.append((instance, source))
                    continue
                if task in self.busy:  # still hanging since an earlier round
                    self.silent(done, task, at, "no answer yet")
                    continue
                self.busy.add(task)
                future = self.pool.submit(source.read, instance)
                future.add_done_callback(lambda _, task=task: self.busy.discard(task))
                asked[future] = task
                deadlines[future] = started + bound(source)
        pending = set(asked)
        while pending:
            left = min(deadlines[future] for future in pending) - time.monotonic()
            finished, pending = wait(pending, timeout=max(0.0, left), return_when=FIRST_COMPLETED)
            for future in finished:
                self.record(done, asked[future], at, future, started)
            late = {future for future in pending if deadlines[future] <= time.monotonic()}
            for future in late:
                waited = deadlines[future] - started
                self.silent(done, asked[future], at, f"no answer within {waited:.1f} s")
            pending -= late
        for instance, source in local:
            self.record(done, (instance.name, source.name), at, read_now(source, instance), started)
        self.upkeep(at, unanswered={instance for instance, _ in done.failed})
        done.seconds = time.monotonic() - started
        return done

    def record(self, done: Round, task: tuple[str, str], at: int, future, started) -> None:
        try:
            readings, problem = future.result()
        except Exception as exc:  # a source's bug must not stop the other sources
            readings, problem = None, exc
        if problem is not None:
            self.tell(done, task, getattr(problem, "message", repr(problem)))
            if readings:  # what a failure says (redis.up 0) is kept too
                store.write(task[0], at, readings)
            return
        store.write(task[0], at, readings or [])
        done.written[task] = time.monotonic() - started
        if self.said.pop(task, None):
            self.say(f"{task[0]}, {task[1]}: answering again")

    def silent(self, done: Round, task: tuple[str, str], at: int, why: str) -> None:
        """A source that did not answer in time: told, and what its silence means
        written (a server's up 0), so a hung instance reads as down, not as it was."""
        self.tell(done, task, why)
        readings = getattr(self.by_name[task[1]], "silence", list)()
        if readings:
            store.write(task[0], at, readings)

    def tell(self, done: Round, task: tuple[str, str], why: str) -> None:
        """Note a failure; tell it once, not every round."""
        done.failed[task] = why
        if self.said.get(task) != why:
            self.complain(f"{task[0]}, {task[1]}: {why}")
            self.said[task] = why

    def upkeep(self, at: int, *, unanswered: set[str]) -> None:
        """The round's samples written: alert rules evaluated on them and told, then
        the history rolled up and pruned."""
        alerting.evaluate(at, unanswered)
        self.notifier.round(at)
        store.roll_up(at)
        store.prune(at)
        if time.monotonic() - self.capped_at >= CAP_EVERY:
            store.cap()
            forget_old(at)
            self.capped_at = time.monotonic()


def read_now(source: Source, instance: Instance) -> Future:
    """A source of the dashboard's database, read here: its answer as a thread's."""
    answer: Future = Future()
    try:
        answer.set_result(source.read(instance))
    except Exception as exc:  # recorded as any source's failure
        answer.set_exception(exc)
    return answer


def every_instance() -> list[Instance]:
    """Every configured instance, with its Redis, its RabbitMQ, or both."""
    configured = connections.instances()
    names = sorted(set(configured.redis) | set(configured.rabbitmq))
    return [connections.instance(name) for name in names]
