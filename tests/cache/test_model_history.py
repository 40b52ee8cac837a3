"""A model's page charts its hit rate a minute from the sampler's history of the
library's running totals: what was sampled while nobody watched, none where no sampler
ran; the page asks Redis for none of it."""

import time

import pytest

from cacheadmin.monitoring import store
from cacheadmin.monitoring.figures import Reading, model_subject
from cacheadmin.objectcache import ObjectCache
from tests.monitoring.test_sampler import sampler

pytestmark = pytest.mark.django_db


def totals(at: int, hits: int, misses: int) -> None:
    subject, labels = model_subject("user"), {"model": "user"}
    store.write(
        "default",
        at,
        [
            Reading("model.hits", subject, hits, labels),
            Reading("model.misses", subject, misses, labels),
        ],
    )


def test_a_minute_sampled_while_nobody_watched_is_charted(
    services, settings, viewer_client, redis_client
):
    settings.SAMPLE_SECONDS = 10
    ObjectCache(redis_client).model("user", inverted=[])
    minute = int(time.time()) // 60 * 60 - 600  # ten minutes ago
    totals(minute, 100, 100)
    totals(minute + 10, 103, 101)
    totals(minute + 20, 106, 102)  # six hits and two misses in that minute: 75%
    html = viewer_client.get("/cache/m/user/").content.decode()
    assert "10 min ago: 6 hits, 2 misses" in html
    assert html.count('class="bar empty"') == 59  # every other minute: no rate


def test_the_sampler_records_what_the_page_then_charts(
    services, settings, viewer_client, redis_client
):
    settings.SAMPLE_SECONDS = 10
    cache = ObjectCache(redis_client)
    users = cache.model("user", inverted=[])
    users.set(1, {"name": "ada"})
    now = int(time.time()) // 10 * 10
    keeper = sampler()
    keeper.sample(now - 10)
    for user_id in (1, 1, 2):
        users.get(user_id)
    cache.flush()
    keeper.sample(now)
    html = viewer_client.get("/cache/m/user/").content.decode()
    assert "2 hits, 1 misses" in html
