"""The key browser's pages: hostile keys, big values, bad input, roles, round trips."""

import re

import pytest
import redis
from django.test import Client

from cacheadmin.gateways.keycodec import encode_key
from cacheadmin.models import AuditEntry
from tests.keys.test_keyspace import fill
from tests.servers import free_port, keyspace_of

pytestmark = pytest.mark.django_db

HOSTILE = [
    b"\xff\xfe\x00binary",
    b"with space/slash?query#frag%25",
    b"new\nline",
    b'"><img src=x onerror=alert(1)>',
    b"<script>alert(1)</script>",
]


def detail_url(key: bytes, **query) -> str:
    suffix = "&".join(f"{name}={value}" for name, value in query.items())
    return f"/keys/k/{encode_key(key)}" + (f"?{suffix}" if suffix else "")


def test_hostile_keys_round_trip_from_list_to_detail_to_delete(
    viewer_client, operator_client, keyspace
):
    for key in HOSTILE:
        keyspace.set(key, b"<b>value</b>")
    listing = viewer_client.get("/keys/").content.decode()
    assert "<script>alert" not in listing and "<img src" not in listing
    links = re.findall(r'href="/keys/k/([A-Za-z0-9_-]*)"', listing)
    assert sorted(links) == sorted(encode_key(key) for key in HOSTILE)
    for key in HOSTILE:
        page = viewer_client.get(detail_url(key))
        html = page.content.decode()
        assert page.status_code == 200, key
        assert "&lt;b&gt;value&lt;/b&gt;" in html and "<b>value" not in html
        assert "<script>alert" not in html and "<img src" not in html
        response = operator_client.post(f"/keys/delete/{encode_key(key)}", {"confirmed": "yes"})
        assert response.status_code == 302
        assert keyspace.exists(key) == 0
    assert AuditEntry.objects.filter(action="key.delete", outcome="ok", count=1).count() == 5
    url = f"/keys/delete/{encode_key(HOSTILE[0])}"
    again = operator_client.post(url, {"confirmed": "yes"}, follow=True)
    assert "was already gone" in again.content.decode()


def test_escaped_display_of_a_binary_key(services, viewer_client, redis_client):
    redis_client.set(b"\xff\xfe\x00binary", "1")
    assert "\\xff\\xfe\\u0000binary" in viewer_client.get("/keys/").content.decode()


def test_a_50_mb_string_opens_with_a_preview(services, viewer_client, redis_client):
    redis_client.setrange("huge", 50 * 1024 * 1024 - 1, b"!")
    response = viewer_client.get(detail_url(b"huge"))
    assert response.status_code == 200
    assert len(response.content) < 200_000
    html = response.content.decode()
    assert "The first 4,096 of 52,428,800 bytes" in html


def test_a_million_field_hash_opens_with_a_page(services, viewer_client, redis_client):
    # a thousand short commands: one script doing it all ran past the client's
    # timeout under load, and redis-py's retry then met BUSY
    with redis_client.pipeline(transaction=False) as pipe:
        for start in range(1, 1_000_001, 1000):
            pipe.hset("wide", mapping={f"field{n}": "v" for n in range(start, start + 1000)})
        pipe.execute()
    response = viewer_client.get(detail_url(b"wide", count=20))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-figure="size">1,000,000<' in html
    assert 10 <= html.count('<td class="key">field') <= 100  # one HSCAN page, not the hash
    # A filter keeps scanning until the page is full (about 1.1% of fields match).
    filtered = viewer_client.get(detail_url(b"wide", match="field5*", count=20)).content.decode()
    fields = re.findall(r'<td class="key">(field\d+)</td>', filtered)
    assert len(fields) >= 20 and all(field.startswith("field5") for field in fields)


@pytest.mark.parametrize(
    "setup, query, expected",
    [
        (lambda r: r.rpush("l", *range(10)), "end=tail&count=3", ["9", "8", "7"]),
        (lambda r: r.rpush("l", *range(10)), "offset=4&count=2", ["4", "5"]),
        (lambda r: r.zadd("l", {"a": 1, "b": 2, "c": 3}), "order=desc", ["c", "b", "a"]),
        (lambda r: r.zadd("l", {"a": 1, "b": 2, "c": 3}), "by=score&low=(1&high=3", ["b", "c"]),
        (lambda r: r.sadd("l", "only"), "", ["only"]),
    ],
)
def test_collection_viewers(viewer_client, keyspace, setup, query, expected):
    setup(keyspace)
    html = viewer_client.get(f"{detail_url(b'l')}?{query}").content.decode()
    cells = re.findall(r'<td class="value-cell">([^<]*)</td>', html)
    assert cells == expected


