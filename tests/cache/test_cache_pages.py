"""/cache/ pages and /api/cache/models on the demo data (a small seed)."""

import json
import random
import re
import time
from io import StringIO
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command

from cacheadmin.cache.checks import check_state, check_step
from cacheadmin.demo.traffic import Traffic, redis_queue_tick
from cacheadmin.objectcache import ObjectCache
from tests.servers import keyspace_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("services")]


@pytest.fixture
def demo(redis_client):
    call_command("seed_demo", objects=3000, no_rabbitmq=True, stdout=StringIO())
    return redis_client


def test_seed_writes_models_keys_and_queues(demo):
    models = {name.decode() for name in demo.hkeys("objectcache:models")}
    assert models == {"user", "product", "session"}
    assert demo.hlen("user:0") == 100 and demo.scard("user:inv:country:FR") > 0
    assert demo.llen("queue:emails:processing") == 3
    pending = demo.xinfo_groups("orders:queue")[0]["pending"]
    assert pending == 25
    assert demo.strlen("big:report") == 5 * 1024 * 1024
    assert demo.object("encoding", "product:7") == b"hashtable"  # the long descriptions


def test_seed_refuses_a_database_in_use(redis_client):
    redis_client.set("somebody:else", "1")
    with pytest.raises(CommandError, match="holds keys the demo did not write"):
        call_command("seed_demo", objects=30, no_rabbitmq=True, stdout=StringIO())
    assert redis_client.dbsize() == 1
    out = StringIO()
    call_command("seed_demo", objects=30, no_rabbitmq=True, force=True, stdout=out)
    assert "Demo written" in out.getvalue()
    again = StringIO()
    call_command("seed_demo", objects=30, no_rabbitmq=True, once=True, stdout=again)
    assert "there already" in again.getvalue()


def test_seed_writes_rabbitmq_queues_with_a_dead_letter_queue(
    redis_client, rabbit_admin, rabbit_vhost
):
    call_command("seed_demo", objects=30, stdout=StringIO())
    queues = rabbit_admin.http.get(f"queues/{quote(rabbit_vhost, safe='')}").json()
    depths = {
        queue["name"]: queue.get("messages_ready", queue.get("messages", 0)) for queue in queues
    }
    assert set(depths) >= {"demo.orders", "demo.emails", "demo.dead"}


def test_the_demo_queues_are_found_with_their_processing_and_pending(demo, viewer_client):
    data = viewer_client.get("/api/queues?kind=redis").json()
    depths = {
        item["name"]: (item["type"], item["messages_ready"], item["messages_unacknowledged"])
        for item in data["items"]
    }
    assert depths == {
        "queue:emails": ("list", 500, 3),
        "rq:queue:default": ("list", 120, 0),
        "orders:queue": ("stream", 2000, 25),
    }


def test_traffic_works_the_redis_queues(demo):
    import random

    rng = random.Random(7)
    seeded = demo.lrange("queue:emails:processing", 0, -1)
    lengths = set()
    for _ in range(30):
        redis_queue_tick(demo, rng)
        lengths.add(demo.llen("queue:emails"))
    assert len(lengths) > 5  # the depth moves, so its chart does
    processing = demo.lrange("queue:emails:processing", 0, -1)
    assert len(processing) == 3 and processing != seeded  # moved there with LMOVE
    assert demo.xlen("orders:queue") > 2000
    assert demo.xinfo_groups("orders:queue")[0]["pending"] == 25  # read ones are acked


def test_traffic_reads_writes_and_counts(demo):
    traffic = Traffic(demo, objects=3000, rng=random.Random(1))
    did = {traffic.step() for _ in range(400)}
    traffic.cache.flush()
    assert {"read", "write"} <= did
    stats = list(demo.scan_iter("objectcache:stats:*"))
    assert stats and sum(int(demo.hget(key, "hits") or 0) for key in stats) > 0


def test_models_page_shows_every_model(viewer_client, demo):
    html = viewer_client.get("/cache/").content.decode()
    assert 'data-figure="objects-user">1,500<' in html
    assert 'data-figure="objects-product">900<' in html
    assert "1 outgrown" in html  # product:7


