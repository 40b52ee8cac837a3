"""The overview's hit-rate history, kept in the dashboard's database."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cacheadmin.gateways import connections
from cacheadmin.models import MetricSample
from cacheadmin.overview.metrics import hit_rate_history, sample_record

pytestmark = pytest.mark.django_db
START = timezone.now()


def at(seconds: int):
    return START + timedelta(seconds=seconds)


def test_samples_at_most_once_per_interval_and_rates_between_them():
    assert sample_record(server="s", instance=connections.instance(), hits=0, misses=0, now=at(0))
    assert not sample_record(
        server="s", instance=connections.instance(), hits=5, misses=5, now=at(5)
    )  # too soon
    sample_record(server="s", instance=connections.instance(), hits=30, misses=10, now=at(10))
    sample_record(
        server="s", instance=connections.instance(), hits=30, misses=10, now=at(20)
    )  # no lookups
    sample_record(
        server="s", instance=connections.instance(), hits=2, misses=0, now=at(30)
    )  # the counters were reset
    assert [point["rate"] for point in hit_rate_history(server="s")] == [0.75, None, None]
    assert hit_rate_history(server="other") == []


def test_an_hour_is_kept():
    for minute in range(0, 90, 5):
        sample_record(
            server="s", instance=connections.instance(), hits=minute, misses=0, now=at(minute * 60)
        )
    assert MetricSample.objects.filter(server="s").count() == 13  # 30..90 min, inclusive


def test_the_overview_records_and_charts_samples(services, viewer_client, redis_client):
    viewer_client.get("/")
    MetricSample.objects.update(at=timezone.now() - timedelta(seconds=30))
    redis_client.set("k", "v")
    redis_client.get("k")
    html = viewer_client.get("/").content.decode()
    assert html.count('class="bar"') == 1 and "100.0 %" in html
