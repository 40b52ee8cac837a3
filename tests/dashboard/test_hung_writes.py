"""An operator's change on a Redis that hangs (accepts connections, never answers) or
is frozen (SIGSTOP): one REDIS_TIMEOUT, then a clear answer, and the audit says it
failed. Never two or three timeouts in a row (a retry, a second look-up)."""

import os
import signal
import time

import pytest

from cacheadmin.gateways.keycodec import encode_key
from cacheadmin.models import AuditEntry
from tests.servers import RedisServer

pytestmark = pytest.mark.django_db
TIMEOUT = 0.5
KEY = encode_key(b"k")
CHANGES = {
    "key.delete": (f"/i/hung/keys/delete/{KEY}", {"confirmed": "yes"}),
    "key.set_ttl": (f"/i/hung/keys/ttl/{KEY}", {"seconds": 60, "confirmed": "yes"}),
    "key.remove_ttl": (f"/i/hung/keys/persist/{KEY}", {"confirmed": "yes"}),
    "redis.reset_stats": ("/i/hung/redis/reset-stats/", {"confirmed": "yes"}),
    "invalidate": ("/i/hung/invalidations/new", {"kind": "key", "target": "k", "confirm": "1"}),
}


def hung_instance(settings, tmp_path, url: str) -> None:
    settings.REDIS_TIMEOUT = TIMEOUT
    path = tmp_path / "instances.toml"
    path.write_text(f'[redis.hung]\nurl = "{url}"\n')
    settings.CACHEADMIN_INSTANCES = str(path)


@pytest.fixture
def frozen(tmp_path, own_servers):
    server = RedisServer(tmp_path).start()
    server.client().set("k", "v")
    os.kill(server.process.pid, signal.SIGSTOP)
    yield server
    os.kill(server.process.pid, signal.SIGCONT)
    server.stop()


@pytest.mark.parametrize("action", sorted(CHANGES))
def test_a_change_on_a_hung_redis_takes_one_timeout(
    operator_client, settings, tmp_path, silent_port, action
):
    one_timeout(operator_client, settings, tmp_path, silent_port, action)


@pytest.mark.parametrize("action", sorted(CHANGES))
def test_a_change_on_a_frozen_redis_takes_one_timeout(
    operator_client, settings, tmp_path, frozen, action
):
    one_timeout(operator_client, settings, tmp_path, frozen.port, action)


def one_timeout(operator_client, settings, tmp_path, port: int, action: str) -> None:
    """The change on the instance `hung` at port: one timeout, then a clear answer."""
    hung_instance(settings, tmp_path, f"redis://127.0.0.1:{port}/0")
    url, data = CHANGES[action]
    started = time.monotonic()
    answer = operator_client.post(url, data)
    took = time.monotonic() - started
    text = answer.content.decode()
    assert answer.status_code == 504, (answer.status_code, text[-2000:])
    assert f"did not answer within {TIMEOUT:g} s" in text
    assert took < TIMEOUT * 1.6, f"{took:.2f} s"
    entry = AuditEntry.objects.get(instance="hung")
    assert entry.action.startswith(action) and entry.outcome == "failed"
    assert "did not answer" in entry.error


def test_a_write_that_times_out_may_have_been_made_and_says_so(
    own_servers, operator_client, settings, tmp_path
):
    """Reads answer, writes wait (CLIENT PAUSE WRITE): the delete was sent, so it may
    run once the server goes on. It was told only as "did not answer"."""
    server = RedisServer(tmp_path).start()
    try:
        server.client().set("k", "v")
        hung_instance(settings, tmp_path, f"redis://127.0.0.1:{server.port}/0")
        server.client().execute_command("CLIENT", "PAUSE", 3000, "WRITE")
        url, data = CHANGES["key.delete"]
        answer = operator_client.post(url, data)
        text = answer.content.decode()
        assert answer.status_code == 504 and "may or may not have been made" in text
        entry = AuditEntry.objects.get(instance="hung")
        assert entry.outcome == "failed" and "may or may not" in entry.error
    finally:
        server.client().execute_command("CLIENT", "UNPAUSE")
        server.stop()
