"""Invalidations through the API and the worker, on real Redis and RabbitMQ."""

import json
from datetime import timedelta
from io import StringIO
from urllib.parse import urlsplit

import pytest
import redis
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from cacheadmin.gateways import connections
from cacheadmin.gateways.job_queue import JOBS_QUEUE
from cacheadmin.invalidation import engine
from cacheadmin.models import AuditEntry, InvalidationJob
from cacheadmin.objectcache import Div, ObjectCache
from tests.invalidation.test_engine import fill, matching_keys
from tests.servers import free_port, keyspace_of

pytestmark = pytest.mark.django_db


def post(client, **body):
    return client.post("/api/invalidations", json.dumps(body), content_type="application/json")


def leftover_counters(client) -> list[bytes]:
    """Job counters left in the inspected Redis (on every primary of a cluster)."""
    return matching_keys(client, "cacheadmin:dashboard:jobs:*")


def run_worker() -> str:
    out = StringIO()
    call_command("invalidation_worker", once=True, stdout=out, stderr=out)
    return out.getvalue()


def test_dry_run_previews_and_deletes_nothing(services, operator_client, redis_client):
    fill(redis_client, 50, "user:session:")
    response = post(operator_client, kind="pattern", target="user:session:*", dry_run=True)
    assert response.status_code == 200
    data = response.json()
    assert data["estimate"] == 50 and data["estimated"] is False and len(data["sample"]) == 20
    assert redis_client.dbsize() == 50
    assert not InvalidationJob.objects.exists()


def test_a_key_goes_at_once_and_is_announced_and_audited(
    operator_client, operator, redis_client, broker
):
    channel, events = broker
    pubsub = redis_client.pubsub()
    pubsub.subscribe("cacheadmin:invalidations")
    pubsub.get_message(timeout=1)
    redis_client.set("doomed", "1")
    response = post(operator_client, kind="key", target="doomed")
    assert response.status_code == 201
    job = InvalidationJob.objects.get(id=response.json()["id"])
    assert (response.json()["status"], job.deleted) == ("done", 1)
    assert response.json()["deleted"] == 1
    assert not redis_client.exists("doomed")
    on_redis = json.loads(pubsub.get_message(timeout=2)["data"])
    pubsub.close()
    _, _, body = channel.basic_get(events, auto_ack=True)
    on_rabbit = json.loads(body)
    assert on_redis == on_rabbit
    assert (on_redis["id"], on_redis["kind"], on_redis["target"], on_redis["deleted"]) == (
        job.id,
        "key",
        "doomed",
        1,
    )
    entry = AuditEntry.objects.get(action="invalidate.key")
    assert (entry.user, entry.count, entry.outcome) == (operator, 1, "ok")


def test_large_patterns_need_a_confirmation_then_run_on_the_worker(
    operator_client, keyspace, broker
):
    fill(keyspace, 3000, "cache:page:")
    fill(keyspace, 500, "keep:")
    refused = post(operator_client, kind="pattern", target="cache:page:*")
    assert refused.status_code == 400
    assert refused.json()["preview"]["estimate"] == 3000
    assert not InvalidationJob.objects.exists()
    accepted = post(operator_client, kind="pattern", target="cache:page:*", confirm="3000")
    assert accepted.status_code == 201 and accepted.json()["status"] == "queued"
    job_id = accepted.json()["id"]
    assert keyspace_of(keyspace).size() == 3500  # nothing yet: the worker does it
    run_worker()
    status = operator_client.get(f"/api/invalidations/{job_id}").json()
    assert (status["status"], status["deleted"], status["error"]) == ("done", 3000, None)
    assert {key.decode()[:5] for key in keyspace.scan_iter("*")} == {"keep:"}
    assert not leftover_counters(keyspace)  # the count is in the job's row now
    if isinstance(keyspace, redis.RedisCluster):  # and the page counts each primary
        nodes = status["nodes"]
        assert len(nodes) == 3 and sum(node["deleted"] for node in nodes) == 3000


def test_the_pattern_itself_also_confirms(operator_client, redis_client, broker):
    fill(redis_client, 1500, "x:")
    response = post(operator_client, kind="pattern", target="x:*", confirm="x:*")
    assert response.status_code == 201