def test_stream_viewer_shows_groups_and_pending(viewer_client, keyspace):
    for number in range(5):
        keyspace.xadd("s", {"n": number})
    keyspace.xgroup_create("s", "workers", id="0")
    keyspace.xreadgroup("workers", "alice", {"s": ">"}, count=2)
    html = viewer_client.get(detail_url(b"s", count=2)).content.decode()
    assert html.count("<dt>n</dt>") == 2
    assert "alice: 2 pending" in html
    assert re.search(r"<td>workers</td><td class=\"num\">1</td><td class=\"num\">2</td>", html)


@pytest.mark.parametrize(
    "query",
    ["cursor=abc", "count=0", "count=100000", "type=blob", "db=-1", "match=" + "*" * 40],
)
def test_bad_browse_input_is_a_form_error(services, viewer_client, redis_client, query):
    response = viewer_client.get(f"/keys/?{query}")
    assert response.status_code == 400
    assert "This query cannot be run" in response.content.decode()


def test_bad_detail_input(services, viewer_client, redis_client):
    redis_client.set("k", "v")
    assert viewer_client.get(detail_url(b"k", bytes="lots")).status_code == 400
    assert viewer_client.get(detail_url(b"k", low="drop table")).status_code == 400
    assert viewer_client.get("/keys/k/not*base64").status_code == 404
    assert viewer_client.get("/keys/k/a").status_code == 404  # not a whole byte


def test_a_database_that_does_not_exist_is_said_plainly(services, viewer_client):
    response = viewer_client.get("/keys/?db=999")
    assert "DB index is out of range" in response.content.decode()


def test_missing_key_is_a_404(services, viewer_client):
    response = viewer_client.get(detail_url(b"never-there"))
    assert response.status_code == 404
    assert "No such key" in response.content.decode()


def test_sparse_pattern_shows_a_partial_page_and_continues(viewer_client, keyspace):
    fill(keyspace, 5000, "noise")
    keyspace.set("needle", "1")
    html = viewer_client.get("/keys/?match=needl*&count=10").content.decode()
    assert "of about 5,001 keys" in html or "Scanned all 5,001 keys" in html
    found = "needle" in html
    while "Continue" in html:
        next_url = re.search(r'hx-get="(\?[^"]+)"', html).group(1).replace("&amp;", "&")
        html = viewer_client.get(
            "/keys/" + next_url, headers={"HX-Request": "true"}
        ).content.decode()
        assert "<html" not in html
        found = found or "needle" in html
        said = re.search(r"Scanned about ([0-9,]+) of about ([0-9,]+) keys", html)
        if said:  # COUNT hints add up to more than there are: never said
            scanned, total = (int(figure.replace(",", "")) for figure in said.groups())
            assert scanned <= total
    assert found and "That is all." in html and "Scanned all 5,001 keys." in html


def test_one_evalsha_per_page(services, viewer_client, redis_client):
    fill(redis_client, 300)
    viewer_client.get("/keys/")  # the first page ever also loads the script
    before = redis_client.info("commandstats")
    viewer_client.get("/keys/?count=100")
    after = redis_client.info("commandstats")

    def calls(name):
        return after.get(f"cmdstat_{name}", {}).get("calls", 0) - before.get(
            f"cmdstat_{name}", {}
        ).get("calls", 0)

    assert calls("evalsha") == 1
    assert calls("eval") == 0
    assert 1 <= calls("scan") <= 3


def test_keys_that_vanish_mid_page_show_as_gone(viewer_client, keyspace):
    keyspace.set("short", "1", px=1)
    keyspace.set("stays", "1")
    import time

    time.sleep(0.01)
    rows, _ = keyspace_of(keyspace).describe([b"short", b"stays"])
    assert [row.gone for row in rows] == [True, False]


