"""The job page in Chromium: what the progress socket pushes is said in words that fit
the job (a cluster's primary, not a Sentinel's master; "1 time", not "1 times")."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from cacheadmin.invalidation import events, jobs
from cacheadmin.models import InvalidationJob
from tests.browser_fixtures import log_in
from tests.users import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def push(job: InvalidationJob) -> None:
    """The worker's push, from a thread of its own (Playwright's loop runs in this one)."""
    job.save()
    with ThreadPoolExecutor(1) as pool:
        pool.submit(events.progress_push, job.id, jobs.job_json(job), final=True).result()


@pytest.mark.parametrize("cluster", [True, False])
def test_a_failover_pushed_while_watching_is_told_in_the_jobs_words(
    page, asgi_server, viewer, cluster
):
    job = InvalidationJob.objects.create(
        kind="pattern", target=b"user:*", status="running", requester_name="someone"
    )
    log_in(page, asgi_server, viewer.username, PASSWORD)
    page.goto(f"{asgi_server.url}/invalidations/{job.id}/")
    expect(page.locator("body[data-socket=open]")).to_have_count(1)
    notice = page.locator("[data-field=failovers]")
    expect(notice).to_be_hidden()

    job.failovers = 1
    job.nodes = {"0": {"node": "127.0.0.1:7000", "deleted": 5}} if cluster else {}
    push(job)
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("(1 time)", use_inner_text=True)
    if cluster:
        expect(notice).to_contain_text("a primary of the cluster changed", use_inner_text=True)
        expect(notice).not_to_contain_text("master", use_inner_text=True)
    else:
        expect(notice).to_contain_text("the instance's master changed", use_inner_text=True)

    job.failovers = 3
    push(job)
    expect(notice).to_contain_text("(3 times)", use_inner_text=True)
