"""The sampler's history as the pages chart it: a series' points over a span, from the
finest tier that holds the span (with the finer tiers' newer points after its last, so
the chart reaches now), a gap only where no sampler ran; and rates from counts."""

import time

from cacheadmin.models import Sample, SampledSeries
from cacheadmin.monitoring.tiers import tier_for, tiers

Points = list[tuple[float, float | None]]  # (unix seconds, value); None: a gap


def points(
    *, instance: str, figure: str, subject: str, span: float, now: float | None = None
) -> Points:
    """The series' points over the last span seconds, oldest first; [] when the sampler
    never read it."""
    now = time.time() if now is None else now
    series = SampledSeries.objects.filter(instance=instance, figure=figure, subject=subject)
    series_id = series.values_list("id", flat=True).first()
    return [] if series_id is None else series_points(series_id, span=span, now=now)


def series_points(series_id: int, *, span: float, now: float) -> Points:
    chosen = tier_for(span)
    found: list[tuple[int, float]] = []
    after = now - span
    for tier in reversed([tier for tier in tiers() if tier.step <= chosen.step]):
        # the coarsest first, then each finer tier's points newer than it has
        rows = Sample.objects.filter(series_id=series_id, step=tier.step, at__gte=after)
        newer = list(rows.order_by("at").values_list("at", "value"))
        found += newer
        if newer:
            after = newer[-1][0] + tier.step
    return with_gaps(found, step=chosen.step)


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
