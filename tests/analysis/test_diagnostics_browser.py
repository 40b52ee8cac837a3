"""An operator reads the diagnostics in Chromium: hostile key names in the slow log and a
hostile client name shown as text, and that client's connection ended after the
confirmation."""

import os

import pytest
import redis
from playwright.sync_api import expect

from tests.browser_fixtures import log_in
from tests.users import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = '<img src=x onerror="alert(1)">\u202eevil'
SHOWN = '<img src=x onerror="alert(1)">\\u202eevil'


def test_an_operator_reads_hostile_names_and_ends_a_client(
    page, asgi_server, operator, redis_server, redis_client
):
    before = redis_client.config_get("slowlog-log-slower-than")["slowlog-log-slower-than"]
    redis_client.config_set("slowlog-log-slower-than", 0)
    try:
        redis_client.set(HOSTILE.encode(), "x")
    finally:
        redis_client.config_set("slowlog-log-slower-than", before)
    # Redis allows no space, control or non-ASCII in a client's name; markup it does.
    other = redis.Redis(port=redis_server.port, client_name="app<b>bold</b>")
    other.ping()
    log_in(page, asgi_server, operator.username, PASSWORD)

    page.goto(f"{asgi_server.url}/diagnostics/slowlog")
    expect(page.locator("[data-figure=slow-command]", has_text="SET").first).to_contain_text(SHOWN)
    expect(page.locator("img")).to_have_count(0)
    page.goto(f"{asgi_server.url}/diagnostics/clients")
    row = page.locator("[data-figure=client]", has_text="app<b>bold</b>")
    expect(row).to_have_count(1)
    if shots := os.environ.get("CACHEADMIN_SCREENSHOTS"):
        page.screenshot(path=f"{shots}/diagnostics-clients.png", full_page=True)
    row.get_by_role("button", name="End…").click()
    expect(page.locator(".confirm-key")).to_contain_text("app<b>bold</b>")
    page.get_by_role("button", name="End the connection").click()
    expect(page.locator(".message")).to_contain_text("was ended")
    expect(page.locator("[data-figure=client]", has_text="app<b>")).to_have_count(0)
    assert "\u202e" not in page.locator("main").inner_text()
