"""Writes on a Sentinel instance reach the master the sentinels name now, or fail and
say so: after SENTINEL FAILOVER the old master accepts writes until the sentinels
demote it, and what it took then is lost when it resyncs from the new master."""

import time

import pytest
import redis

from cacheadmin.gateways.keycodec import encode_key
from cacheadmin.models import AuditEntry
from tests.helpers import wait_for
from tests.users import logged_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("services")]


@pytest.fixture
def sessions(sentinel_sessions):
    return sentinel_sessions


def demoted(client: redis.Redis) -> bool:
    """The old master has become a replica of the new one and synced from it."""
    info = client.info("replication")
    return info["role"] == "slave" and info.get("master_link_status") == "up"


def views(sessions) -> list[dict]:
    return [sessions.sentinel(n).sentinel_master(sessions.service) for n in range(3)]


def moved_from(sessions, old: redis.Redis) -> bool:
    """Every sentinel names one master, and not the old one: the failover happened (a
    SENTINEL FAILOVER can abort, leaving the old master in place)."""
    named = {(view["port"], view["flags"]) for view in views(sessions)}
    return len(named) == 1 and old.connection_pool.connection_kwargs["port"] not in dict(named)


def test_no_deletion_reported_done_is_lost_after_a_failover(operator, sessions):
    keys = [f"failover:{n}" for n in range(60)]
    old = sessions.master_client()
    old.mset({key: "v" for key in keys})
    assert old.wait(1, 5000) == 1
    client = logged_in(operator)
    assert client.get("/i/sessions/keys/").status_code == 200  # pooled links to the old master
    sessions.sentinel().sentinel_failover(sessions.service)
    reported, tried = {}, iter(keys)
    # delete one key after another, paced over the seconds until the sentinels demote
    # the old master (the window in which it took writes that were then lost)
    while (key := next(tried, None)) and not demoted(old):
        url = f"/i/sessions/keys/delete/{encode_key(key.encode())}"
        answer = client.post(url, {"confirmed": "yes"})
        reported[key] = answer.status_code == 302
        assert answer.status_code in (302, 503), answer.status_code
        time.sleep(0.1)
    sessions.settle()
    assert moved_from(sessions, old), "the failover did not happen: nothing was tried"
    new = sessions.master_client()
    lost = [key for key, done in reported.items() if done and new.exists(key)]
    assert not lost, f"reported deleted, then back: {lost} of {sorted(reported)}"
    audited = AuditEntry.objects.filter(action="key.delete", instance="sessions")
    ok = {entry.target.rsplit(": ", 1)[1] for entry in audited.filter(outcome="ok")}
    assert ok == {key for key, done in reported.items() if done}
    failed = audited.filter(outcome="failed")
    assert failed.count() == sum(not done for done in reported.values())
    assert all("master" in entry.error for entry in failed)


def test_a_write_goes_to_the_master_the_sentinels_name(operator, sessions):
    """The pool still holds a link to the old master; the write goes to the new one."""
    client = logged_in(operator)
    sessions.master_client().set("moved", "v")
    sessions.master_client().wait(1, 5000)
    assert client.get("/i/sessions/keys/").status_code == 200
    old = sessions.master_client()
    sessions.failover()
    # until every sentinel names the new master (the old one takes writes a while longer)
    wait_for(lambda: len({(view["port"], view["flags"]) for view in views(sessions)}) == 1)
    assert views(sessions)[0]["port"] != old.connection_pool.connection_kwargs["port"]
    url = f"/i/sessions/keys/ttl/{encode_key(b'moved')}"
    answer = client.post(url, {"seconds": 900, "confirmed": "yes"})
    assert answer.status_code == 302, answer.content.decode()[-3000:]
    assert 0 < sessions.master_client().ttl("moved") <= 900
    assert old.ttl("moved") == -1 or demoted(old)  # not written on the old master
