"""An operator finds a failed Celery task in Chromium beside a real worker: the Tasks
page's events card lists it, its page tells its record (hostile arguments shown as
text) and its events, and a retry from there is run again by the worker."""

import json
import os

import pytest
from celery import Celery
from playwright.sync_api import expect

from cacheadmin.models import CeleryTask
from tests.browser_fixtures import log_in
from tests.helpers import wait_for
from tests.users import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = "<img src=x onerror=alert(1)>\u202eevil"  # markup, and a turn to right-to-left
SHOWN = HOSTILE.replace("\u202e", "\\u202e")  # as the page shows it


def test_an_operator_finds_a_failed_task_and_retries_it(
    page, asgi_server, operator, redis_server, redis_client, celery_worker, recording, tmp_path
):
    recorder = recording()
    wait_for(lambda: recorder.listening("redis"), 30)
    path = tmp_path / HOSTILE
    sender = Celery(broker=redis_server.url, backend=redis_server.url, set_as_current=False)
    try:
        failed = sender.send_task("shop.needs", args=(str(path),), queue="work").id
    finally:
        sender.close()
    wait_for(lambda: CeleryTask.objects.filter(task_id=failed, state="failed").exists(), 30)

    log_in(page, asgi_server, operator.username, PASSWORD)
    page.goto(f"{asgi_server.url}/tasks/")
    card = page.locator("#celery-events")
    expect(card.locator("[data-field=celery-error]").first).to_contain_text("FileNotFoundError")
    expect(card.locator("[data-figure=celery-failures] svg")).to_have_count(1)
    expect(page.locator("img")).to_have_count(0)
    card.locator("[data-figure=celery-task]", has_text="shop.needs").click()

    expect(page.locator("[data-figure=state]")).to_have_text("failed")
    expect(page.locator("[data-figure=args]")).to_contain_text(SHOWN)
    expect(page.locator("[data-figure=error]")).to_contain_text("FileNotFoundError: [Errno 2]")
    expect(page.locator("[data-figure=error]")).to_contain_text(SHOWN)  # the path named
    expect(page.locator("[data-figure=traceback]")).to_contain_text(SHOWN)
    expect(page.locator("[data-field=events] td").first).to_have_text("task-received")
    expect(page.locator("img")).to_have_count(0)
    assert "\u202e" not in page.locator("main").inner_text()  # shown as \\u202e, not obeyed
    if shots := os.environ.get("CACHEADMIN_SCREENSHOTS"):
        page.screenshot(path=f"{shots}/celery-task-failed.png", full_page=True)

    path.write_text("found")
    page.get_by_role("button", name="Retry").click()
    new_id = page.locator("[data-field=new-id]").inner_text()
    key = f"celery-task-meta-{new_id}"
    wait_for(lambda: b'"SUCCESS"' in (redis_client.get(key) or b""), 30)
    assert json.loads(redis_client.get(key))["parent_id"] == failed
    page.locator("[data-field=new-id]").click()
    expect(page.locator("[data-figure=state]")).to_have_text("succeeded")
    expect(page.locator("[data-figure=result]")).to_have_text('"found"')
