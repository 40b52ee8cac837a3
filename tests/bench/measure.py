"""Timing helpers shared by the benchmarks."""

import statistics
import time


def median_ms(call, runs: int) -> tuple[float, object]:
    """The median time of call() over runs, in ms, and its last result."""
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else float("nan")
