"""A viewer analyses the keyspace in Chromium: starts it from the form, follows its
progress until the worker ends it, reads hostile key names as text in every table of
the report, stops another, and compares two."""

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from cacheadmin.analysis.analysis_jobs import KIND, Analyses
from cacheadmin.gateways.job_worker import Worker
from tests.analysis.test_keyspace_scan import fill
from tests.browser_fixtures import log_in
from tests.users import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = '<img src=x onerror="alert(1)">\u202eevil'
SHOWN = '<img src=x onerror="alert(1)">\\u202eevil'


@pytest.fixture
def lfu(redis_client):
    redis_client.config_set("maxmemory-policy", "allkeys-lfu")
    yield
    redis_client.config_set("maxmemory-policy", "noeviction")


def hostile_keys(client) -> None:
    """A hostile name as a namespace, the biggest key, the longest collection and the
    hottest key."""
    fill(client)
    name = f"{HOSTILE}:big".encode()
    client.rpush(name, *(f"item-{n:06}" for n in range(20_000)))
    for _ in range(300):
        client.lrange(name, 0, 0)


def run_worker() -> None:
    worker = Worker(kinds={KIND: Analyses()}, say=print, complain=print)
    with ThreadPoolExecutor(1) as pool:  # Playwright's loop runs in this thread
        pool.submit(worker.run, once=True).result(timeout=60)


def test_a_viewer_analyses_the_keyspace_and_reads_hostile_names_as_text(
    page, asgi_server, viewer, redis_client, lfu
):
    hostile_keys(redis_client)
    log_in(page, asgi_server, viewer.username, PASSWORD)
    page.goto(f"{asgi_server.url}/analyses/")
    page.fill("input[name=depth]", "1")
    page.get_by_role("button", name="Analyse").click()
    expect(page.locator("[data-field=status]")).to_have_text("queued")
    expect(page.locator("body")).to_have_attribute("data-socket", "open")

    run_worker()
    # The socket says it ended; the page is drawn again with the report.
    expect(page.locator("[data-field=status]")).to_have_text("done")
    expect(page.locator("[data-figure=namespaces]")).to_contain_text(SHOWN + ":")
    for table in ("top-memory", "top-length", "top-freq"):
        first = page.locator(f"[data-figure={table}] tbody tr").first
        expect(first).to_contain_text(SHOWN + ":big")
    expect(page.locator("[data-figure=avalanche-warning]")).to_contain_text("cache:")
    expect(page.locator("[data-field=scanned]")).to_have_text("503")
    expect(page.locator("main img")).to_have_count(0)
    assert "\u202e" not in page.locator("main").inner_text()
    if shots := os.environ.get("CACHEADMIN_SCREENSHOTS"):
        page.screenshot(path=f"{shots}/analysis-report.png", full_page=True)

    page.locator("[data-figure=top-length] a").first.click()  # the key's own page
    expect(page.locator("h1")).to_contain_text(SHOWN)

    page.goto(f"{asgi_server.url}/analyses/")
    page.fill("input[name=depth]", "2")
    page.get_by_role("button", name="Analyse").click()
    page.get_by_role("button", name="Stop (keep what it read)").click()
    expect(page.locator("[data-field=status]")).to_have_text("stopped")
    expect(page.locator(".message")).to_contain_text("was stopped")

    page.goto(f"{asgi_server.url}/analyses/")
    page.locator("input[name=a]").nth(1).check()
    page.locator("input[name=b]").nth(0).check()
    page.get_by_role("button", name="Compare the two chosen").click()
    expect(page.locator("[data-figure=not-alike]")).to_be_visible()
    expect(page.locator("[data-figure=comparison]")).to_contain_text(SHOWN + ":")
