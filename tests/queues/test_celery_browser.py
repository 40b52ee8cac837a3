"""A person opens a Celery queue on Redis in a real browser: the next tasks decoded, a
raw message opened, and a hostile task name and arguments shown as text, never run."""

import pytest
from celery import Celery
from playwright.sync_api import expect

from cacheadmin.gateways.keycodec import encode_key
from tests.browser_fixtures import log_in
from tests.users import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "<img src=x onerror=\"document.title='pwned'\">"
ARGUMENT = "<script>document.title='pwned'</script>"


def test_the_decoded_peek_shows_hostile_text_as_text(page, live_server, viewer, settings):
    app = Celery("browser_tests", broker=settings.REDIS_URL, set_as_current=False)
    try:
        app.send_task(NAME, args=(ARGUMENT,), queue="browsed", countdown=120)
        app.send_task("shop.mail", args=(1,), queue="browsed", priority=6)
    finally:
        app.close()
    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    log_in(page, live_server, viewer.username, PASSWORD)
    page.goto(f"{live_server.url}/queues/redis/{encode_key(b'browsed')}")
    rows = page.locator("[data-figure=celery-next]")
    expect(rows).to_have_count(2)
    expect(rows.first.locator("[data-figure=task-name]")).to_have_text(NAME)
    arguments = rows.first.locator("[data-figure=task-args]")  # Celery's argsrepr
    expect(arguments).to_contain_text("<script>document.title=")
    expect(rows.first.locator("[data-figure=task-eta]")).to_be_visible()
    expect(rows.nth(1).locator("[data-figure=task-name]")).to_have_text("shop.mail")
    page.locator("details.raw summary").first.click()
    expect(page.locator("details.raw pre").first).to_contain_text('"task": "<img src=x')
    assert page.locator("img[src=x]").count() == 0 and page.title() != "pwned"
    expect(page.locator("#reserved")).to_contain_text("No task is reserved")
