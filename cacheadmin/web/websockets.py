"""The stack every websocket goes through: origin check, session auth, role check, and
a clean refusal for a path that is no websocket of ours."""

import re
from urllib.parse import urlsplit

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.urls import re_path

from cacheadmin.web.roles import can_view

# An open socket outlives no account and no role: its user is read again this often,
# and the socket closed with ACCESS_ENDED (which the pages explain) once it may see no more.
ACCESS_CHECK_SECONDS = 30.0
ACCESS_ENDED = 4403


def handshake_header(scope: dict, name: bytes) -> str | None:
    for header, value in scope.get("headers", []):
        if header == name:
            return value.decode("latin1")
    return None


DEFAULT_PORTS = {"http": 80, "https": 443}


def normal_origin(scheme: str, host: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the default port spelled out; None when unreadable."""
    try:
        parts = urlsplit(f"{scheme}://{host}")
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    return (parts.scheme, parts.hostname or "", port) if parts.hostname else None


def own_origin(scope: dict) -> tuple[str, str, int] | None:
    """The dashboard's origin as this handshake reached it: the Host header, when that
    host is one of ALLOWED_HOSTS, and the scheme: https when the socket is wss or the
    dashboard is served over HTTPS only (SECURE_COOKIES; daphne leaves the websocket's
    scheme out behind a TLS proxy)."""
    host = handshake_header(scope, b"host")
    if not host:
        return None
    domain, _ = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    secure = scope.get("scheme") in ("wss", "https") or settings.SESSION_COOKIE_SECURE
    return normal_origin("https" if secure else "http", host.lower())


# What a browser sends as Origin: scheme://host[:port], nothing more (no user part, no
# space, a port in plain digits); anything else is no origin of ours.
ORIGIN = re.compile(r"\A(https?)://([a-z0-9.-]+|\[[0-9a-f:.]+\])(:[1-9][0-9]{0,4})?\Z")


def origin_allowed(scope: dict) -> bool:
    """The whole origin (scheme, host and port) is ours or one of CSRF_TRUSTED_ORIGINS: a
    page on another port of the same host is another site. Compared exactly: an origin
    a parser would read leniently (a user part, a space, a port of +8000) is refused."""
    origin = (handshake_header(scope, b"origin") or "").lower()
    if not ORIGIN.match(origin):
        return False
    scheme, _, rest = origin.partition("://")
    seen = normal_origin(scheme, rest)
    trusted = set()
    for item in settings.CSRF_TRUSTED_ORIGINS:
        trusted_scheme, _, trusted_host = item.lower().rstrip("/").partition("://")
        trusted.add(normal_origin(trusted_scheme, trusted_host))
    return seen is not None and (seen == own_origin(scope) or seen in trusted)


class SameOriginMiddleware:
    """Refuses the handshake unless it comes from one of the dashboard's own pages."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        if not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.inner(scope, receive, send)


class RoleRequiredMiddleware:
    """Refuses the handshake unless the session's user may view the dashboard."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        user = scope.get("user")
        if user is None or not await database_sync_to_async(can_view)(user):
            return await WebsocketDenier()(scope, receive, send)
        return await self.inner(scope, receive, send)


def protected(routes: list):
    """Wrap websocket routes so that none of them is reachable without login, from
    another site, or by a path we do not serve (refused, not a server error)."""
    every_other_path = re_path(r"(?s)^.*$", WebsocketDenier.as_asgi())
    return SameOriginMiddleware(
        AuthMiddlewareStack(RoleRequiredMiddleware(URLRouter([*routes, every_other_path])))
    )