def start_of_a_minute() -> None:
    """The 1m hit rate counts the current minute: a test that counts lookups and reads
    the rate must not straddle a minute's end (it once failed at hh:mm:59.9)."""
    left = 60 - time.time() % 60
    if left < 5:
        time.sleep(left + 0.05)


def test_api_cache_models(viewer_client, demo):
    start_of_a_minute()
    users = ObjectCache(demo).model("user", inverted=["country", "plan"])
    for _ in range(3):
        users.get(1)
    users.get(99_999)
    users.cache.flush()
    data = viewer_client.get("/api/cache/models").json()
    by_name = {model["name"]: model for model in data["models"]}
    user = by_name["user"]
    assert (user["buckets"], user["objects"], user["inverted"]) == (15, 1500, ["country", "plan"])
    assert user["memory"] > 0 and 3500 < user["ttl"]["min"] <= user["ttl"]["max"] <= 3600
    assert user["hit_rate"] == {"1m": 0.75, "15m": 0.75, "1h": 0.75}
    assert by_name["session"]["hit_rate"] == {"1m": None, "15m": None, "1h": None}


def test_model_page_spots_the_outgrown_bucket(viewer_client, demo):
    html = viewer_client.get("/cache/m/product/").content.decode()
    assert "outgrew the compact encoding" in html
    assert re.search(r'data-figure="outgrown">product:7<', html)
    assert "<code>category</code>" in html


def test_lookup_by_id_shows_the_inverted_entries(viewer_client, demo):
    html = viewer_client.get("/cache/m/user/lookup?id=42").content.decode()
    stored = json.loads(demo.hget("user:0", "42"))
    assert f"user:inv:country:{stored['country']}" in html
    assert html.count("badge-ok") == 2  # country and plan both point here
    demo.srem(f"user:inv:country:{stored['country']}", "42")
    assert (
        "missing from the index" in viewer_client.get("/cache/m/user/lookup?id=42").content.decode()
    )


def test_lookup_by_value_shows_ids_and_dangling_entries(viewer_client, demo):
    demo.sadd("user:inv:plan:pro", "777777")  # an id with no cached object
    html = viewer_client.get("/cache/m/user/lookup?attribute=plan&value=pro").content.decode()
    assert "a dangling index entry" in html
    assert re.search(r"holds [\d,]+ ids", html)


def test_lookups_refuse_bad_input(viewer_client, demo):
    assert viewer_client.get("/cache/m/nobody/").status_code == 404
    bad = viewer_client.get("/cache/m/user/lookup?attribute=shoe&value=42")
    assert bad.status_code == 400
    assert (
        viewer_client.get("/cache/m/user/lookup?cursor=x&attribute=plan&value=a").status_code == 400
    )
    assert viewer_client.get("/cache/m/user/lookup?id=not-a-number").status_code == 200


def test_a_cache_written_without_the_library_can_be_declared(viewer_client, keyspace):
    from cacheadmin.models import DeclaredModel

    for bucket in range(3):
        keyspace.hset(f"legacy:{bucket}", mapping={f"{bucket}{n}": '{"c": "x"}' for n in range(5)})
    keyspace.sadd("legacy:inv:c:x", "00", "01")
    DeclaredModel.objects.create(name="legacy", rule="div", rule_size=10, inverted="c")
    model = next(
        m for m in viewer_client.get("/api/cache/models").json()["models"] if m["name"] == "legacy"
    )
    assert (model["buckets"], model["objects"], model["inverted"]) == (3, 15, ["c"])
    page = viewer_client.get("/cache/m/legacy/").content.decode()
    assert "legacy:2" in page
    lookup = viewer_client.get("/cache/m/legacy/lookup?id=01").content.decode()
    assert "legacy:inv:c:x" in lookup


