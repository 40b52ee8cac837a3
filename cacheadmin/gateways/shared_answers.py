"""One broker call shared by every viewer: answers are kept for a short time, and
concurrent asks for the same thing wait for the one call in flight (single flight)."""

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any


class SharedAnswers:
    def __init__(self, *, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._answers: dict[Hashable, tuple[float, Any]] = {}
        self._in_flight: dict[Hashable, threading.Event] = {}
        self.calls = 0  # how many times the source was asked (for tests and benchmarks)

    def get(self, key: Hashable, fetch: Callable[[], Any]) -> Any:
        """fetch()'s answer for key, from the last seconds if there is one. An exception
        is not kept: the next ask tries again."""
        while True:
            with self._lock:
                kept = self._answers.get(key)
                if kept and self.clock() - kept[0] < self.seconds:
                    return kept[1]
                waiting = self._in_flight.get(key)
                if waiting is None:
                    waiting = self._in_flight[key] = threading.Event()
                    break
            waiting.wait(timeout=30)
        try:
            self.calls += 1
            answer = fetch()
            with self._lock:
                self._answers[key] = (self.clock(), answer)
                self._prune()
            return answer
        finally:
            with self._lock:
                self._in_flight.pop(key).set()

    def close(self) -> None:
        """Forget everything (the clients' reset calls this)."""
        with self._lock:
            self._answers.clear()

    def _prune(self) -> None:
        now = self.clock()
        stale = [key for key, (at, _) in self._answers.items() if now - at >= self.seconds]
        for key in stale:
            del self._answers[key]
