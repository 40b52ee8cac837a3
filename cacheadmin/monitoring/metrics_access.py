"""Who may scrape /metrics: a viewer's API token (Authorization: Bearer), which sees
the instances its owner may see, or an address in METRICS_ALLOW (a Prometheus server
on a trusted network), which sees every instance. A request that came through a proxy
(X-Forwarded-For, Forwarded) is never let in by its address: that is the proxy's."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

from cacheadmin.web.instance_paths import visible_instances
from cacheadmin.web.tokens import token_user

EVERY = None  # what an allowed address may see: no instance left out


def scrapable_instances(request: HttpRequest) -> tuple[bool, list[str] | None]:
    """(allowed, the instances it may see: EVERY for an allowed address)."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        user = token_user(secret.strip())
        names = visible_instances(user) if user else []
        return bool(names), names
    forwarded = "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_FORWARDED" in request.META
    if not forwarded and _allowed_address(request.META.get("REMOTE_ADDR", "")):
        return True, EVERY  # through a proxy, the address is the proxy's: a token it is
    return False, []


def _allowed_address(address: str) -> bool:
    try:
        found = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped:
        found = found.ipv4_mapped  # ::ffff:10.0.0.5 is 10.0.0.5
    return any(found in network for network in allowed_networks())


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """METRICS_ALLOW's addresses and networks (10.0.0.0/8, 127.0.0.1); a wrong entry is
    refused when the settings are read."""
    return [ipaddress.ip_network(entry) for entry in settings.METRICS_ALLOW]
