"""The audit log page: newest first, filters, pages, bad input."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from cacheadmin.gateways import connections
from cacheadmin.models import AuditEntry
from cacheadmin.web.audit import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(operator):
    """60 entries a minute apart; every third failed; the last is the newest."""
    start = timezone.now() - timedelta(hours=2)
    for number in range(60):
        failed = number % 3 == 0
        entry = audit_record(
            user=operator,
            instance=connections.instance(),
            action="redis.delete" if number % 2 else "redis.ttl",
            target=f"key:{number}",
            count=number,
            outcome=AuditEntry.Outcome.FAILED if failed else AuditEntry.Outcome.OK,
            error="boom" if failed else "",
        )
        AuditEntry.objects.filter(pk=entry.pk).update(created_at=start + timedelta(minutes=number))


def targets(html: str) -> list[str]:
    return re.findall(r"<code>(key:\d+)</code>", html)


def test_newest_first_in_pages_of_fifty(viewer_client, entries):
    first = viewer_client.get("/audit/").content.decode()
    assert targets(first)[:3] == ["key:59", "key:58", "key:57"]
    assert len(targets(first)) == 50
    assert "Page 1 of 2 (60 entries)" in first
    second = viewer_client.get("/audit/?page=2").content.decode()
    assert targets(second) == [f"key:{n}" for n in range(9, -1, -1)]


def test_filters(viewer_client, entries):
    failed = targets(viewer_client.get("/audit/?outcome=failed").content.decode())
    assert failed == [f"key:{n}" for n in range(57, -1, -3)]
    deletes = targets(viewer_client.get("/audit/?action=redis.delete&text=key:5").content.decode())
    assert deletes == ["key:59", "key:57", "key:55", "key:53", "key:51", "key:5"]
    nobody = viewer_client.get("/audit/?username=someone-else").content.decode()
    assert "No entries match these filters" in nobody


def test_htmx_paging_returns_the_fragment(viewer_client, entries):
    html = viewer_client.get("/audit/?page=2", headers={"HX-Request": "true"}).content.decode()
    assert html.lstrip().startswith('<div id="entries">')
    assert "<html" not in html


def test_bad_filters_are_a_400(viewer_client, entries):
    response = viewer_client.get("/audit/?page=abc&outcome=exploded")
    assert response.status_code == 400
    assert "These filters are not valid" in response.content.decode()


def test_hostile_targets_are_escaped(viewer_client, operator):
    hostile = '"><img src=x onerror=alert(1)>'
    audit_record(
        user=operator, instance=connections.instance(), action="redis.delete", target=hostile
    )
    html = viewer_client.get("/audit/").content.decode()
    assert "<img src=x" not in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html


def test_entry_keeps_its_author_after_the_account_goes(viewer_client, operator):
    audit_record(
        user=operator,
        instance=connections.instance(),
        action="redis.reset_stats",
        target="CONFIG RESETSTAT",
    )
    operator.delete()
    entry = AuditEntry.objects.get()
    assert entry.user is None
    assert entry.username == "otto-operator"
    assert "otto-operator" in viewer_client.get("/audit/").content.decode()


def test_the_dashboards_own_entries_are_a_superusers_or_their_authors(
    viewer, viewer_client, operator, admin_client
):
    audit_record(user=operator, action="token.create", target="theirs")
    audit_record(user=viewer, action="token.create", target="mine")
    html = viewer_client.get("/audit/").content.decode()
    assert "mine" in html and "theirs" not in html
    assert "theirs" in admin_client.get("/audit/").content.decode()
