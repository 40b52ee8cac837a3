"""/api/keys and /api/keys/<key_b64>, by session or personal token."""

import re

import pytest
import redis
from django.test import Client

from cacheadmin.gateways.keycodec import encode_key
from cacheadmin.models import ApiToken, AuditEntry
from cacheadmin.web.tokens import token_create
from tests.keys.test_keyspace import fill
from tests.servers import RedisServer, free_port

pytestmark = pytest.mark.django_db


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def test_a_page_of_keys(viewer_client, keyspace):
    keyspace.set(b"\xff<key>", "hello", ex=100)
    keyspace.hset("h", "f", "v")
    data = viewer_client.get("/api/keys?count=10").json()
    assert data["done"] is True and data["dbsize"] == 2
    assert data["cursor"] == (0 if isinstance(keyspace, redis.Redis) else "0")
    keys = {item["key_b64"]: item for item in data["keys"]}
    if isinstance(keyspace, redis.RedisCluster):  # the page says where each key lives
        assert {item["node"] for item in keys.values()} == {
            keyspace.get_node_from_key(key).name for key in (b"\xff<key>", b"h")
        }
    binary = keys[encode_key(b"\xff<key>")]
    assert binary["key"] == "\\xff<key>"
    assert (binary["type"], binary["size"], binary["encoding"]) == ("string", 5, "embstr")
    assert 99 <= binary["ttl"] <= 100 and binary["memory"] > 0
    assert keys[encode_key(b"h")]["ttl"] == -1


def test_paging_through_every_key_with_the_cursor(viewer_client, keyspace):
    fill(keyspace, 450)
    seen, cursor = set(), 0
    while True:
        data = viewer_client.get(f"/api/keys?match=k:*&count=100&cursor={cursor}").json()
        seen |= {item["key"] for item in data["keys"]}
        cursor = data["cursor"]
        if data["done"]:
            break
    assert seen == {f"k:{n}" for n in range(450)}


def test_a_cursor_goes_on_only_on_the_server_that_gave_it(viewer_client, keyspace):
    fill(keyspace, 450)
    first = viewer_client.get("/api/keys?match=k:*&count=100").json()
    assert re.fullmatch("[0-9a-f]{16}", first["server"]) and not first["done"]
    query = f"/api/keys?match=k:*&count=100&cursor={first['cursor']}"
    second = viewer_client.get(f"{query}&server={first['server']}")
    assert second.status_code == 200 and second.json()["server"] == first["server"]
    other = viewer_client.get(f"{query}&server={'0' * 16}")
    assert other.status_code == 409 and other.json()["error"] == "changed"
    assert viewer_client.get(f"{query}&server=nothex").status_code == 400


def test_a_restarted_server_is_another_server(own_servers, viewer_client, settings, tmp_path):
    server = RedisServer(tmp_path).start()
    server.fixed_port = True
    settings.REDIS_URL = server.url
    try:
        fill(server.client(), 450)
        first = viewer_client.get("/api/keys?match=k:*&count=100").json()
        listed = viewer_client.get("/keys/?match=k:*&count=100")
        server.stop()
        server.start()
        fill(server.client(), 450)
        query = f"cursor={first['cursor']}&server={first['server']}"
        again = viewer_client.get(f"/api/keys?match=k:*&count=100&{query}")
        assert again.status_code == 409, again.json()
        rows = viewer_client.get(f"/keys/?{listed.context['next_query']}", HTTP_HX_REQUEST="true")
        assert b"Start again" in rows.content and b"That is all" not in rows.content
    finally:
        server.stop()


def test_one_key(viewer_client, keyspace):
    keyspace.rpush("q", 1, 2, 3)
    data = viewer_client.get(f"/api/keys/{encode_key(b'q')}").json()
    assert (data["key"], data["type"], data["size"], data["ttl"]) == ("q", "list", 3, -1)
    assert "idle_seconds" in data


def test_errors_are_json(services, viewer_client, settings):
    missing = viewer_client.get(f"/api/keys/{encode_key(b'nope')}")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    bad = viewer_client.get("/api/keys?cursor=x&count=0")
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"cursor", "count"}
    assert viewer_client.get("/api/keys/a").status_code == 400
    asked = viewer_client.get("/api/keys?db=999")  # the caller's mistake
    assert asked.status_code == 400 and asked.json()["error"] == "bad_request"
    settings.REDIS_URL = settings.REDIS_URL.rsplit("/", 1)[0] + "/999"  # ours
    configured = viewer_client.get("/api/keys")
    assert configured.status_code == 503 and configured.json()["error"] == "misconfigured"
    assert "REDIS_URL" in configured.json()["message"]
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    down = viewer_client.get("/api/keys")
    assert down.status_code == 503 and down.json()["error"] == "unreachable"


