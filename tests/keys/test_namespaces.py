"""Namespaces: a stated sample at once, a full scan on request that can be stopped."""

import re

import pytest

from cacheadmin.gateways.redis_kinds import cluster_scan
from cacheadmin.models import NamespaceScan
from tests.keys.test_keyspace import fill

pytestmark = pytest.mark.django_db


def group_counts(html: str) -> dict[str, str]:
    rows = re.findall(
        r'<td class="key">\s*<a [^>]*>([^<]+)</a>.*?<td class="num">([\d,]+)</td>', html, re.S
    )
    return dict(rows)


def test_small_keyspace_is_counted_exactly(viewer_client, keyspace):
    fill(keyspace, 30, "user")
    fill(keyspace, 5, "session")
    keyspace.set("loose", "1")
    html = viewer_client.get("/keys/namespaces/").content.decode()
    assert "Exact: every one of the 36 keys was counted." in html
    assert group_counts(html) == {"user:": "30", "session:": "5", "loose": "1"}
    assert 'href="/keys/?match=user%3A%2A"' in html  # browse the prefix


def test_large_keyspace_is_sampled_and_says_so(viewer_client, keyspace):
    fill(keyspace, 30_000, "user")
    fill(keyspace, 10_000, "cart")
    html = viewer_client.get("/keys/namespaces/?sample=2000").content.decode()
    assert "Estimated from a sample of" in html
    counts = {name: int(value.replace(",", "")) for name, value in group_counts(html).items()}
    assert 20_000 < counts["user:"] < 40_000 and 5_000 < counts["cart:"] < 15_000


def test_a_sample_sees_every_primary(viewer_client, keyspace):
    """Keys that a hash tag puts on the cluster's last primary are sampled too, in
    proportion: a sample takes its share of every primary at once."""
    tagged = f"{{{cluster_scan.slot_tag(16_000)}}}"
    fill(keyspace, 9_000, "page")
    fill(keyspace, 3_000, tagged)
    html = viewer_client.get("/keys/namespaces/?sample=1000").content.decode()
    assert "Estimated from a sample of" in html
    counts = {name: int(value.replace(",", "")) for name, value in group_counts(html).items()}
    assert 4_500 < counts["page:"] < 18_000 and 1_500 < counts[f"{tagged}:"] < 6_000, counts


def test_drilling_into_a_prefix(viewer_client, keyspace):
    keyspace.set("app:user:1", "1")
    keyspace.set("app:user:2", "1")
    keyspace.set("app:cart:1", "1")
    html = viewer_client.get("/keys/namespaces/?prefix=app:").content.decode()
    assert group_counts(html) == {"app:user:": "2", "app:cart:": "1"}


def test_full_scan_runs_step_by_step_and_stops(viewer_client, viewer, keyspace):
    fill(keyspace, 3000, "a")
    start = viewer_client.post("/keys/namespaces/scans/", {"delimiter": ":"})
    scan = NamespaceScan.objects.get()
    assert start["Location"] == f"/keys/namespaces/scans/{scan.id}/"
    assert scan.user == viewer and scan.status == "running"
    page = viewer_client.get(start["Location"]).content.decode()
    assert f'hx-post="/keys/namespaces/scans/{scan.id}/step"' in page
    while scan.status == "running":
        viewer_client.post(f"/keys/namespaces/scans/{scan.id}/step")
        scan.refresh_from_db()
    assert scan.status == "done" and scan.keys == 3000
    assert "3,000" in viewer_client.get(start["Location"]).content.decode()


def test_a_stopped_scan_stays_stopped(services, viewer_client, redis_client):
    fill(redis_client, 100, "a")
    viewer_client.post("/keys/namespaces/scans/", {})
    scan = NamespaceScan.objects.get()
    viewer_client.post(f"/keys/namespaces/scans/{scan.id}/stop")
    viewer_client.post(f"/keys/namespaces/scans/{scan.id}/step")
    scan.refresh_from_db()
    assert scan.status == "stopped" and scan.keys == 0


def test_another_users_scan_is_not_found(viewer_client, operator_client):
    viewer_client.post("/keys/namespaces/scans/", {})
    scan = NamespaceScan.objects.get()
    assert operator_client.post(f"/keys/namespaces/scans/{scan.id}/step").status_code == 404


def test_bad_settings_are_a_form_error(viewer_client):
    response = viewer_client.get("/keys/namespaces/?sample=5&delimiter=" + "x" * 20)
    assert response.status_code == 400


def test_a_new_scan_stops_the_users_running_one(viewer_client):
    viewer_client.post("/keys/namespaces/scans/", {})
    viewer_client.post("/keys/namespaces/scans/", {"prefix": "user:"})
    statuses = sorted(NamespaceScan.objects.values_list("status", flat=True))
    assert statuses == ["running", "stopped"]