def test_cancel_before_the_worker(operator_client, redis_client, broker):
    fill(redis_client, 1500, "x:")
    job_id = post(operator_client, kind="pattern", target="x:*", confirm="x:*").json()["id"]
    cancelled = operator_client.post(f"/api/invalidations/{job_id}/cancel")
    assert cancelled.json() == {"id": job_id, "status": "cancelled"}
    run_worker()
    assert redis_client.dbsize() == 1500
    entry = AuditEntry.objects.get()  # the cancel, by the operator; no run
    assert (entry.action, entry.outcome, entry.count) == ("invalidate.cancel", "ok", 0)


@pytest.mark.parametrize("field", ["kind", "target", "model", "attribute", "confirm"])
@pytest.mark.parametrize("kind", ["key", "pattern", "bucket", "model", "object", "attribute"])
def test_a_lone_surrogate_anywhere_is_a_400(services, operator_client, redis_client, kind, field):
    body = {"kind": kind, "target": "t", "model": "user", "attribute": "a", "confirm": "1"}
    body[field] = "x\ud800"  # JSON carries it; no text of ours can
    response = operator_client.post(
        "/api/invalidations", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["error"] == "bad_request"
    assert field in response.json()["fields"]


def test_viewers_cannot_invalidate(services, viewer_client, redis_client):
    redis_client.set("k", "v")
    response = post(viewer_client, kind="key", target="k")
    assert response.status_code == 403 and response.json() == {
        "error": "forbidden",
        "message": "Only operators may do this.",
    }
    assert redis_client.exists("k")


def test_the_api_wants_csrf_with_a_session(services, operator, redis_client):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    redis_client.set("k", "v")
    assert post(client, kind="key", target="k").status_code == 403
    assert redis_client.exists("k")


def test_bad_requests(services, operator_client, redis_client):
    assert (
        operator_client.post(
            "/api/invalidations", "nope", content_type="application/json"
        ).status_code
        == 400
    )
    bad = post(operator_client, kind="attribute", target="FR", model="user")
    assert bad.status_code == 400 and "attribute" in bad.json()["fields"]
    assert post(operator_client, kind="object", target="1", model="ghost").status_code == 400
    assert post(operator_client, kind="pattern", target="*" * 40).status_code == 400
    assert operator_client.get("/api/invalidations/999").status_code == 404


def test_a_job_against_a_stopped_redis_fails_plainly(
    operator_client, redis_client, broker, settings
):
    fill(redis_client, 1500, "x:")
    job_id = post(operator_client, kind="pattern", target="x:*", confirm="1500").json()["id"]
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    settings.INVALIDATION_BACKOFF = 0.01
    run_worker()
    job = InvalidationJob.objects.get(id=job_id)
    assert job.status == "failed" and "not reachable" in job.error
    assert AuditEntry.objects.get(action="invalidate.pattern").outcome == "failed"


def test_cancel_stops_a_running_job_within_one_batch(services, operator, redis_client):
    from cacheadmin.invalidation import jobs
    from cacheadmin.invalidation.engine import Target

    fill(redis_client, 5000, "x:")
    job = jobs.job_create(
        user=operator,
        instance=connections.instance(),
        target=Target("pattern", b"x:*"),
        estimate=5000,
        rate=None,
    )
    job = jobs.job_claim(job_id=job.id, worker="w1").job
    more, _ = jobs.job_step(job=job, count=1000)
    assert more and 0 < job.deleted < 5000
    jobs.job_cancel(job=job)
    left = redis_client.dbsize()
    more, _ = jobs.job_step(job=job, count=1000)
    assert not more and job.status == "cancelled"
    assert redis_client.dbsize() == left  # not one batch more


def test_an_estimate_always_needs_a_confirmation(
    operator_client, redis_client, broker, monkeypatch
):
    monkeypatch.setattr(engine, "PREVIEW_SECONDS", 0)  # or it reads on and counts them all
    fill(redis_client, 30_000, "noise:")
    response = post(operator_client, kind="pattern", target="rare:*")
    assert response.status_code == 400 and response.json()["preview"]["estimated"] is True


def test_rabbitmq_down_when_queueing_is_a_503(services, operator_client, redis_client, settings):
    fill(redis_client, 1500, "x:")
    settings.RABBITMQ_URL = f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F"
    response = post(operator_client, kind="pattern", target="x:*", confirm="x:*")
    assert (
        response.status_code == 503
        and "RabbitMQ did not take the job" in response.json()["message"]
    )
    assert InvalidationJob.objects.get().status == "failed"


def test_a_broker_refusing_the_job_names_its_user_never_its_password(
    services, operator_client, redis_client, settings
):
    fill(redis_client, 1500, "x:")
    vhost = urlsplit(settings.RABBITMQ_URL).path
    settings.RABBITMQ_URL = f"amqp://guest:p%23ss%40word@127.0.0.1:5672{vhost}"
    response = post(operator_client, kind="pattern", target="x:*", confirm="x:*")
    message = response.json()["message"]
    assert response.status_code == 503 and "RabbitMQ refused the user 'guest'" in message
    assert "RABBITMQ_URL" in message and "ss@w" not in message and "ss%40" not in message
    assert InvalidationJob.objects.get().status == "failed"


def test_a_poison_message_is_dropped_and_the_worker_goes_on(operator_client, redis_client, broker):
    channel, _ = broker
    channel.basic_publish("", "cacheadmin.invalidation.jobs", b"not a job")
    fill(redis_client, 1500, "x:")
    job_id = post(operator_client, kind="pattern", target="x:*", confirm="x:*").json()["id"]
    output = run_worker()
    assert "Dropped a message that is not a job's reference" in output
    assert InvalidationJob.objects.get(id=job_id).status == "done"


def test_a_cancel_is_audited_as_the_canceller(
    operator_client, operator, viewer, redis_client, broker
):
    from cacheadmin.invalidation import jobs
    from cacheadmin.invalidation.engine import Target

    fill(redis_client, 1500, "x:")
    job = jobs.job_create(
        user=viewer,
        instance=connections.instance(),
        target=Target("pattern", b"x:*"),
        estimate=1500,
        rate=None,
    )
    operator_client.post(f"/api/invalidations/{job.id}/cancel")
    entry = AuditEntry.objects.get()
    assert (entry.username, entry.action, entry.outcome) == (
        operator.username,
        "invalidate.cancel",
        "ok",
    )
    assert entry.target == f"job {job.id}: x:*" and entry.count == 0


def test_a_viewers_forbidden_post_is_audited(services, viewer_client, viewer, redis_client):
    refused = post(viewer_client, kind="pattern", target="x:*")
    assert refused.status_code == 403
    entry = AuditEntry.objects.get()
    assert (entry.username, entry.action, entry.outcome) == (
        viewer.username,
        "access.forbidden",
        "refused",
    )
    assert entry.target == "POST /api/invalidations"
    assert viewer_client.get("/redis/reset-stats/").status_code == 403  # a look: no entry
    assert AuditEntry.objects.count() == 1


def test_the_dashboards_own_keys_are_no_target(services, operator_client, redis_client):
    own = "cacheadmin:dashboard:planted"  # not a job's counter: a job would delete its own
    redis_client.set(own, "3")
    for kind, target in (("key", own), ("pattern", "cacheadmin:dashboard:*")):
        response = post(operator_client, kind=kind, target=target, confirm=target)
        if kind == "key":
            assert response.status_code == 400 and "dashboard's own" in response.json()["message"]
        else:  # a pattern may be asked for, and skips them
            assert response.status_code == 201, response.json()
            run_worker()
    page = operator_client.get("/invalidations/new", {"kind": "key", "target": own})
    assert page.status_code == 400 and "dashboard&#x27;s own" in page.content.decode()
    assert redis_client.get(own) == b"3"


def test_a_job_another_live_worker_holds_is_not_run_twice(operator_client, redis_client, broker):
    channel, _ = broker
    fill(redis_client, 1500, "x:")
    job_id = post(operator_client, kind="pattern", target="x:*", confirm="x:*").json()["id"]
    held = InvalidationJob.objects.filter(id=job_id)
    held.update(
        status="running", lease_owner="other:1", lease_until=timezone.now() + timedelta(minutes=1)
    )
    assert "another worker holds it" in run_worker()  # --once: it puts the message back
    assert redis_client.dbsize() == 1500
    assert channel.queue_declare(JOBS_QUEUE, passive=True).method.message_count == 1
    held.update(lease_until=timezone.now() - timedelta(seconds=1))  # that worker died
    run_worker()
    job = held.get()
    assert (job.status, job.deleted) == ("done", 1500) and job.lease_owner != "other:1"


def test_a_worker_whose_lease_was_taken_over_stops_without_writing(
    services, operator, redis_client
):
    from cacheadmin.invalidation import jobs
    from cacheadmin.invalidation.engine import Target

    fill(redis_client, 5000, "x:")
    job = jobs.job_create(
        user=operator,
        instance=connections.instance(),
        target=Target("pattern", b"x:*"),
        estimate=5000,
        rate=None,
    )
    job = jobs.job_claim(job_id=job.id, worker="w1").job
    assert jobs.job_claim(job_id=job.id, worker="w2").held_elsewhere  # w1's lease runs
    more, _ = jobs.job_step(job=job, count=1000)
    assert more
    InvalidationJob.objects.filter(id=job.id).update(lease_owner="w2")  # w1 was paused too long
    more, _ = jobs.job_step(job=job, count=1000)
    assert not more
    stored = InvalidationJob.objects.get(id=job.id)
    assert stored.lease_owner == "w2" and stored.status == "running"


def test_a_body_nested_too_deep_is_a_400(operator_client):
    response = operator_client.post(
        "/api/invalidations", "[" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["error"] == "bad_request"


def test_a_cancel_after_the_last_batch_is_not_overwritten_by_the_finish(
    services, operator, redis_client
):
    from cacheadmin.invalidation import jobs
    from cacheadmin.invalidation.engine import Target

    fill(redis_client, 10, "x:")
    job = jobs.job_create(
        user=operator,
        instance=connections.instance(),
        target=Target("pattern", b"x:*"),
        estimate=10,
        rate=None,
    )
    job = jobs.job_claim(job_id=job.id, worker="w1").job
    jobs.job_cancel(job=InvalidationJob.objects.get(id=job.id), by=operator)
    finished = jobs.job_finish(job=job, status=jobs.Status.DONE)  # the worker's stale view
    assert finished.status == "cancelled"
    assert AuditEntry.objects.get().action == "invalidate.cancel"  # one entry: the cancel


def test_a_worker_cannot_fail_a_job_another_worker_holds(services, operator):
    from cacheadmin.invalidation import jobs
    from cacheadmin.invalidation.engine import Target

    job = jobs.job_create(
        user=operator,
        instance=connections.instance(),
        target=Target("pattern", b"x:*"),
        estimate=10,
        rate=None,
    )
    jobs.job_claim(job_id=job.id, worker="w1")
    jobs.job_fail(job_id=job.id, worker="w2", error=RuntimeError("not mine"))
    assert InvalidationJob.objects.get(id=job.id).status == "running"
    jobs.job_fail(job_id=job.id, worker="w1", error=RuntimeError("mine"))
    job = InvalidationJob.objects.get(id=job.id)
    assert (job.status, job.error) == ("failed", "mine")


def test_a_held_job_waits_with_the_worker_while_the_next_job_runs(
    operator_client, redis_client, broker
):
    from cacheadmin.invalidation.worker import invalidation_worker

    channel, _ = broker
    fill(redis_client, 1500, "held:")
    fill(redis_client, 1500, "free:")
    held_id = post(operator_client, kind="pattern", target="held:*", confirm="held:*").json()["id"]
    free_id = post(operator_client, kind="pattern", target="free:*", confirm="free:*").json()["id"]
    held = InvalidationJob.objects.filter(id=held_id)
    alive = timezone.now() + timedelta(hours=1)
    held.update(status="running", lease_owner="other:1", lease_until=alive)
    said = []
    worker = invalidation_worker(say=said.append, complain=said.append)

    def said_and_stop(line: str) -> None:
        said.append(line)
        if InvalidationJob.objects.get(id=free_id).status == "done":
            held.update(lease_until=timezone.now() - timedelta(seconds=1))  # the other died
        if held.get().status == "done":
            worker.stop()

    worker.say = said_and_stop
    worker.run(once=False)
    assert [job.status for job in InvalidationJob.objects.order_by("id")] == ["done", "done"]
    assert sum("another worker holds it" in line for line in said) == 1, said
    ends = [line for line in said if ": done," in line]
    assert [line.split(":")[0] for line in ends] == [f"Job {free_id}", f"Job {held_id}"]
    assert channel.queue_declare(JOBS_QUEUE, passive=True).method.message_count == 0
    assert redis_client.dbsize() == 0  # both deleted, and their counters gone with them


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "bucket", "target": "0"},
        {"kind": "object", "target": "7"},
        {"kind": "attribute", "attribute": "country", "target": "FR"},
    ],
)
def test_a_model_under_the_dashboards_prefix_is_no_target(
    services, operator_client, redis_client, body
):
    from cacheadmin.objectcache import Div, ObjectCache, layout

    # The library refuses ':' in a name, but a model can be declared by hand.
    model = ObjectCache(redis_client).model("jobs", bucket=Div(100), inverted=["country"])
    model.set("7", {"id": 7, "country": "FR"})
    name = "cacheadmin:dashboard:jobs"
    schema = json.loads(redis_client.hget(layout.REGISTRY_KEY, "jobs")) | {"name": name}
    redis_client.hset(layout.REGISTRY_KEY, name, json.dumps(schema))
    for key in redis_client.keys("jobs:*"):
        redis_client.rename(key, b"cacheadmin:dashboard:" + key)
    keys = sorted(redis_client.keys(f"{name}:*"))
    response = post(operator_client, model=name, confirm=body["target"], **body)
    assert response.status_code == 400 and "dashboard's own" in response.json()["message"]
    assert sorted(redis_client.keys(f"{name}:*")) == keys and keys
    refused = AuditEntry.objects.get()
    assert (refused.action, refused.outcome) == (f"invalidate.{body['kind']}", "refused")


