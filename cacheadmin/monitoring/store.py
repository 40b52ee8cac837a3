"""The sampler's history in the dashboard's database: a round's readings written in one
insert, rolled up into coarser steps as minutes end, and pruned to its retention and a
hard cap on rows."""

from collections import defaultdict
from statistics import fmean

from django.conf import settings
from django.db.models import Exists, Max, Min, OuterRef, Q

from cacheadmin.models import InstanceSampled, Sample, SampledSeries
from cacheadmin.monitoring.figures import COUNT, FIGURES, IDENTITY, Reading
from cacheadmin.monitoring.tiers import tiers


def write(instance: str, at: int, readings: list[Reading]) -> int:
    """Store an instance's readings of the round starting at `at`; a second write of
    the same round (another sampler, a retry) adds nothing. Returns the rows offered."""
    if not readings:
        return 0
    ids = _series_ids(instance, readings)
    step = tiers()[0].step
    rows = [
        Sample(series_id=ids[(r.figure, r.subject)], step=step, at=at, value=r.value)
        for r in readings
    ]
    Sample.objects.bulk_create(rows, ignore_conflicts=True)
    InstanceSampled.objects.bulk_create(
        [InstanceSampled(instance=instance, at=at)],
        update_conflicts=True,
        unique_fields=["instance"],
        update_fields=["at"],
    )
    return len(rows)


def _series_ids(instance: str, readings: list[Reading]) -> dict[tuple[str, str], int]:
    """The series of these readings, made where they are new: one query, or three."""
    ids = _known_series(instance, readings)
    new = {(r.figure, r.subject): r.labels for r in readings if (r.figure, r.subject) not in ids}
    if new:
        made = [
            SampledSeries(instance=instance, figure=figure, subject=subject, labels=labels)
            for (figure, subject), labels in new.items()
        ]
        SampledSeries.objects.bulk_create(made, ignore_conflicts=True)
        ids = _known_series(instance, readings)
    return ids


def _known_series(instance: str, readings: list[Reading]) -> dict[tuple[str, str], int]:
    figures = {reading.figure for reading in readings}
    known = SampledSeries.objects.filter(instance=instance, figure__in=figures)
    return {
        (figure, subject): id
        for id, figure, subject in known.values_list("id", "figure", "subject")
    }


def roll_up(now: int) -> int:
    """Each coarser tier gets a sample for every interval of the finer one that has
    ended since its last: the mean of a level, the largest of a count. Returns the rows
    made."""
    made = 0
    levels = tiers()
    for finer, coarser in zip(levels, levels[1:], strict=False):
        made += _roll(finer.step, coarser.step, now)
    return made


def _roll(finer: int, coarser: int, now: int) -> int:
    last = Sample.objects.filter(step=coarser).aggregate(last=Max("at"))["last"]
    if last is None:
        first = Sample.objects.filter(step=finer).aggregate(first=Min("at"))["first"]
        if first is None:
            return 0
        start = first - first % coarser
    else:
        start = last + coarser
    end = now - now % coarser  # intervals that ended
    if start >= end:
        return 0
    rows = Sample.objects.filter(step=finer, at__gte=start, at__lt=end).values_list(
        "series_id", "series__figure", "at", "value"
    )
    grouped = defaultdict(list)
    for series_id, figure, at, value in rows:
        grouped[(series_id, figure, at - at % coarser)].append(value)
    Sample.objects.bulk_create(
        [
            Sample(series_id=series_id, step=coarser, at=at, value=_combined(figure, values))
            for (series_id, figure, at), values in grouped.items()
        ],
        ignore_conflicts=True,
    )
    return len(grouped)


def _combined(figure: str, values: list[float]) -> float:
    known = FIGURES.get(figure)
    return max(values) if known and known.rolls_up in (COUNT, IDENTITY) else fmean(values)


def prune(now: int) -> int:
    """Forget every tier's samples older than it keeps: one delete. Returns the rows."""
    expired = Q()
    for tier in tiers():
        expired |= Q(step=tier.step, at__lt=now - tier.keep)
    return Sample.objects.filter(expired).delete()[0]


def cap() -> int:
    """Past SAMPLE_MAX_ROWS, each tier keeps its share of the rows, its oldest going
    first; then the series left without a sample go. Returns the samples deleted."""
    counts = {tier.step: Sample.objects.filter(step=tier.step).count() for tier in tiers()}
    deleted = 0
    if sum(counts.values()) > settings.SAMPLE_MAX_ROWS:
        for step, allowed in shares(counts, settings.SAMPLE_MAX_ROWS).items():
            if counts[step] > allowed:
                rows = Sample.objects.filter(step=step)
                oldest = rows.order_by("at").values_list("at", flat=True)
                cutoff = oldest[counts[step] - allowed]
                deleted += rows.filter(at__lt=cutoff).delete()[0]
    emptied = ~Exists(Sample.objects.filter(series=OuterRef("pk")))
    SampledSeries.objects.filter(emptied).delete()
    return deleted


def shares(counts: dict[int, int], budget: int) -> dict[int, int]:
    """The rows each tier may keep: the budget split as the tiers' natural sizes (a
    series' rows over each one's span), so every tier's span shrinks alike, rather than
    the last hour being cut for the month's tail; what a tier does not use goes to the
    others."""
    natural = {tier.step: tier.keep / tier.step for tier in tiers()}
    over = set(counts)
    while over:
        whole = sum(natural[step] for step in over)
        share = {step: int(budget * natural[step] / whole) for step in over}
        within = {step for step in over if counts[step] <= share[step]}
        if not within:
            return share
        budget -= sum(counts[step] for step in within)
        over -= within
    return {}
