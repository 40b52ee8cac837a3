"""A TLS Redis (its own CA, client certificates) and an ACL user that may only read:
pages work where they can, and every refusal says what to change. Never a 500."""

import re

import pytest

from cacheadmin.gateways.keycodec import encode_key
from cacheadmin.models import InvalidationJob
from tests.helpers import instances
from tests.invalidation.test_jobs import run_worker
from tests.servers import RedisServer, TlsRedisServer, make_certificates

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory, own_servers):
    server = TlsRedisServer(tmp_path_factory.mktemp("tls")).start()
    yield server
    server.stop()


def test_tls_with_the_right_ca_and_a_client_certificate(
    services, viewer_client, settings, tmp_path, tls_server
):
    tls_server.client().set("over:tls", "1")
    files = tls_server.files
    instances(
        settings,
        tmp_path,
        f'[redis.secure]\nurl = "{tls_server.url}"\nca_file = "{files["ca.crt"]}"\n'
        f'cert_file = "{files["client.crt"]}"\nkey_file = "{files["client.key"]}"\n',
    )
    assert "over:tls" in viewer_client.get("/i/secure/keys/").content.decode()


def test_a_wrong_ca_or_no_client_certificate_is_said_plainly(
    services, viewer_client, settings, tmp_path, tls_server
):
    other = make_certificates(tmp_path / "other", name="other")
    files = tls_server.files
    instances(
        settings,
        tmp_path,
        f'[redis.wrong-ca]\nurl = "{tls_server.url}"\nca_file = "{other["ca.crt"]}"\n\n'
        f'[redis.no-cert]\nurl = "{tls_server.url}"\nca_file = "{files["ca.crt"]}"\n\n'
        f'[redis.plain]\nurl = "{tls_server.url.replace("rediss://", "redis://")}"\n',
    )
    wrong = viewer_client.get("/i/wrong-ca/keys/")
    assert wrong.status_code == 503
    assert (
        "certificate that the instance&#x27;s CA file does not vouch for" in wrong.content.decode()
    )
    no_cert = viewer_client.get("/i/no-cert/keys/")
    assert no_cert.status_code == 503 and "set cert_file and key_file" in no_cert.content.decode()
    assert viewer_client.get("/i/plain/keys/").status_code == 503


@pytest.fixture(scope="module")
def acl_server(tmp_path_factory, own_servers):
    server = RedisServer(tmp_path_factory.mktemp("acl")).start()
    admin = server.client()
    admin.execute_command(
        "ACL", "SETUSER", "monitor", "on", ">watch-only", "~*", "&*", "resetchannels",
        "+@read", "+info", "+scan", "+ping", "+client|setname",
        "+config|get", "+slowlog", "+memory|usage", "+object", "+pubsub|channels",
        "+pubsub|numsub", "+pubsub|numpat", "+select", "+type", "+ttl", "+pttl",
    )  # fmt: skip
    admin.set("user:1", "x")
    admin.hset("user:inv:country:FR", "1", "1")
    admin.rpush("queue:mail", "a", "b")
    admin.sadd("tags", "x")
    admin.zadd("scores", {"x": 1})
    admin.xadd("events", {"f": "v"})
    admin.hset("big", "f", "x" * 50_000)
    yield server
    server.stop()


READ_KEYS = [b"user:inv:country:FR", b"queue:mail", b"tags", b"scores", b"events"]
# What a user that may only read must see whole: every page that does not change data.
READ_PAGES = {
    "/i/watch/redis/reset-stats/",
    "/i/watch/invalidations/new?kind=pattern&target=user:*",
}
PAGES = [
    "/i/watch/",
    "/i/watch/api/overview",
    "/i/watch/keys/",
    "/i/watch/api/keys",
    f"/i/watch/keys/k/{encode_key(b'user:1')}",
    f"/i/watch/api/keys/{encode_key(b'user:1')}",
    *(f"/i/watch/keys/k/{encode_key(key)}" for key in READ_KEYS),
    f"/i/watch/queues/redis/{encode_key(b'queue:mail')}",
    "/i/watch/keys/namespaces/",
    "/i/watch/cache/",
    "/i/watch/api/cache/models",
    "/i/watch/queues/?kind=redis",
    "/i/watch/api/queues?kind=redis",
    "/i/watch/live/",
    "/i/watch/invalidations/",
    "/i/watch/invalidations/new?kind=pattern&target=user:*",
    "/i/watch/redis/reset-stats/",
]


