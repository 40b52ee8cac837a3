"""An operator requeues a queue's failed jobs in Chromium: hostile names and errors
shown as text, the preview, the typed confirmation, and the worker's progress followed
on the action's page until it is done; a real worker then runs the jobs again."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect
from rq import Queue, SimpleWorker

from cacheadmin.gateways.job_worker import Worker
from cacheadmin.tasks.action_jobs import KIND, TaskActions
from tests.browser_fixtures import log_in
from tests.servers import Daphne, dashboard_env
from tests.tasks.test_rq_writes import fail_jobs
from tests.users import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = '<img src=x id="queue">'


@pytest.fixture
def dashboard(settings, services):
    """The dashboard, asking for a typed confirmation above 5 jobs."""
    server = Daphne(dashboard_env(settings) | {"INVALIDATION_CONFIRM_THRESHOLD": "5"}).start()
    yield server
    server.stop()


def test_an_operator_requeues_every_failed_job_and_follows_the_worker(
    page, dashboard, operator, redis_server, redis_client
):
    fail_jobs(redis_client, redis_server.url, HOSTILE, 300)
    jobs = Queue(HOSTILE, connection=redis_client)
    hostile = jobs.enqueue("builtins.int", '<img src=x id="arg">')
    SimpleWorker([jobs], connection=redis_client).work(burst=True)
    log_in(page, dashboard, operator.username, PASSWORD)
    page.goto(f"{dashboard.url}/tasks/")
    page.get_by_role("link", name="301").first.click()
    expect(page.locator("h1")).to_contain_text(HOSTILE)
    expect(page.locator("img")).to_have_count(0)
    list_url = page.url
    page.goto(f"{dashboard.url}/tasks/job?id={hostile.id}")  # RQ orders within a second
    expect(page.locator("[data-figure=traceback]")).to_contain_text("""'<img src=x id="arg">'""")
    expect(page.locator("img")).to_have_count(0)
    page.goto(list_url)

    page.get_by_role("link", name="Requeue all 301…").click()
    expect(page.locator("[data-field=estimate]")).to_have_text("301")
    page.fill("#confirm", "300")
    page.get_by_role("button", name="Requeue 301 jobs").click()
    expect(page.locator("[data-field=unconfirmed]")).to_be_visible()
    assert jobs.failed_job_registry.count == 301
    page.fill("#confirm", "301")
    page.get_by_role("button", name="Requeue 301 jobs").click()
    expect(page.locator("[data-field=status]")).to_have_text("queued")

    worker = Worker(kinds={KIND: TaskActions()}, say=print, complain=print)
    with ThreadPoolExecutor(1) as pool:  # Playwright's loop runs in this thread
        pool.submit(worker.run, once=True).result(timeout=60)
    expect(page.locator("[data-field=status]")).to_have_text("done")  # polled by the page
    expect(page.locator("[data-field=done]")).to_have_text("301")
    assert jobs.count == 301 and jobs.failed_job_registry.count == 0
    redis_client.set("ready", "yes")
    SimpleWorker([jobs], connection=redis_client).work(burst=True)
    assert jobs.finished_job_registry.get_job_count(cleanup=False) == 300
