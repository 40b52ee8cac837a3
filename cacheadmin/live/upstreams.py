"""Which upstream reads a feed."""

from cacheadmin.live.celery_feed import CeleryRabbitTap, CeleryRedisFeed
from cacheadmin.live.feeds import InvalidationsFeed, RedisFeed, SentinelFeed
from cacheadmin.live.hub import Upstream
from cacheadmin.live.protocol import Feed
from cacheadmin.live.rabbit_tap import RabbitTap


def make_upstream(feed: Feed) -> Upstream:
    if feed.source == "invalidations":
        return InvalidationsFeed(feed)
    if feed.source == "rabbitmq":
        return RabbitTap(feed)
    if feed.source == "celery":
        return CeleryRabbitTap(feed) if feed.exchange else CeleryRedisFeed(feed)
    if feed.source == "sentinel":
        return SentinelFeed(feed)
    return RedisFeed(feed)