def test_a_token_acts_as_its_owner(services, viewer, redis_client):
    redis_client.set("k", "v")
    _, secret = token_create(user=viewer, name="script")
    response = Client().get("/api/keys", headers=bearer(secret))
    assert response.status_code == 200 and response.json()["keys"][0]["key"] == "k"
    assert ApiToken.objects.get().last_used_at is not None


def test_wrong_or_revoked_tokens_are_refused(viewer, viewer_client):
    token, secret = token_create(user=viewer, name="script")
    assert Client().get("/api/keys", headers=bearer(secret + "x")).status_code == 401
    viewer_client.post(f"/accounts/tokens/{token.id}/revoke")
    refused = Client().get("/api/keys", headers=bearer(secret))
    assert refused.status_code == 401
    assert refused.json() == {
        "error": "login_required",
        "message": "This API token is wrong or revoked.",
    }


def test_a_token_of_a_user_without_role_is_forbidden(nobody):
    _, secret = token_create(user=nobody, name="script")
    assert Client().get("/api/keys", headers=bearer(secret)).status_code == 403


def test_tokens_are_made_on_the_profile_page_and_shown_once(services, viewer_client, viewer):
    created = viewer_client.post("/accounts/tokens/", {"name": "nightly report"})
    assert created["Location"] == "/accounts/profile/"  # a reload cannot make a second one
    page = viewer_client.get(created["Location"]).content.decode()
    secret = re.search(r'<pre class="value">(cadm_[\w-]+)</pre>', page).group(1)
    token = ApiToken.objects.get()
    assert secret not in token.digest and token.hint == secret[:11]
    assert secret not in viewer_client.get("/accounts/profile/").content.decode()
    assert Client().get("/api/keys", headers=bearer(secret)).status_code == 200
    assert AuditEntry.objects.filter(action="token.create", username=viewer.username).exists()


def test_one_cannot_revoke_someone_elses_token(viewer, operator_client):
    token, _ = token_create(user=viewer, name="mine")
    operator_client.post(f"/accounts/tokens/{token.id}/revoke")
    assert ApiToken.objects.filter(id=token.id).exists()


def test_unknown_endpoints_and_wrong_methods_answer_json(viewer_client, client):
    assert client.get("/api/nothing").json()["error"] == "login_required"
    missing = viewer_client.get("/api/keys/abc+def")
    assert missing.status_code == 404 and missing.json() == {
        "error": "not_found",
        "message": "There is no such API endpoint.",
    }
    wrong = viewer_client.post("/api/keys")
    assert wrong.status_code == 405 and wrong.json() == {
        "error": "method_not_allowed",
        "message": "Use GET.",
    }


WRITERS = {
    "string": lambda pipe, key: pipe.set(key, b"\xff<v>"),
    "hash": lambda pipe, key: pipe.hset(key, b"<f>", b"\x00"),
    "list": lambda pipe, key: pipe.rpush(key, b"a", b"b"),
    "set": lambda pipe, key: pipe.sadd(key, b"\n"),
    "zset": lambda pipe, key: pipe.zadd(key, {b'"': 1}),
    "stream": lambda pipe, key: pipe.xadd(key, {b"f": b"v"}),
}


def test_keys_of_every_type_and_hostile_names_page_through_once(viewer_client, keyspace):
    from tests.keys.test_keys_pages import HOSTILE

    written = {}
    with keyspace.pipeline(transaction=False) as pipe:
        for number in range(1200):
            key = HOSTILE[number % len(HOSTILE)] + b":" + str(number).encode()
            kind = list(WRITERS)[number % len(WRITERS)]
            WRITERS[kind](pipe, key)
            written[encode_key(key)] = kind
        pipe.execute()
    seen, nodes, cursor = [], set(), 0
    while True:
        data = viewer_client.get("/api/keys", {"count": 150, "cursor": cursor}).json()
        seen += [(item["key_b64"], item["type"]) for item in data["keys"]]
        nodes |= {item.get("node") for item in data["keys"]}
        cursor = data["cursor"]
        if data["done"]:
            break
    assert sorted(seen) == sorted(written.items())
    assert len(nodes) == (3 if isinstance(keyspace, redis.RedisCluster) else 1)


def test_a_cursor_of_the_other_kind_is_refused(viewer_client, keyspace):
    cluster = isinstance(keyspace, redis.RedisCluster)
    other = "17" if cluster else "0-17.5461-0"
    answer = viewer_client.get("/api/keys", {"cursor": other})
    assert answer.status_code == 400 and "Start again from cursor 0" in answer.json()["message"]
    database = viewer_client.get("/api/keys", {"db": 3})
    assert database.status_code == (400 if cluster else 200)
