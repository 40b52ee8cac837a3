"""Filters that turn raw figures into what an admin reads at a glance."""

import re
from datetime import UTC, datetime

from django import template

from cacheadmin.display import formatting as presentation
from cacheadmin.display.charts import bar_chart
from cacheadmin.gateways.keycodec import (
    decode_key,
    display_key,
    display_name,
    encode_key,
    glob_escape,
    to_typed,
)

# A call's leading module path: 'app.tasks.send(1)' is shown 'send(1)'.
MODULE_PATH = re.compile(r"^(?:[A-Za-z_]\w*\.)+(?=[A-Za-z_]\w*\()")
register = template.Library()

UNITS = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))


@register.filter
def duration(seconds: int | float | None) -> str:
    """3 d 4 h; the two largest units only."""
    if seconds is None:
        return "–"
    remaining = int(seconds)
    if remaining <= 0:
        return "0 s"
    parts = []
    for unit, size in UNITS:
        amount, remaining = divmod(remaining, size)
        if amount:
            parts.append(f"{amount} {unit}")
    return " ".join(parts[:2])


@register.filter
def moment(iso: str | None) -> str:
    """An ISO 8601 time (as the APIs give it) to the second, in its own zone: the
    microseconds and the "T" are noise on a page. Anything else is shown as it is."""
    if not iso:
        return "–"
    try:
        when = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso)
    zone = (
        ""
        if when.utcoffset() is None
        else (" UTC" if not when.utcoffset() else when.strftime(" %z"))
    )
    return when.strftime("%Y-%m-%d %H:%M:%S") + zone


@register.filter
def percent(fraction: float | None) -> str:
    if fraction is None:
        return "–"
    return f"{fraction * 100:.1f} %"


@register.filter
def per_second(rate: float | None) -> str:
    if rate is None:
        return "–"
    return f"{rate:,.1f}/s" if rate < 100 else f"{rate:,.0f}/s"


@register.filter
def ms_duration(milliseconds: int | None) -> str:
    if milliseconds is None:
        return "–"
    if milliseconds < 1000:
        return f"{milliseconds} ms"
    return duration(milliseconds / 1000)


PROBLEM_TITLES = {
    "misconfigured": "Misconfigured",
    "unreachable": "Unreachable",
    "timeout": "Timed out",
    "refused": "Access refused",
    "error": "Error",
    "bad_request": "Not possible",
    "not_found": "Not found",
    "changed": "The server changed",
    "not_routed": "Not routed",
}


@register.filter
def problem_title(kind: str) -> str:
    return PROBLEM_TITLES.get(kind, "Problem")


@register.filter
def figure(value: int | float | None) -> str:
    """A count with thousands separators; a dash when the service did not report it."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


@register.filter
def show_key(raw: bytes | str) -> str:
    """The key as escaped text (autoescaping then makes it safe for HTML)."""
    return display_key(_bytes(raw))


@register.filter
def show_name(text: object) -> str:
    """A name from outside, its invisible and bidirectional characters escaped."""
    return display_name("" if text is None else str(text))


@register.filter
def show_text(text: object) -> str:
    """A text from outside of several lines (a traceback, an error, arguments): each
    line as show_name shows a name, the line breaks kept."""
    if text is None:
        return ""
    return "\n".join(display_name(line) for line in str(text).split("\n"))


@register.filter
def short_call(call: str) -> str:
    """A job's call without its function's module path: what differs between rows."""
    return MODULE_PATH.sub("", call, count=1)


@register.filter
def key_b64(raw: bytes | str) -> str:
    return encode_key(_bytes(raw))


@register.filter
def b64_key(encoded: str) -> bytes:
    """A key from its URL-safe base64 (as reports keep keys): key_b64's inverse."""
    return decode_key(encoded)


def _bytes(raw: bytes | str) -> bytes:
    return raw.encode() if isinstance(raw, str) else raw


@register.filter
def bucket_rule(rule: dict) -> str:
    """A model's bucket rule in words: 'id ÷ 100' or 'crc32(id) mod 512'."""
    if rule.get("rule") == "div":
        return f"id ÷ {rule.get('size')}"
    if rule.get("rule") == "crc32":
        return f"crc32(id) mod {rule.get('count')}"
    return "unknown rule"


@register.filter
def ttl(milliseconds: int | None) -> str:
    """'no TTL', 'gone', or the time left: '3 h 20 min', '850 ms'."""
    if milliseconds is None:
        return "–"
    if milliseconds == -1:
        return "no TTL"
    if milliseconds < 0:
        return "gone"
    return ms_duration(milliseconds)


@register.filter
def from_now(moment: datetime | None) -> str:
    """'in 29 s', '3 min ago', 'now': an aware time against the clock of this moment."""
    if not moment:  # None, or a template's missing variable
        return "–"
    seconds = (moment - datetime.now(UTC)).total_seconds()
    if abs(seconds) < 1:
        return "now"
    return f"in {duration(seconds)}" if seconds > 0 else f"{duration(-seconds)} ago"


@register.filter
def show_value(raw: bytes | str | int | float) -> str:
    if isinstance(raw, bytes):
        return presentation.preview(raw)
    return str(raw)


@register.filter
def as_text(raw: bytes) -> str:
    return presentation.as_text(raw)


@register.filter
def hexdump(raw: bytes) -> str:
    return presentation.hexdump(raw)


@register.filter
def pretty_json(raw: bytes) -> str | None:
    return presentation.pretty_json(raw)


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """This page's query string with some parameters changed ('' or None removes one)."""
    return _query_with(context["request"], changes)


@register.inclusion_tag("partials/pager.html", takes_context=True)
def value_pager(context, param: str) -> dict:
    """First page and next page links of a value viewer that pages by param (cursor,
    offset or after): the next page is value.next."""
    query, value = context["query"], context["value"]
    return {
        "request": context["request"],
        "query": query,
        "value": value,
        "first": not query.get(param),
        "next_url": _query_with(context["request"], {param: value.next}),
    }


def _query_with(request, changes: dict) -> str:
    query = request.GET.copy()
    for name, value in changes.items():
        if value in ("", None):
            query.pop(name, None)
        else:
            query[name] = str(value)
    return "?" + query.urlencode()


@register.filter
def typed(raw: bytes) -> str:
    """The bytes as a user would type them in a form (\\xNN for raw bytes)."""
    return to_typed(raw)


@register.filter
def prefix_glob(raw: bytes) -> str:
    """A pattern, as typed, for every key starting with these bytes."""
    return to_typed(glob_escape(raw) + b"*")


@register.inclusion_tag("partials/bar_chart.html")
def history_bars(history: list[dict]) -> dict:
    """The overview's hit rate, sample by sample."""
    points = [
        (point["rate"], f"{figure(point['lookups'])} lookups" + _rate_words(point["rate"]))
        for point in history
    ]
    return bar_chart(points, label="hit rate history", small=True, figure="history")


@register.inclusion_tag("partials/bar_chart.html")
def minute_bars(series: list[dict]) -> dict:
    """A model's hit rate, minute by minute."""
    points = [
        (point["rate"], f"{point['ago']} min ago: {point['hits']} hits, {point['misses']} misses")
        for point in series
    ]
    return bar_chart(points, label="hit rate per minute")


def _rate_words(rate: float | None) -> str:
    return "" if rate is None else f", {percent(rate)}"
