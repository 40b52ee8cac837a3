"""Invalidation pages: preview, confirm, job page, list, cancel, roles."""

import pytest

from cacheadmin.models import InvalidationJob
from tests.invalidation.test_engine import fill

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("services")]


def test_preview_then_confirm_then_the_job_page(operator_client, redis_client, broker):
    fill(redis_client, 1500, "old:")
    preview = operator_client.get("/invalidations/new?kind=pattern&target=old:*")
    html = preview.content.decode()
    assert preview.status_code == 200 and 'data-figure="estimate">1,500 keys' in html
    assert "Type <code>1500</code> or the target to confirm" in html  # above the threshold
    data = {"kind": "pattern", "target": "old:*", "model": "", "attribute": ""}
    wrong = operator_client.post("/invalidations/new", data | {"confirm": "15"})
    assert wrong.status_code == 400 and "neither the count nor the target" in wrong.content.decode()
    assert not InvalidationJob.objects.exists()
    created = operator_client.post("/invalidations/new", data | {"confirm": "1500"})
    job = InvalidationJob.objects.get()
    assert created["Location"] == f"/invalidations/{job.id}/"
    page = operator_client.get(created["Location"]).content.decode()
    assert 'data-job="' in page and "queued" in page and "Cancel" in page
    operator_client.post(f"/invalidations/{job.id}/cancel")
    job.refresh_from_db()
    assert job.status == "cancelled"
    listing = operator_client.get("/invalidations/").content.decode()
    assert f'href="/invalidations/{job.id}/"' in listing and "cancelled" in listing


def test_a_small_target_goes_at_once(operator_client, redis_client):
    redis_client.set("one", "1")
    response = operator_client.post("/invalidations/new", {"kind": "key", "target": "one"})
    job = InvalidationJob.objects.get()
    assert response.status_code == 302 and job.status == "done" and job.deleted == 1
    assert not redis_client.exists("one")


def test_viewers_see_jobs_but_cannot_start_or_cancel(viewer_client, operator, redis_client):
    assert viewer_client.get("/invalidations/").status_code == 200
    assert "New invalidation" not in viewer_client.get("/invalidations/").content.decode()
    assert viewer_client.get("/invalidations/new").status_code == 403
    redis_client.set("k", "v")
    assert (
        viewer_client.post("/invalidations/new", {"kind": "key", "target": "k"}).status_code == 403
    )
    assert redis_client.exists("k")


def test_bad_targets_are_said_plainly(operator_client, redis_client):
    response = operator_client.get("/invalidations/new?kind=object&target=1&model=ghost")
    assert response.status_code == 400 and "no object-cache model" in response.content.decode()
    assert operator_client.get("/invalidations/new?kind=attribute&target=x").status_code == 400
