"""The overview's hit-rate history, from the sampler's counts of hits and misses: the
page asks Redis for none, and shows what was sampled while nobody watched."""

import time

import pytest

from cacheadmin.monitoring import store
from cacheadmin.monitoring.figures import Reading
from cacheadmin.overview.metrics import hit_rate_history
from tests.monitoring.test_sampler import sampler

pytestmark = pytest.mark.django_db


def counted(at: int, hits: int, misses: int, instance: str = "default") -> None:
    store.write(
        instance,
        at,
        [Reading("redis.keyspace_hits", "", hits), Reading("redis.keyspace_misses", "", misses)],
    )


def test_rates_between_samples_none_without_lookups_after_a_reset_or_a_gap(settings):
    settings.SAMPLE_SECONDS = 10
    now = int(time.time()) // 10 * 10
    counted(now - 200, 0, 0)
    counted(now - 190, 30, 10)  # 30 hits, 10 misses: 75%
    counted(now - 180, 30, 10)  # no lookups
    counted(now - 170, 2, 0)  # the counters went back (a restart)
    counted(now - 100, 12, 0)  # the sampler did not run in between: a gap, then 100%
    counted(now - 90, 22, 0)
    rates = [point["rate"] for point in hit_rate_history(instance="default", now=now)]
    assert rates == [0.75, None, None, None, None, 1.0]
    assert hit_rate_history(instance="other", now=now) == []


def test_the_overview_charts_what_the_sampler_recorded(
    services, settings, viewer_client, redis_client
):
    settings.SAMPLE_SECONDS = 10
    html = viewer_client.get("/").content.decode()
    assert 'data-figure="history">No samples' in html
    now = int(time.time()) // 10 * 10
    keeper = sampler()
    keeper.sample(now - 20)
    redis_client.set("k", "v")
    redis_client.get("k")
    keeper.sample(now - 10)
    html = viewer_client.get("/").content.decode()
    (point,) = hit_rate_history(instance="default")  # the sampler's own reads count too
    assert point["lookups"] >= 1 and point["rate"] is not None
    assert html.count('class="bar"') == 1 and f"{point['rate'] * 100:.1f} %" in html
    again = viewer_client.get("/").content.decode()
    assert again.count('class="bar"') == 1  # a page view records nothing