def test_a_read_only_acl_user_sees_every_page_it_can(
    operator_client, settings, tmp_path, acl_server
):
    url = f"redis://monitor:watch-only@127.0.0.1:{acl_server.port}/0"
    instances(settings, tmp_path, f'[redis.watch]\nurl = "{url}"\n')
    statuses = {path: operator_client.get(path).status_code for path in PAGES}
    assert 500 not in statuses.values(), statuses
    refused = {path: status for path, status in statuses.items() if status != 200}
    assert set(refused) <= READ_PAGES, refused
    big = operator_client.get(f"/i/watch/keys/k/{encode_key(b'big')}").content.decode()
    assert "(50,000 bytes)" in big and "x" * 1025 not in big  # cut, and said so
    queue = operator_client.get(f"/i/watch/queues/redis/{encode_key(b'queue:mail')}")
    assert b"queue:mail" in queue.content and b">b<" in queue.content.replace(b" ", b"")
    assert statuses["/i/watch/keys/"] == 200 and statuses["/i/watch/api/keys"] == 200
    deleted = operator_client.post(
        f"/i/watch/keys/delete/{encode_key(b'user:1')}", {"confirmed": "yes"}
    )
    text = deleted.content.decode()
    assert deleted.status_code == 503 and "may not run UNLINK" in text
    assert "ACL SETUSER monitor +unlink" in text
    assert acl_server.client().exists("user:1")


def test_a_change_by_a_read_only_user_names_what_it_lacks(
    services, operator_client, settings, tmp_path, acl_server
):
    url = f"redis://monitor:watch-only@127.0.0.1:{acl_server.port}/0"
    instances(settings, tmp_path, f'[redis.watch]\nurl = "{url}"\n')
    acl_server.client().set("user:2", "x")
    data = {"kind": "pattern", "target": "user:*", "confirm": "2"}
    assert operator_client.post("/i/watch/invalidations/new", data).status_code == 302
    run_worker()
    job = InvalidationJob.objects.get()
    assert job.status == "failed"
    # the batches are scripts: both the right to run them and what they run are named
    assert "+evalsha" in job.error and "+unlink" in job.error, job.error
    assert acl_server.client().exists("user:1", "user:2") == 2


def test_a_script_whose_commands_are_refused_names_them(
    services, operator_client, settings, tmp_path, acl_server
):
    admin = acl_server.client()
    admin.execute_command(
        "ACL", "SETUSER", "scripter", "on", ">scripts", "~*", "&*", "+@read", "+info",
        "+scan", "+evalsha", "+script|load", "+incrby", "+expire", "+client|setname",
    )  # fmt: skip
    url = f"redis://scripter:scripts@127.0.0.1:{acl_server.port}/0"
    instances(settings, tmp_path, f'[redis.scripts]\nurl = "{url}"\n')
    admin.set("user:3", "x")
    data = {"kind": "pattern", "target": "user:*", "confirm": "2"}
    posted = operator_client.post("/i/scripts/invalidations/new", data)
    assert posted.status_code == 302, re.findall("alert.*?</div>", posted.content.decode(), re.S)
    run_worker()
    job = InvalidationJob.objects.get()
    assert job.status == "failed" and "+unlink" in job.error, job.error
    assert "ACL SETUSER scripter" in job.error and "answered with an error" not in job.error
    assert admin.exists("user:1", "user:3") == 2
