"""The sampler's history as the pages chart it: a series' points over a span, from the
finest tier that holds the span (with the finer tiers' newer points after its last, so
the chart reaches now), a gap only where no sampler ran; and rates from counts."""

import time

from cacheadmin.models import Sample, SampledSeries
from cacheadmin.monitoring.figures import FIGURES
from cacheadmin.monitoring.tiers import tier_for, tiers

Points = list[tuple[float, float | None]]  # (unix seconds, value); None: a gap
MAX_SERIES = 200  # an answer of the API says whether more matched


def points(
    *, instance: str, figure: str, subject: str, span: float, now: float | None = None
) -> Points:
    """The series' points over the last span seconds, oldest first; [] when the sampler
    never read it."""
    now = time.time() if now is None else now
    series = SampledSeries.objects.filter(instance=instance, figure=figure, subject=subject)
    series_id = series.values_list("id", flat=True).first()
    return [] if series_id is None else series_points(series_id, span=span, now=now)


def series_points(series_id: int, *, span: float, now: float, step: int | None = None) -> Points:
    """A series' points over the last span seconds (see points_of_many)."""
    return points_of_many([series_id], span=span, now=now, step=step)[series_id]


def points_of_many(
    series_ids: list[int], *, span: float, now: float, step: int | None = None
) -> dict[int, Points]:
    """Each series' points over the last span seconds, one query a tier for them all:
    the step asked, from its tier alone; else from the finest tier that holds the span,
    with each finer tier's points newer than its last, so a chart reaches now."""
    asked = next((tier for tier in tiers() if tier.step == step), None)
    chosen = asked or tier_for(span)
    used = [asked] if asked else [tier for tier in tiers() if tier.step <= chosen.step]
    found: dict[int, list[tuple[int, float]]] = {series_id: [] for series_id in series_ids}
    after = dict.fromkeys(series_ids, now - span)
    for tier in reversed(used):  # the coarsest first
        rows = Sample.objects.filter(series_id__in=series_ids, step=tier.step, at__gte=now - span)
        newest: dict[int, int] = {}
        for series_id, at, value in rows.order_by("at").values_list("series_id", "at", "value"):
            if at >= after[series_id]:
                found[series_id].append((at, value))
                newest[series_id] = at
        for series_id, at in newest.items():
            after[series_id] = at + tier.step
    return {series_id: with_gaps(found[series_id], step=chosen.step) for series_id in series_ids}


def with_gaps(found: list[tuple[int, float]], *, step: int, missed: float = 2.5) -> Points:
    """A gap where two points are further apart than `missed` steps: the sampler did not
    run there, and a line across would claim figures nobody measured."""
    shown: Points = []
    for at, value in found:
        if shown and at - shown[-1][0] > missed * step:
            shown.append((shown[-1][0] + 1, None))
        shown.append((at, value))
    return shown


def per_minute(counts: Points, *, step: int = 60) -> Points:
    """How much a count rose in each minute (each step, when coarser, as a mean per
    minute), stamped at the minute's start. A fall (entries expired, or were deleted) is
    no negative rise: it counts as none, and the next rise counts from the lower level.
    Minutes with no two successive points are gaps."""
    width = max(60, step)
    rises: dict[int, float] = {}
    for (_, old), (at, new) in zip(counts, counts[1:], strict=False):
        if old is None or new is None:
            continue
        bucket = int(at) - int(at) % width
        rises[bucket] = rises.get(bucket, 0.0) + max(0.0, new - old)
    per = [(bucket, rise * 60 / width) for bucket, rise in sorted(rises.items())]
    return with_gaps(per, step=width, missed=1.5)  # a minute without a rate is a gap


def series_of(*, instance: str, figure: str) -> list[SampledSeries]:
    """Every series of a figure on an instance, by their labels' order."""
    found = SampledSeries.objects.filter(instance=instance, figure=figure)
    return sorted(found, key=lambda series: sorted(series.labels.items()))


def history_of(instance: str, asked: dict, *, now: float) -> dict:
    """Every matching series of the figure, with its points since `since`."""
    since = asked["since"] if asked["since"] is not None else now - 3600
    span = max(1.0, now - since)
    found = SampledSeries.objects.filter(instance=instance, figure=asked["metric"])
    for label in ("model", "queue", "vhost"):
        if asked[label]:
            found = found.filter(**{f"labels__{label}": asked[label]})
    matched = list(found.order_by("id")[: MAX_SERIES + 1])
    given = matched[:MAX_SERIES]
    points = points_of_many([one.id for one in given], span=span, now=now, step=asked["step"])
    series = [{"labels": one.labels, "points": points[one.id]} for one in given]
    figure = FIGURES[asked["metric"]]
    return {
        "instance": instance,
        "metric": figure.name,
        "meaning": figure.meaning,
        "since": int(since),
        "series": series,
        "more": len(matched) > MAX_SERIES,
    }
