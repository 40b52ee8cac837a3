"""Filters that turn raw figures into what an admin reads at a glance."""

from django import template

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
}


@register.filter
def problem_title(kind: str) -> str:
    return PROBLEM_TITLES.get(kind, "Problem")


@register.filter
def figure(value: int | float | None) -> str:
    """A count with thousands separators; a dash when the service did not report it."""
    if value is None or isinstance(value, bool):
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"