def test_object_cache_targets_on_a_server_and_on_a_cluster(operator_client, keyspace, broker):
    """On a cluster the library's models carry a hash tag: a bucket and an object go at
    once, and a large attribute value runs as a job that counts at the model's slot."""
    cluster = isinstance(keyspace, redis.RedisCluster)
    name = "{user}" if cluster else "user"
    users = ObjectCache(keyspace).model(name, bucket=Div(100), inverted=["country"])
    users.set_many({n: {"country": "DE" if n % 3 == 0 else "FR"} for n in range(3000)})

    def deleted(response) -> tuple[str, int]:
        job = operator_client.get(f"/api/invalidations/{response.json()['id']}").json()
        return job["status"], job["deleted"]

    assert deleted(post(operator_client, kind="object", model=name, target="1")) == ("done", 1)
    bucket = post(operator_client, kind="bucket", model=name, target="29")
    assert deleted(bucket) == ("done", 100)
    by_value = dict(kind="attribute", model=name, attribute="country", target="FR")
    estimate = post(operator_client, **by_value).json()["preview"]["estimate"]
    job_id = post(operator_client, **by_value, confirm=str(estimate)).json()["id"]
    run_worker()
    status = operator_client.get(f"/api/invalidations/{job_id}").json()
    assert (status["status"], status["deleted"]) == ("done", estimate)
    assert estimate == 2000 - 1 - 67  # the FR objects left: not 1, nor bucket 29's
    assert not leftover_counters(keyspace)
    assert set(users.get_many(range(3000))) == {
        str(n) for n in range(3000) if n % 3 == 0 and n // 100 != 29
    }
    if cluster:  # a model without a tag is refused, saying why
        schema = {"name": "plain", "bucket": {"rule": "div", "size": 100}, "inverted": []}
        keyspace.hset("objectcache:models", "plain", json.dumps(schema | {"ttl": 0}))
        refused = post(operator_client, kind="object", model="plain", target="1")
        assert refused.status_code == 400 and "has no hash tag" in refused.json()["message"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("target", ["user:*"]),
        ("target", 42),
        ("kind", {"k": "pattern"}),
        ("confirm", 1500),
        ("dry_run", "yes"),
        ("rate", True),
        ("rate", "10"),
        ("colour", "blue"),
    ],
)
def test_a_field_of_the_wrong_json_type_is_named_and_nothing_runs(
    services, operator_client, redis_client, field, value
):
    fill(redis_client, 1500, "u")
    body = {"kind": "pattern", "target": "u*", "confirm": "u*"} | {field: value}
    refused = post(operator_client, **body)
    assert refused.status_code == 400 and field in refused.json()["fields"], refused.json()
    assert redis_client.dbsize() == 1500 and not InvalidationJob.objects.exists()


def test_a_body_that_is_no_object_is_a_400(operator_client):
    refused = operator_client.post("/api/invalidations", "[1]", content_type="application/json")
    assert refused.status_code == 400 and "body" in refused.json()["fields"]
