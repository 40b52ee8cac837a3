"""A queue's recent depth and rates from the management API's own sample history
(lengths_age / msg_rates_age), so the chart needs nothing kept by the dashboard.
Plain points by series name, (unix seconds, value), None for a gap: the page draws them."""

Points = list[tuple[float, float | None]]

SPAN_SECONDS = 600  # what the broker keeps at its finest grain by default ("basic": 600 s)
STEP_SECONDS = 10
HISTORY_PARAMS = {
    "lengths_age": SPAN_SECONDS,
    "lengths_incr": STEP_SECONDS,
    "msg_rates_age": SPAN_SECONDS,
    "msg_rates_incr": STEP_SECONDS,
}
DEPTHS = (("messages_ready", "ready"), ("messages_unacknowledged", "unacked"))
RATES = (("publish", "publish"), ("deliver_get", "deliver"), ("ack", "ack"))


def depth_series(queue: dict) -> dict[str, Points]:
    """Ready and unacknowledged messages at each sample."""
    return {label: _samples(queue.get(f"{field}_details")) for field, label in DEPTHS}


def rate_series(queue: dict) -> dict[str, Points]:
    """Messages per second between samples of the broker's cumulative counters."""
    stats = queue.get("message_stats") or {}
    return {label: _rates(_samples(stats.get(f"{name}_details"))) for name, label in RATES}


def _samples(details) -> list[tuple[float, float]]:
    """(seconds, value) of the samples that are numbers, oldest first."""
    samples = details.get("samples") if isinstance(details, dict) else None
    if not isinstance(samples, list):
        return []
    points = [
        (sample["timestamp"] / 1000, sample["sample"])
        for sample in samples
        if isinstance(sample, dict)
        and _number(sample.get("timestamp"))
        and _number(sample.get("sample"))
    ]
    return sorted(points)


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _rates(counts: list[tuple[float, float]]) -> list[tuple[float, float | None]]:
    """A counter that went back (a restarted node) gives a gap, not a negative rate."""
    rates = []
    for (before, earlier), (at, later) in zip(counts, counts[1:], strict=False):
        seconds = at - before
        if seconds > 0:
            rates.append((at, (later - earlier) / seconds if later >= earlier else None))
    return rates