def test_operator_sets_and_removes_a_ttl_after_confirming(operator_client, keyspace):
    keyspace.set("k", "v")
    url = f"/keys/ttl/{encode_key(b'k')}"
    confirm = operator_client.post(url, {"seconds": 600})
    assert confirm.status_code == 200 and "EXPIRE" in confirm.content.decode()
    assert keyspace.ttl("k") == -1
    assert operator_client.post(url, {"seconds": 600, "confirmed": "yes"}).status_code == 302
    assert 590 < keyspace.ttl("k") <= 600
    persist = f"/keys/persist/{encode_key(b'k')}"
    assert operator_client.post(persist, {"confirmed": "yes"}).status_code == 302
    assert keyspace.ttl("k") == -1
    actions = list(AuditEntry.objects.order_by("id").values_list("action", "outcome", "target"))
    assert actions == [
        ("key.set_ttl", "ok", "db default: k (TTL 600 s)"),
        ("key.remove_ttl", "ok", "db default: k"),
    ]


def test_bad_ttl_changes_nothing(services, operator_client, redis_client):
    redis_client.set("k", "v")
    response = operator_client.post(
        f"/keys/ttl/{encode_key(b'k')}", {"seconds": "-5", "confirmed": "yes"}
    )
    assert response.status_code == 400
    assert redis_client.ttl("k") == -1
    assert not AuditEntry.objects.exists()


def test_viewers_see_no_buttons_and_are_refused(services, viewer_client, redis_client):
    redis_client.set("k", "v")
    assert "Delete…" not in viewer_client.get(detail_url(b"k")).content.decode()
    for action in ("delete", "ttl", "persist"):
        url = f"/keys/{action}/{encode_key(b'k')}"
        assert viewer_client.post(url, {"seconds": 5, "confirmed": "yes"}).status_code == 403
    assert redis_client.get("k") == b"v" and redis_client.ttl("k") == -1


def test_mutations_need_post_and_csrf(services, operator, redis_client):
    redis_client.set("k", "v")
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    url = f"/keys/delete/{encode_key(b'k')}"
    assert client.get(url).status_code == 405
    assert client.post(url, {"confirmed": "yes"}).status_code == 403
    assert redis_client.exists("k") == 1


def test_huge_elements_travel_cut(services, viewer_client, redis_client):
    big = b"x" * (3 * 1024 * 1024)
    redis_client.rpush("big-list", big, big, b"small")
    redis_client.hset("big-hash", mapping={"f": big})
    for key in (b"big-list", b"big-hash"):
        response = viewer_client.get(detail_url(key))
        assert response.status_code == 200 and len(response.content) < 50_000
        assert "… (3,145,728 bytes)" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    ["cursor=99999999999999999999", "after=%D9%A1", "low=1%0A", "cursor=%D9%A1", "count=0"],
)
def test_bad_viewer_input_is_a_400(services, viewer_client, redis_client, query):
    redis_client.xadd("s", {"a": "b"})
    response = viewer_client.get(f"{detail_url(b's')}?{query}")
    assert response.status_code == 400


@pytest.mark.parametrize("db", ["²", "-1", "1e3", "4096"])
def test_bad_database_in_a_post_is_a_400(services, operator_client, redis_client, db):
    redis_client.set("k", "v")
    response = operator_client.post(
        f"/keys/delete/{encode_key(b'k')}", {"db": db, "confirmed": "yes"}
    )
    assert response.status_code == 400
    assert redis_client.exists("k") == 1


def test_the_database_is_carried_from_list_to_delete(services, operator_client, redis_server):
    import redis as redis_py

    db0, db1 = (redis_py.Redis(port=redis_server.port, db=n) for n in (0, 1))
    db0.set("twin", "zero")
    db1.set("twin", "one")
    listing = operator_client.get("/keys/?db=1").content.decode()
    link = re.search(r'href="(/keys/k/[^"]+)"', listing).group(1).replace("&amp;", "&")
    assert link.endswith("?db=1")
    detail = operator_client.get(link).content.decode()
    assert '<input type="hidden" name="db" value="1">' in detail
    confirm = operator_client.post(f"/keys/delete/{encode_key(b'twin')}", {"db": "1"})
    assert '<input type="hidden" name="db" value="1">' in confirm.content.decode()
    operator_client.post(f"/keys/delete/{encode_key(b'twin')}", {"db": "1", "confirmed": "yes"})
    assert (db0.get("twin"), db1.exists("twin")) == (b"zero", 0)
    db1.close()
    db0.close()


