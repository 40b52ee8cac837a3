"""The sampler's history in the database: roll-ups, retention, the cap on rows, and the
points the charts read (gaps only where no sampler ran, rates from rises only)."""

import pytest

from cacheadmin.models import Sample, SampledSeries
from cacheadmin.monitoring import history, store
from cacheadmin.monitoring.figures import QUEUE_READY, RQ_FAILED, Reading

pytestmark = pytest.mark.django_db
NOW = 1_800_000_000  # a round's start, on a 10-minute boundary
DAY = 86400


def ready(value: float, subject: str = "q") -> Reading:
    return Reading(QUEUE_READY, subject, value, {"queue": subject})


def failed(value: float) -> Reading:
    return Reading(RQ_FAILED, "rq", value, {"queue": "rq"})


def rows(step: int) -> list[tuple[int, float]]:
    found = Sample.objects.filter(step=step).order_by("at")
    return list(found.values_list("at", "value"))


def test_a_round_written_twice_makes_one_row_a_series(settings):
    settings.SAMPLE_SECONDS = 10
    assert store.write("default", NOW, [ready(3), ready(4, "other"), failed(1)]) == 3
    store.write("default", NOW, [ready(3), ready(4, "other"), failed(1)])
    assert Sample.objects.count() == 3 and SampledSeries.objects.count() == 3
    store.write("second", NOW, [ready(5)])  # another instance's queue of that name
    assert SampledSeries.objects.filter(subject="q").count() == 2


def test_minutes_roll_up_as_means_of_levels_and_largest_of_counts(settings):
    settings.SAMPLE_SECONDS = 10
    start = NOW - 600
    for n in range(60):  # ten minutes of rounds, 10 s apart
        store.write("default", start + 10 * n, [ready(n % 6), failed(n // 6 * 2)])
    assert store.roll_up(NOW) == 2 * 10 + 2  # ten minutes of two series; one 10-minute each
    minutes = Sample.objects.filter(step=60, series__figure=QUEUE_READY).values_list(
        "value", flat=True
    )
    assert set(minutes) == {2.5}  # the mean of 0..5
    counts = Sample.objects.filter(step=60, series__figure=RQ_FAILED).order_by("at")
    assert list(counts.values_list("value", flat=True)) == [2.0 * m for m in range(10)]
    assert store.roll_up(NOW) == 0  # rolled once
    store.write("default", NOW, [ready(9), failed(99)])
    assert store.roll_up(NOW + 59) == 0  # its minute has not ended
    assert store.roll_up(NOW + 60) == 2


def test_each_tier_is_kept_for_its_time_and_retention_in_one_delete(settings):
    settings.SAMPLE_SECONDS = 10
    settings.SAMPLE_RETENTION_DAYS = 7
    series = SampledSeries.objects.create(instance="default", figure=QUEUE_READY, subject="q")
    ages = {10: (3599, 3601), 60: (DAY - 1, DAY + 1), 600: (7 * DAY - 1, 7 * DAY + 1)}
    for step, (kept, gone) in ages.items():
        for age in (kept, gone):
            Sample.objects.create(series=series, step=step, at=NOW - age, value=1)
    assert store.prune(NOW) == 3
    assert sorted(Sample.objects.values_list("step", "at")) == [
        (step, NOW - kept) for step, (kept, _) in sorted(ages.items())
    ]
    settings.SAMPLE_RETENTION_DAYS = 0.5  # no tier outlives retention
    store.prune(NOW)
    assert list(Sample.objects.values_list("step", flat=True)) == [10]


def test_past_the_cap_the_oldest_rows_go_and_the_series_left_without_any(settings):
    settings.SAMPLE_SECONDS = 10
    settings.SAMPLE_MAX_ROWS = 25
    store.write("default", NOW - 1000, [ready(1, "gone")])
    for n in range(30):
        store.write("default", NOW - 300 + 10 * n, [ready(n)])
    assert store.cap() == 31 - 25
    assert Sample.objects.count() == 25
    assert rows(10)[0] == (NOW - 300 + 10 * 5, 5)  # the newest 25 stay
    assert not SampledSeries.objects.filter(subject="gone").exists()


def test_a_chart_reads_the_finest_tier_and_the_newer_finer_points_after_it(settings):
    settings.SAMPLE_SECONDS = 10
    for n in range(6 * 30):  # half an hour of rounds, rolled up as they go
        store.write("default", NOW - 1800 + 10 * n, [ready(1)])
    store.roll_up(NOW - 25)  # minutes up to 30 s ago are rolled; the rest are not yet
    points = history.points(
        instance="default", figure=QUEUE_READY, subject="q", span=2 * 3600, now=NOW
    )
    steps = {b - a for (a, _), (b, _) in zip(points, points[1:], strict=False)}
    assert points[0][0] == NOW - 1800 and points[-1][0] == NOW - 10
    assert steps == {60, 10}  # minutes, then the rounds after the last minute rolled
    assert all(value == 1 for _, value in points)
    recent = history.points(instance="default", figure=QUEUE_READY, subject="q", span=600, now=NOW)
    assert len(recent) == 60 and recent[0][0] == NOW - 600


def test_a_gap_only_where_no_sampler_ran_and_rates_count_rises_only():
    found = [(0, 5.0), (10, 5.0), (20, 8.0), (120, 8.0), (130, 4.0), (140, 6.0), (150, 6.0)]
    shown = history.with_gaps(found, step=10)
    assert [value for _, value in shown] == [5, 5, 8, None, 8, 4, 6, 6]
    rates = history.per_minute(shown)
    # 3 failures in the first minute; the fall to 4 (requeued) is none, the rise 2
    assert rates == [(0, 3.0), (1, None), (120, 2.0)]


def test_past_the_cap_every_tier_keeps_its_share(settings):
    """Not the newest hour cut for the month's tail: each tier keeps rows as its span
    (an hour of 10 s samples, a day of minutes, the 10-minute ones), so each span
    shrinks alike."""
    settings.SAMPLE_SECONDS, settings.SAMPLE_RETENTION_DAYS = 10, 30
    series = SampledSeries.objects.create(instance="default", figure=QUEUE_READY, subject="q")
    Sample.objects.bulk_create(
        [Sample(series=series, step=10, at=NOW - 10 * n, value=1) for n in range(360)]
        + [Sample(series=series, step=60, at=NOW - 60 * n, value=1) for n in range(1440)]
        + [Sample(series=series, step=600, at=NOW - 600 * n, value=1) for n in range(4320)]
    )
    settings.SAMPLE_MAX_ROWS = 612  # a tenth
    store.cap()
    kept = {
        step: rows.count()
        for step, rows in ((s, Sample.objects.filter(step=s)) for s in (10, 60, 600))
    }
    assert kept == {10: 36, 60: 144, 600: 432}
    assert min(Sample.objects.filter(step=10).values_list("at", flat=True)) == NOW - 350