def test_consistency_check_finds_both_kinds_of_problem(viewer_client, viewer, demo):
    from cacheadmin.models import ConsistencyCheck

    stored = json.loads(demo.hget("user:0", "42"))
    demo.srem(f"user:inv:country:{stored['country']}", "42")  # an object missing from an index
    demo.sadd("user:inv:plan:pro", "999999")  # an entry pointing at nothing
    start = viewer_client.post("/cache/m/user/checks")
    check = ConsistencyCheck.objects.get()
    assert start["Location"] == f"/cache/checks/{check.id}/"
    while check.status == "running":
        viewer_client.post(f"/cache/checks/{check.id}/step")
        check.refresh_from_db()
    assert check.status == "done"
    state = check.state
    assert (state["missing"], state["dangling"], state["objects"]) == (1, 1, 1500)
    page = viewer_client.get(start["Location"]).content.decode()
    assert "object 42: no entry in country=" in page and "points at 999999" in page


def test_a_check_of_a_model_that_is_not_there_fails_plainly(viewer_client, redis_client):
    from cacheadmin.models import ConsistencyCheck

    viewer_client.post("/cache/m/ghost/checks")
    check = ConsistencyCheck.objects.get()
    viewer_client.post(f"/cache/checks/{check.id}/step")
    check.refresh_from_db()
    assert check.status == "failed" and "No model ghost" in check.error


def test_someone_elses_check_is_not_found(viewer_client, operator_client, demo):
    from cacheadmin.models import ConsistencyCheck

    viewer_client.post("/cache/m/user/checks")
    check = ConsistencyCheck.objects.get()
    assert operator_client.post(f"/cache/checks/{check.id}/step").status_code == 404
    assert operator_client.get(f"/cache/checks/{check.id}/").status_code == 404


def test_a_tagged_model_on_a_cluster_is_counted_and_looked_up(viewer_client, cluster_keyspace):
    """On a cluster the library keeps a model in one slot ({user}); the pages count it,
    page its buckets and look it up by id and by value like on one server."""
    client = cluster_keyspace
    users = ObjectCache(client).model("{user}", inverted=["country"])
    users.set_many({n: {"id": n, "country": "FR" if n % 2 else "DE"} for n in range(500)})
    data = viewer_client.get("/api/cache/models").json()
    (model,) = data["models"]
    assert (model["name"], model["buckets"], model["objects"]) == ("{user}", 5, 500)
    page = viewer_client.get("/cache/m/{user}/").content.decode()
    assert "{user}:4" in page
    by_id = viewer_client.get("/cache/m/{user}/lookup?id=42").content.decode()
    assert "{user}:inv:country:DE" in by_id and by_id.count("badge-ok") == 1
    by_value = viewer_client.get("/cache/m/{user}/lookup?attribute=country&value=FR")
    assert re.search(r"holds 250 ids", by_value.content.decode())
    client.sadd("{user}:inv:country:FR", "9999")  # a dangling entry, found by the check
    schema = json.loads(client.hget("objectcache:models", "{user}"))
    state = check_state()
    while state["phase"] != "done":
        state = check_step(keyspace_of(client), schema, state, max_seconds=1)
    assert (state["objects"], state["missing"], state["dangling"]) == (500, 0, 1)


def test_the_demo_runs_on_a_cluster(viewer_client, cluster_keyspace):
    """`seed_demo` and the demo traffic on a cluster: the models carry hash tags."""
    call_command("seed_demo", objects=300, no_rabbitmq=True, stdout=StringIO())
    models = {name.decode() for name in cluster_keyspace.hkeys("objectcache:models")}
    assert models == {"{user}", "{product}", "{session}"}
    # seeded: one step in 20,000 invalidates a country's users, which this count forbids
    traffic = Traffic(cluster_keyspace, objects=300, rng=random.Random(1))
    did = {traffic.step() for _ in range(200)}
    redis_queue_tick(cluster_keyspace, random.Random(1))
    traffic.cache.flush()
    assert {"read", "write"} <= did
    html = viewer_client.get("/cache/").content.decode()
    counted = re.search(r'data-figure="objects-\{user\}">(\d+)<', html)
    assert counted and int(counted.group(1)) >= 150  # the seeded ones, and what reads loaded