def test_hostile_elements_in_every_viewer_are_escaped(viewer_client, keyspace):
    evil = b'"><img src=x onerror=alert(1)><script>alert(2)</script>\xff'
    keyspace.hset("h", evil, evil)
    keyspace.rpush("l", evil)
    keyspace.sadd("s", evil)
    keyspace.zadd("z", {evil: 1})
    keyspace.xadd("x", {evil: evil})
    for key in (b"h", b"l", b"s", b"z", b"x"):
        html = viewer_client.get(detail_url(key)).content.decode()
        assert "<img src=x" not in html and "<script>alert" not in html, key
        assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;" in html, key
        assert "\\xff" in html, key


def test_a_vanished_key_is_a_gone_row(rf, viewer):
    from django.template.loader import render_to_string

    from cacheadmin.keys.keyspace import KeyInfo, KeyPage

    gone = KeyInfo(b"was-here", "none", -2, None, None, "")
    page = KeyPage([gone], cursor=0, calls=1, examined=100, out_of_budget=False, dbsize=5)
    request = rf.get("/keys/")
    request.user = viewer
    context = {"page": page, "scanned": 100}
    html = render_to_string("keys/partials/rows.html", context, request=request)
    assert "gone: deleted or expired since the scan" in html
    assert 'class="key-row gone"' in html


def test_a_failure_while_continuing_is_told_in_the_row(viewer_client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = viewer_client.get("/keys/?cursor=5", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<tr id="more"') and "Unreachable" in html and "Retry" in html


@pytest.mark.parametrize("action", ["delete", "ttl", "persist"])
def test_the_dashboards_own_keys_and_database_cannot_be_changed(
    services, operator_client, redis_server, redis_client, action
):
    own = b"cacheadmin:dashboard:channels:x"
    redis_client.set(own, "the dashboard's", ex=600)
    dashboard_db = redis_server.client()
    dashboard_db.execute_command("SELECT", 15)  # the tests' DASHBOARD_REDIS_URL
    dashboard_db.set("group:x", "the channel layer's", ex=600)
    for key, db in ((own, ""), (b"group:x", "15")):
        body = {"db": db, "confirmed": "yes", "seconds": "5"}
        response = operator_client.post(f"/keys/{action}/{encode_key(key)}", body)
        assert response.status_code == 400
        assert "the dashboard&#x27;s own" in response.content.decode()
        assert 'name="confirmed"' not in response.content.decode()  # nothing to confirm
    assert redis_client.ttl(own) > 500 and dashboard_db.ttl("group:x") > 500
    refused = AuditEntry.objects.filter(outcome="refused", action__startswith="key.")
    assert refused.count() == 2
    dashboard_db.close()


def test_json_holding_a_lone_surrogate_escape_is_shown(services, viewer_client, redis_client):
    """\\ud800 in JSON decodes to a character no page can carry: it once gave a 500."""
    redis_client.set("odd:json", b'{"a": "\\ud800"}')
    response = viewer_client.get(f"/keys/k/{encode_key(b'odd:json')}?view=json")
    assert response.status_code == 200 and "\\ud800" in response.content.decode()


def test_the_dashboards_database_is_known_by_its_server_not_by_its_url(
    services, operator_client, redis_server, settings
):
    """localhost and 127.0.0.1 are one server: the URLs' text once said otherwise."""
    settings.DASHBOARD_REDIS_URL = f"redis://localhost:{redis_server.port}/15"
    dashboard_db = redis.Redis(port=redis_server.port, db=15)
    dashboard_db.set("group:y", "the channel layer's")
    body = {"db": "15", "confirmed": "yes"}
    response = operator_client.post(f"/keys/delete/{encode_key(b'group:y')}", body)
    assert response.status_code == 400 and dashboard_db.exists("group:y")
    other = redis.Redis(port=redis_server.port, db=14)
    other.set("group:y", "somebody's")
    body = {"db": "14", "confirmed": "yes"}
    response = operator_client.post(f"/keys/delete/{encode_key(b'group:y')}", body)
    assert response.status_code == 302 and not other.exists("group:y")
    dashboard_db.close()
    other.close()
