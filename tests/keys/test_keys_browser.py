"""A person browses hostile keys, opens one, deletes it; nothing they contain runs."""

import pytest
from playwright.sync_api import expect

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
