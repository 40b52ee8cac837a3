"""The channel layer: channels-redis on the dashboard's own Redis."""

from cacheadmin.gateways.dashboard_keys import CHANNEL_LAYER_PREFIX

# channels-redis waits up to 5 s in BZPOPMIN for a message. redis-py's read timeout is
# 5 s by default, so an idle wait used to end in "Timeout reading from ..." and a
# reconnection (the live invalidations feed flapped every 5.5 s): wait longer.
READ_TIMEOUT = 15.0
CONNECT_TIMEOUT = 5.0


def channel_layers(url: str) -> dict:
    host = {
        "address": url,
        "socket_timeout": READ_TIMEOUT,
        "socket_connect_timeout": CONNECT_TIMEOUT,
    }
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [host], "prefix": CHANNEL_LAYER_PREFIX},
        }
    }
