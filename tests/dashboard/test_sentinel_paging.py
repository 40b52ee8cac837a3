"""The key browser across a Sentinel failover: a SCAN cursor belongs to the server that
gave it, so a list that goes on across the failover says the server changed and offers
to start again; it never repeats or misses keys and then says "That is all"."""

import pytest
import redis

from tests.dashboard.test_sentinel_writes import demoted, moved_from
from tests.helpers import wait_for
from tests.users import logged_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("services")]
KEYS = 50_000


def fill(master: redis.Redis) -> None:
    with master.pipeline(transaction=False) as pipe:
        for n in range(KEYS):
            pipe.set(f"page:{n}", "v")
        pipe.execute()
    assert master.wait(1, 10_000) == 1


def api_page(client, cursor, server: str) -> dict:
    query = {"match": "page:*", "count": 1000, "cursor": cursor, "server": server}
    answer = client.get("/i/sessions/api/keys", query)
    return {"status": answer.status_code, **answer.json()}


def test_paging_across_a_failover_says_the_server_changed(viewer, sentinel_sessions):
    sessions = sentinel_sessions
    old = sessions.master_client()
    fill(old)
    client = logged_in(viewer)
    seen: list[str] = []
    page = api_page(client, 0, "")
    while len(seen) < KEYS // 3:  # a third of the keys from the old master
        assert page["status"] == 200 and not page["done"], page
        seen += [key["key"] for key in page["keys"]]
        page = api_page(client, page["cursor"], page.get("server", ""))
    html = client.get("/i/sessions/keys/", {"match": "page:*", "count": 1000})
    next_page = html.context["next_query"]
    assert "server=" in next_page

    sessions.failover()
    wait_for(lambda: moved_from(sessions, old))
    wait_for(lambda: demoted(old))

    after = api_page(client, page["cursor"], page.get("server", ""))
    assert after["status"] == 409, after
    assert after["error"] == "changed" and "start again" in after["message"].lower()
    rows = client.get(f"/i/sessions/keys/?{next_page}", headers={"HX-Request": "true"})
    text = rows.content.decode()
    assert "The server changed" in text and "Start again" in text
    assert "That is all" not in text and "Continue" not in text

    # started again, the list is the whole keyspace once
    listed, cursor, server = [], 0, ""
    while True:
        page = api_page(client, cursor, server)
        assert page["status"] == 200, page
        listed += [key["key"] for key in page["keys"]]
        if page["done"]:
            break
        cursor, server = page["cursor"], page.get("server", "")
    assert len(listed) == len(set(listed)) == KEYS
    sessions.master_client().flushall()
    sessions.settle()
