"""A report's figures as its pages draw them: the expiry forecast and the TTL histogram
as bars, and two reports' namespaces side by side."""

from django.template.defaultfilters import filesizeformat

from cacheadmin.display.charts import bar_chart
from cacheadmin.display.format_tags import figure

FORECAST_BAR_MINUTES = 10  # 144 bars for the 24 hours


def forecast_bars(forecast: list[dict], started_ms: int) -> dict:
    """Keys that expire in each ten minutes of the 24 hours after the analysis began,
    as bars on the scale of the busiest."""
    bars = [[0, 0] for _ in range(24 * 60 // FORECAST_BAR_MINUTES)]
    for row in forecast:
        bar = bars[min(len(bars) - 1, row["minute"] // FORECAST_BAR_MINUTES)]
        bar[0] += row["keys"]
        bar[1] += row["memory"]
    top = max((keys for keys, _ in bars), default=0) or 1
    points = [
        (keys / top, f"{_from_start(index)}: {figure(keys)} keys, {filesizeformat(memory)}")
        for index, (keys, memory) in enumerate(bars)
    ]
    return bar_chart(points, label="keys expiring per ten minutes", figure="forecast")


def _from_start(index: int) -> str:
    minutes = index * FORECAST_BAR_MINUTES
    return f"+{minutes // 60} h {minutes % 60:02d} min"


def ttl_bars(histogram: list[dict]) -> dict:
    top = max((row["keys"] for row in histogram), default=0) or 1
    points = [
        (row["keys"] / top, f"{row['up_to']}: {figure(row['keys'])} keys") for row in histogram
    ]
    return bar_chart(points, label="keys by TTL", figure="ttl-histogram", small=True)


def comparison(first: dict, second: dict) -> list[dict]:
    """Every namespace of either report, with its keys and memory in each and the change,
    the biggest change in memory first."""
    before = {space["prefix_b64"]: space for space in first["namespaces"]}
    after = {space["prefix_b64"]: space for space in second["namespaces"]}
    rows = []
    for name in before.keys() | after.keys():
        was, now = before.get(name), after.get(name)
        shown = (now or was)["prefix"]
        keys = (was["keys"] if was else 0, now["keys"] if now else 0)
        memory = (was["memory"] if was else 0, now["memory"] if now else 0)
        rows.append(
            {
                "prefix": shown,
                "prefix_b64": name,
                "keys": keys,
                "keys_change": keys[1] - keys[0],
                "memory": memory,
                "memory_change": memory[1] - memory[0],
                "memory_change_size": abs(memory[1] - memory[0]),
                "only_in": "" if was and now else ("first" if was else "second"),
            }
        )
    return sorted(rows, key=lambda row: (-abs(row["memory_change"]), row["prefix_b64"]))
