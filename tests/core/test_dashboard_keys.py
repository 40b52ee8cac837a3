"""The dashboard's own keys share one prefix, and the channel layer uses it."""

from django.conf import settings

from cacheadmin.core import dashboard_keys


def test_every_own_key_has_the_prefix():
    assert dashboard_keys.job_counter_key(7) == "cacheadmin:dashboard:jobs:7:deleted"
    assert dashboard_keys.is_dashboard_key(dashboard_keys.job_counter_key(7).encode())
    assert not dashboard_keys.is_dashboard_key(b"cacheadmin:dashboards")


def test_the_channel_layer_keeps_its_keys_under_it():
    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    assert prefix.startswith(dashboard_keys.PREFIX)
