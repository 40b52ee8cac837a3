"""Behind a TLS proxy, daphne --proxy-headers gives the dashboard the client's address
(lockouts, audit) and scheme (HSTS) from X-Forwarded-For and X-Forwarded-Proto."""

import httpx
import pytest

from cacheadmin.models import AuditEntry
from tests.servers import Daphne, dashboard_env
from tests.users import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def proxied(settings):
    server = Daphne(dashboard_env(settings) | {"SECURE_COOKIES": "1"}, "--proxy-headers").start()
    yield server
    server.stop()


def from_address(server: Daphne, address: str) -> httpx.Client:
    """A browser at address, reaching the dashboard through the proxy over HTTPS."""
    forwarded = {"X-Forwarded-For": address, "X-Forwarded-Proto": "https"}
    client = httpx.Client(base_url=server.url, headers=forwarded)
    login_page = client.get("/accounts/login/")
    assert "max-age=31536000" in login_page.headers["Strict-Transport-Security"]
    token = login_page.cookies["csrftoken"]  # a secure cookie: sent by hand over http
    client.headers.update({"Cookie": f"csrftoken={token}", "X-CSRFToken": token})
    client.headers["Origin"] = f"https://127.0.0.1:{server.port}"
    return client


def log_in(client: httpx.Client, username: str, password: str) -> int:
    body = {"username": username, "password": password}
    return client.post("/accounts/login/", data=body).status_code


def test_lockouts_count_the_forwarded_address(proxied, viewer, settings):
    attacker = from_address(proxied, "203.0.113.9")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(attacker, viewer.username, "guess") == 200  # the form again
    assert log_in(attacker, viewer.username, "guess") == 429
    assert log_in(attacker, viewer.username, PASSWORD) == 429
    entry = AuditEntry.objects.filter(action="login.locked_out").earliest("id")
    assert entry.target == "from 203.0.113.9"
    elsewhere = from_address(proxied, "198.51.100.7")  # the same proxy, another person
    assert log_in(elsewhere, viewer.username, PASSWORD) == 302
