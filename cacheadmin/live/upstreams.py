"""Which upstream reads a feed."""

from cacheadmin.live.feeds import InvalidationsFeed, RedisFeed, SentinelFeed
from cacheadmin.live.hub import Upstream
from cacheadmin.live.protocol import Feed
from cacheadmin.live.rabbit_tap import RabbitTap


def make_upstream(feed: Feed) -> Upstream:
    if feed.source == "invalidations":
        return InvalidationsFeed(feed)
    if feed.source == "rabbitmq":
        return RabbitTap(feed)
    if feed.source == "sentinel":
        return SentinelFeed(feed)
    return RedisFeed(feed)
