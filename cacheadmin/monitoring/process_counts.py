"""Counts a dashboard process keeps of itself for /metrics (what no database holds):
live messages its browsers did not get."""

_live_dropped = [0]


def live_dropped(count: int) -> None:
    """Messages a browser of this process did not get (the rate cap, a browser behind)."""
    _live_dropped[0] += count


def live_dropped_total() -> int:
    return _live_dropped[0]
