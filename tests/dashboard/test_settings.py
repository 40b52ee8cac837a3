"""Settings from the environment: defaults that run, loud failures on bad values."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from dashboard import env


def test_bool_words(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")
    assert env.env_bool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "0")
    assert env.env_bool("FLAG", True) is False
    monkeypatch.delenv("FLAG")
    assert env.env_bool("FLAG", True) is True


def test_bad_bool_fails_loudly(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be"):
        env.env_bool("DEBUG", False)


@pytest.mark.parametrize("raw", ["soon", "0", "-1", "nan", "inf"])
def test_bad_timeout_fails_loudly(monkeypatch, raw):
    monkeypatch.setenv("REDIS_TIMEOUT", raw)
    with pytest.raises(ImproperlyConfigured, match="REDIS_TIMEOUT"):
        env.env_float("REDIS_TIMEOUT", 2.0)


def test_hosts_list(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "a.example, b.example,,")
    assert env.env_list("ALLOWED_HOSTS", []) == ["a.example", "b.example"]


def test_secret_key_is_generated_once_and_kept_private(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = env.secret_key(tmp_path)
    assert len(first) > 50
    assert env.secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert env.secret_key(tmp_path) == "from-the-environment"


def test_no_redis_setting_reaches_the_users_server(services, settings, redis_server):
    """Every Redis the dashboard talks to is the tests' own during the tests."""
    import dashboard.settings as module

    redis_urls = {
        name: getattr(settings, name)
        for name in dir(module)
        if name.isupper() and "REDIS" in name and name.endswith("_URL")
    }
    ours = f"redis://127.0.0.1:{redis_server.port}/"
    assert redis_urls and all(url.startswith(ours) for url in redis_urls.values()), redis_urls
    hosts = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"]
    assert all(host["address"].startswith(ours) for host in hosts)
