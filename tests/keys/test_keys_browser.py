"""A person browses hostile keys, opens one, deletes it; nothing they contain runs."""

import os

import pytest
from playwright.sync_api import expect

from cacheadmin.keys.views import ROWS_KEPT
from tests.browser_fixtures import log_in
from tests.keys.test_keyspace import fill
from tests.users import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IMG = b'"><img src=x onerror="window.__pwned=1">'
SCRIPT = b"<script>window.__pwned=2</script>"
BINARY = b"\xff\xfe\x00 new\nline?#%"


def test_hostile_keys_are_text_and_can_be_deleted(page, live_server, operator, keyspace):
    for key in (IMG, SCRIPT, BINARY):
        keyspace.set(key, b'<img src=y onerror="window.__pwned=3">')
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, live_server, operator.username, PASSWORD)

    page.goto(live_server.url + "/keys/")
    expect(page.locator("td.key a")).to_have_count(3)
    expect(page.get_by_text(IMG.decode(), exact=True)).to_be_visible()
    expect(page.get_by_text(SCRIPT.decode(), exact=True)).to_be_visible()
    expect(page.get_by_text("\\xff\\xfe\\u0000 new\\nline?#%", exact=True)).to_be_visible()

    page.get_by_text(IMG.decode(), exact=True).click()
    expect(page.locator("h1 code")).to_have_text(IMG.decode())
    expect(page.locator("pre.value")).to_have_text('<img src=y onerror="window.__pwned=3">')
    page.get_by_role("button", name="Delete…").click()
    page.get_by_role("button", name="Delete", exact=True).click()
    expect(page.locator(".message")).to_contain_text("Deleted")
    expect(page.locator("td.key a")).to_have_count(2)
    assert keyspace.exists(IMG) == 0

    page.get_by_text("\\xff\\xfe\\u0000 new\\nline?#%", exact=True).click()
    expect(page.locator("[data-figure=size]")).to_have_text("38")
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []


def test_continue_appends_the_next_page(page, live_server, viewer, keyspace):
    fill(keyspace, 120)
    log_in(page, live_server, viewer.username, PASSWORD)
    page.goto(live_server.url + "/keys/?count=50")
    rows = page.locator("tr.key-row")
    shown = rows.count()
    assert 50 <= shown < 120
    while page.get_by_role("link", name="Continue").count():
        page.get_by_role("link", name="Continue").click()
        expect(rows).not_to_have_count(shown)  # the next rows are in
        shown = rows.count()
    expect(rows).to_have_count(120)
    expect(page.locator(".scan-state")).to_contain_text("That is all.")
    assert page.url.endswith("/keys/?count=50")  # rows were appended in place


def test_continue_keeps_the_newest_rows_and_says_earlier_ones_were_removed(
    page, live_server, viewer, redis_client
):
    fill(redis_client, 6_500)
    log_in(page, live_server, viewer.username, PASSWORD)
    page.goto(live_server.url + "/keys/?count=1000")
    rows = page.locator("tr.key-row")
    first_page = set(rows.locator("td.key").all_inner_texts())
    while page.get_by_role("link", name="Continue").count():
        last = page.get_by_role("link", name=rows.last.locator("td.key").inner_text(), exact=True)
        page.get_by_role("link", name="Continue").scroll_into_view_if_needed()
        seen_at = last.bounding_box()["y"]
        page.get_by_role("link", name="Continue").click()
        # more came: a page of 1,000 rows, appended and trimmed, on a busy machine can
        # take the browser past expect's 5 s (seen once, with two suites on 2 cores)
        expect(rows.last.locator("td.key a")).not_to_have_text(last.inner_text(), timeout=20_000)
        assert rows.count() <= ROWS_KEPT
        assert abs(last.bounding_box()["y"] - seen_at) < 2  # what one looked at stays put
    expect(page.locator(".scan-state")).to_contain_text("That is all.")
    expect(rows).to_have_count(ROWS_KEPT)
    note = page.locator("tr.trimmed")
    expect(note).to_contain_text("Earlier rows were removed: the newest 5,000 are shown")
    expect(note).to_contain_text("1,500 removed")
    assert not first_page & set(rows.locator("td.key").all_inner_texts())
    if path := os.environ.get("CACHEADMIN_SCREENSHOTS"):
        note.scroll_into_view_if_needed()
        page.screenshot(path=f"{path}/keys-trimmed.png")
    note.get_by_role("link", name="Start again").click()
    expect(page.locator(".scan-state")).to_contain_text("Scanned about 1,0")
    expect(note).to_have_count(0)
    assert page.url.endswith("/keys/?count=1000")


def test_full_namespace_scan_advances_in_the_page(page, live_server, viewer, keyspace):
    fill(keyspace, 3000, "user")
    fill(keyspace, 20, "cart")
    log_in(page, live_server, viewer.username, PASSWORD)
    page.goto(live_server.url + "/keys/namespaces/?sample=100")
    expect(page.locator("[data-figure=sample]")).to_contain_text("Estimated from a sample")
    page.get_by_role("button", name="Count them all (full scan)…").click()
    expect(page.locator("[data-figure=scan-status] .badge")).to_have_text("done", timeout=15_000)
    expect(page.locator("[data-figure=scan-status]")).to_contain_text("3,020 keys counted")
    expect(page.get_by_role("row", name="user: 3,000")).to_be_visible()
