"""A Redis server as a kombu broker: the URL and TLS options a Celery app needs to
reach it, from the client the dashboard already has (the same user, password,
database and certificates). The URL holds the password: never show it or log it."""

from dataclasses import dataclass
from urllib.parse import quote

import redis


@dataclass(frozen=True)
class BrokerAddress:
    url: str
    ssl: tuple[tuple[str, object], ...] = ()  # kombu's broker_use_ssl; empty: plain TCP


SSL_OPTIONS = ("ssl_cert_reqs", "ssl_ca_certs", "ssl_certfile", "ssl_keyfile")


def broker_of(client: redis.Redis) -> BrokerAddress:
    """The server a client talks to, as kombu's Redis transport names it."""
    pool = client.connection_pool
    kwargs = pool.connection_kwargs
    db = kwargs.get("db", 0)
    if "path" in kwargs:  # a unix socket
        return BrokerAddress(f"redis+socket://{quote(kwargs['path'])}?virtual_host={db}")
    secure = issubclass(pool.connection_class, redis.SSLConnection)
    username, password = kwargs.get("username") or "", kwargs.get("password") or ""
    userinfo = f"{quote(username, safe='')}:{quote(password, safe='')}@" if password else ""
    host = kwargs.get("host", "localhost")
    where = f"[{host}]" if ":" in host else host
    url = f"{'rediss' if secure else 'redis'}://{userinfo}{where}:{kwargs.get('port', 6379)}/{db}"
    ssl = tuple(
        (name, kwargs[name]) for name in SSL_OPTIONS if secure and kwargs.get(name) is not None
    )
    return BrokerAddress(url, ssl)
