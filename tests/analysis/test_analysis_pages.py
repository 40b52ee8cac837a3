"""The analysis pages: started from the form by a viewer, its report drawn with hostile
key names escaped, stopped by its requester or an operator only, two reports side by
side; and its progress over the socket as the worker goes."""

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model

from cacheadmin.analysis import analysis_jobs
from cacheadmin.models import AuditEntry, InstanceRole, KeyspaceAnalysis
from tests.analysis.test_analysis_jobs import work
from tests.analysis.test_keyspace_scan import fill
from tests.helpers import socket_at
from tests.users import logged_in, make_user, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)
HOSTILE = b"<script>alert(1)</script>:\xff\xe2\x80\xae:x"


def socket_for(analysis_id: int, cookie: str):
    return socket_at(f"/ws/analyses/{analysis_id}/", cookie)


def hostile_fill(client) -> None:
    fill(client)
    client.hset(HOSTILE, mapping={f"f{n}": "v" * 20 for n in range(600)})  # past the listpack
    client.set(b"<img src=x onerror=alert(2)>:1", "v", ex=120)


def started(client, **fields) -> KeyspaceAnalysis:
    answer = client.post("/analyses/", {"delimiter": ":", "depth": 1, **fields})
    assert answer.status_code == 302, answer.content[:500]
    row = KeyspaceAnalysis.objects.latest("id")
    assert answer["Location"].endswith(f"/analyses/{row.id}")
    return row


def test_a_viewer_starts_an_analysis_and_reads_its_report(services, viewer_client, redis_client):
    hostile_fill(redis_client)
    row = started(viewer_client)
    running = viewer_client.get(f"/analyses/{row.id}")
    assert running.status_code == 200 and b"Stop (keep what it read)" in running.content
    work()
    page = viewer_client.get(f"/analyses/{row.id}").content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;:" in page  # the namespace, escaped
    assert "\\xff\\u202e:x" in page and "\u202e" not in page  # shown, not acted on
    assert 'data-figure="avalanche-warning"' in page  # cache: expires all in one minute
    assert "hash-max-listpack-entries 512" in page
    assert "Stop (keep what it read)" not in page
    listed = viewer_client.get("/analyses/").content.decode()
    assert f'href="/analyses/{row.id}"' in listed and "504" in listed


def test_a_bad_form_is_told_and_starts_nothing(services, viewer_client):
    answer = viewer_client.post("/analyses/", {"depth": 99, "delimiter": ":"})
    assert answer.status_code == 400 and b"depth" in answer.content.lower()
    assert not KeyspaceAnalysis.objects.exists()


def test_only_its_requester_or_an_operator_stops_an_analysis(
    services, viewer_client, operator_client, redis_client
):
    fill(redis_client)
    row = started(viewer_client)
    other = logged_in(make_user(get_user_model(), "val-viewer", "viewer"))
    assert other.post(f"/analyses/{row.id}/stop").status_code == 404
    assert b"Stop (keep" not in other.get(f"/analyses/{row.id}").content
    assert KeyspaceAnalysis.objects.get(id=row.id).status == "queued"
    assert viewer_client.post(f"/analyses/{row.id}/stop").status_code == 302
    assert KeyspaceAnalysis.objects.get(id=row.id).status == "stopped"
    second = started(viewer_client)
    assert operator_client.post(f"/analyses/{second.id}/stop").status_code == 302
    entry = AuditEntry.objects.filter(action="analysis.stop").latest("id")
    assert entry.username == "otto-operator"


def test_two_reports_side_by_side(services, viewer_client, redis_client):
    fill(redis_client)
    first = started(viewer_client)
    work()
    redis_client.delete(*[f"user:{n}" for n in range(100)])
    redis_client.set("new:1", "v" * 1000)
    second = started(viewer_client)
    work()
    page = viewer_client.get(f"/analyses/compare?a={first.id}&b={second.id}")
    assert page.status_code == 200
    rows = {row["prefix"]: row for row in page.context["rows"]}
    assert rows["user:"]["keys"] == (300, 200) and rows["user:"]["keys_change"] == -100
    assert rows["new:"]["only_in"] == "second" and rows["cache:"]["keys_change"] == 0
    assert viewer_client.get("/analyses/compare?a=1").status_code == 302
    assert viewer_client.get(f"/analyses/compare?a={first.id}&b=999999").status_code == 404


async def test_the_socket_carries_an_analysis_progress_to_its_end(
    services, viewer, redis_client, monkeypatch
):
    await sync_to_async(fill)(redis_client)
    monkeypatch.setattr(analysis_jobs, "STEP_SECONDS", 0)
    row = await sync_to_async(lambda: started(logged_in(viewer)))()
    socket = socket_for(row.id, await session_cookie(viewer))
    connected, _ = await socket.connect()
    assert connected
    first = await socket.receive_json_from(timeout=3)
    assert (first["id"], first["status"], first["total"]) == (row.id, "queued", 502)
    await sync_to_async(work)()
    seen = []
    while not seen or seen[-1]["status"] != "done":
        seen.append(await socket.receive_json_from(timeout=5))
    assert seen[-1]["scanned"] == 502
    await socket.disconnect()


async def test_no_socket_for_an_analysis_of_an_instance_the_user_may_not_see(
    services, settings, tmp_path, viewer, operator, redis_server
):
    """A viewer of another instance only learns nothing of this one's analyses."""
    path = tmp_path / "instances.toml"
    path.write_text(f'[redis.other]\nurl = "{redis_server.url_for(3)}"\n')
    settings.CACHEADMIN_INSTANCES = str(path)
    await InstanceRole.objects.acreate(user=viewer, instance="other", role="viewer")
    row = await sync_to_async(KeyspaceAnalysis.objects.create)(
        instance="default", requester=operator, requester_name="otto-operator", report={}
    )
    socket = socket_for(row.id, await session_cookie(viewer))
    connected, _ = await socket.connect()
    assert not connected
    await InstanceRole.objects.acreate(user=viewer, instance="default", role="viewer")
    socket = socket_for(row.id, await session_cookie(viewer))
    connected, _ = await socket.connect()
    assert connected and (await socket.receive_json_from(timeout=3))["id"] == row.id
    await socket.disconnect()


def test_the_avalanche_share_is_a_setting(services, viewer_client, redis_client, settings):
    fill(redis_client)  # cache: 200 keys, all expiring in the same minute
    row = started(viewer_client)
    work()
    spaces = viewer_client.get(f"/api/analyses/{row.id}").json()["namespaces"]
    assert next(space for space in spaces if space["prefix"] == "cache:")["avalanche"]
    settings.ANALYSIS_AVALANCHE_SHARE = 1.0  # more than all of them: never
    spaces = viewer_client.get(f"/api/analyses/{row.id}").json()["namespaces"]
    assert all(space["avalanche"] is None for space in spaces)
    assert b"Avalanche risk" not in viewer_client.get(f"/analyses/{row.id}").content
