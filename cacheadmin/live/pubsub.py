"""What is being published on a Redis server: active channels with their subscriber
counts, pattern subscriptions, and whether keyspace notifications are on."""

import re

import redis

from cacheadmin.core.keycodec import display_key

MAX_CHANNELS = 200  # PUBSUB CHANNELS has no COUNT: we show the first ones
# K keyspace, E keyevent; g generic, $ string, l list, s set, h hash, z sorted set,
# x expired, e evicted, t stream, m key miss, n new key, d module; A = g$lshzxetd.
FLAGS = re.compile(r"\A[KEg$lshzxeAtmnd]{0,20}\Z")
PRESETS = (
    ("Exe", "expired and evicted keys, as key events"),
    ("Eg$xe", "deletes, renames, expiries, string writes and evictions, as key events"),
    ("KEA", "everything, as keyspace and key events (costly on a busy server)"),
    ("", "off"),
)


def pubsub_overview(client: redis.Redis) -> dict:
    """Channels with subscribers (the first MAX_CHANNELS), their counts, and NUMPAT;
    two round trips."""
    channels = sorted(client.pubsub_channels())
    shown = channels[:MAX_CHANNELS]
    with client.pipeline(transaction=False) as pipe:
        pipe.pubsub_numpat()
        pipe.config_get("notify-keyspace-events")
        if shown:
            pipe.pubsub_numsub(*shown)
        numpat, config, *numsub = pipe.execute(raise_on_error=False)
    counts = numsub[0] if numsub and isinstance(numsub[0], list) else []
    return {
        "channels": [{"name": display_key(name), "subscribers": count} for name, count in counts],
        "total": len(channels),
        "patterns": numpat if isinstance(numpat, int) else None,
        "keyspace_events": keyspace_flags(config),
    }


def keyspace_flags(config) -> str | None:
    """The setting, or None when CONFIG is forbidden (managed servers rename it)."""
    if not isinstance(config, dict):
        return None
    value = next(iter(config.values()), b"")
    return value.decode() if isinstance(value, bytes) else str(value)


def set_keyspace_events(client: redis.Redis, flags: str) -> str:
    """CONFIG SET notify-keyspace-events; the setting as Redis now reports it."""
    client.config_set("notify-keyspace-events", flags)
    return keyspace_flags(client.config_get("notify-keyspace-events")) or ""
