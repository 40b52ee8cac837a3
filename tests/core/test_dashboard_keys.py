"""The dashboard's own keys share one prefix, and the channel layer uses it."""

import pytest

from cacheadmin.gateways import dashboard_keys
from dashboard import settings as configured  # the module: the tests' fixtures override


def test_every_own_key_has_the_prefix():
    assert dashboard_keys.job_counter_key(7) == "cacheadmin:dashboard:jobs:7:deleted"
    assert dashboard_keys.is_dashboard_key(dashboard_keys.job_counter_key(7).encode())
    assert not dashboard_keys.is_dashboard_key(b"cacheadmin:dashboards")


def test_the_settings_keep_the_channel_layer_under_it():
    assert configured.DASHBOARD_KEY_PREFIX == dashboard_keys.PREFIX
    prefix = configured.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    assert prefix.startswith(dashboard_keys.PREFIX)


def test_a_unix_socket_redis_url_is_not_read_as_a_database(settings):
    from cacheadmin.gateways import connections
    from cacheadmin.gateways.redis_kinds import clients

    settings.REDIS_URL = "unix:///run/redis/redis.sock?db=2"
    clients._database_in(connections.instance("default").redis)  # a socket's path
    settings.REDIS_URL = "redis://127.0.0.1:6379/notadb"
    with pytest.raises(connections.ConfigError, match="REDIS_URL names the database"):
        connections.keyspace(connections.instance())
