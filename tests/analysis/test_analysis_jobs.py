"""A keyspace analysis run by the worker from the durable queue: to its end, audited;
taken over after its worker died mid-way and ended with the same report; stopped."""

import time
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from cacheadmin.analysis import analysis_jobs, keyspace_scan
from cacheadmin.analysis.analysis_jobs import KIND, Analyses, start, step, stop
from cacheadmin.analysis.keyspace_report import summary
from cacheadmin.gateways import connections
from cacheadmin.gateways.job_worker import Worker
from cacheadmin.models import AuditEntry, KeyspaceAnalysis
from tests.analysis.test_keyspace_scan import counts, fill
from tests.servers import RedisServer

pytestmark = pytest.mark.django_db(transaction=True)


def begun(user) -> KeyspaceAnalysis:
    row, problem = start(
        user=user, instance=connections.instance(), db=None, prefix=b"", delimiter=b":", depth=1
    )
    assert problem is None, problem
    return row


def work() -> list[str]:
    said = []
    Worker(kinds={KIND: Analyses()}, say=said.append, complain=said.append).run(once=True)
    return said


def test_the_worker_runs_an_analysis_to_its_end(services, operator, redis_client):
    fill(redis_client)
    row = begun(operator)
    assert (row.status, row.total) == ("queued", 502)
    said = work()
    row.refresh_from_db()
    assert row.status == "done" and f"Analysis {row.id}: done, 502 keys" in said
    told = summary(row.report)
    assert {space["prefix"]: space["keys"] for space in told["namespaces"]} == {
        "user:": 300,
        "cache:": 200,
        "queue:": 1,
        "wide:": 1,
    }
    entry = AuditEntry.objects.get(action="analysis.run")
    assert (entry.outcome, entry.count, entry.username) == ("ok", 502, operator.username)


def test_an_analysis_whose_worker_died_is_resumed_to_the_same_report(
    services, operator, redis_client, monkeypatch
):
    fill(redis_client)
    whole = begun(operator)
    work()
    whole.refresh_from_db()
    monkeypatch.setattr(analysis_jobs, "STEP_SECONDS", 0)  # one SCAN call a step,
    monkeypatch.setattr(keyspace_scan, "HINT", 50)  # of some 50 keys
    row = begun(operator)
    dead = Analyses().claim(row.id, "worker-that-dies").job
    assert step(dead) == (True, None)  # one step written, then the worker is gone
    KeyspaceAnalysis.objects.filter(id=row.id).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    work()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("done", 2)
    assert counts(summary(row.report)) == counts(summary(whole.report))


def test_a_stopped_analysis_keeps_what_it_found(services, operator, redis_client):
    fill(redis_client)
    row = stop(begun(operator), by=operator)
    work()
    row.refresh_from_db()
    assert row.status == "stopped" and row.report["scanned"] == 0
    assert AuditEntry.objects.get(action="analysis.stop").username == operator.username


def test_the_api_starts_an_analysis_and_reads_its_report(services, viewer_client, redis_client):
    fill(redis_client)
    body = {"prefix": "user:", "delimiter": ":", "depth": 1}
    started = viewer_client.post("/api/analyses", body, "application/json")
    assert started.status_code == 201, started.json()
    assert started.json()["status"] == "queued"
    work()
    answer = viewer_client.get(f"/api/analyses/{started.json()['id']}").json()
    assert (answer["status"], answer["scanned"], answer["total"]) == ("done", 300, 502)
    (space,) = answer["namespaces"]
    assert (space["prefix"], space["keys"], space["types"], space["no_ttl"]) == (
        "user:",
        300,
        {"hash": 300},
        300,
    )
    assert {"key", "key_b64", "type", "memory"} <= set(answer["top_memory"][0])
    assert answer["expiry_forecast"] == [] and len(answer["ttl_histogram"]) == 9

    named = viewer_client.post("/api/analyses", body | {"instance": "default"}, "application/json")
    assert named.status_code == 201
    unknown = viewer_client.post("/api/analyses", body | {"instance": "nope"}, "application/json")
    assert unknown.status_code == 404
    wrong = viewer_client.post("/api/analyses", {"depth": 99}, "application/json")
    assert wrong.status_code == 400 and "depth" in wrong.json()["fields"]
    assert viewer_client.get("/api/analyses/999999").status_code == 404


def test_a_user_without_a_role_can_start_no_analysis(services, client, nobody):
    client.force_login(nobody)
    refused = client.post("/api/analyses", {}, "application/json")
    assert refused.status_code in (403, 404)
    assert not KeyspaceAnalysis.objects.exists()


def test_an_analysis_whose_step_raises_is_failed_not_the_worker(services, operator, redis_client):
    fill(redis_client)
    row = begun(operator)
    KeyspaceAnalysis.objects.filter(id=row.id).update(report={})  # a broken row
    said = work()
    row.refresh_from_db()
    assert row.status == "failed" and "delimiter" in row.error
    assert f"Job {row.id} failed: KeyError('delimiter')" in said
    assert AuditEntry.objects.get(action="analysis.run").outcome == "failed"


def test_an_analysis_refuses_to_go_on_on_another_server(
    services, operator, settings, tmp_path, monkeypatch
):
    """A restart (as a failover) between two steps: the cursor means nothing there, and
    the report would miss or repeat keys. It fails, saying so, once."""
    server = RedisServer(tmp_path).start()
    try:
        settings.REDIS_URL = server.url
        fill(server.client())
        monkeypatch.setattr(analysis_jobs, "STEP_SECONDS", 0)
        monkeypatch.setattr(keyspace_scan, "HINT", 50)
        row = begun(operator)
        first = Analyses().claim(row.id, "worker").job
        assert step(first) == (True, None)
        server.stop()
        server.start()
        settings.REDIS_URL = server.url
        fill(server.client())
        more, problem = step(first)
        assert problem.kind == "changed" and "changed during the analysis" in problem.message
        KeyspaceAnalysis.objects.filter(id=row.id).update(
            lease_until=timezone.now() - timedelta(seconds=1)
        )
        work()
        row.refresh_from_db()
        assert row.status == "failed" and "Start a new analysis" in row.error
        assert AuditEntry.objects.get(action="analysis.run").outcome == "failed"
    finally:
        server.stop()


def test_an_analysis_stops_at_its_time_budget_keeping_its_report(
    services, operator, redis_client, settings, monkeypatch
):
    fill(redis_client)
    settings.ANALYSIS_MAX_MINUTES = 1
    monkeypatch.setattr(analysis_jobs, "STEP_SECONDS", 0)
    monkeypatch.setattr(keyspace_scan, "HINT", 50)
    row = begun(operator)
    claimed = Analyses().claim(row.id, "worker").job
    assert step(claimed) == (True, None)
    KeyspaceAnalysis.objects.filter(id=row.id).update(
        started_at=timezone.now() - timedelta(minutes=2)
    )
    claimed.refresh_from_db()
    assert step(claimed) == (False, None)
    row.refresh_from_db()
    assert row.status == "stopped" and "time budget of 1 minutes" in row.error
    assert row.report["scanned"] > 0
    entry = AuditEntry.objects.get(action="analysis.budget")
    assert entry.username == operator.username and "time budget" in entry.error
    assert not AuditEntry.objects.filter(action="analysis.stop").exists()  # nobody stopped it


def test_a_rate_budget_bounds_each_step_and_paces_the_worker(
    services, operator, redis_client, settings, monkeypatch
):
    fill(redis_client)
    redis_client.mset({f"more:{n}": "x" for n in range(5000)})  # 5,502 keys
    monkeypatch.setattr(keyspace_scan, "HINT", 100)  # about 100 keys a SCAN call
    settings.ANALYSIS_KEYS_PER_SECOND = 10_000  # half a second's worth a step: 50 calls
    row = begun(operator)
    claimed = Analyses().claim(row.id, "worker").job
    assert step(claimed) == (True, None) and claimed.step_examined == 5000
    assert 0.3 < Analyses().pause(claimed, spent=0.1) <= 0.4
    settings.ANALYSIS_KEYS_PER_SECOND = 1  # a pause never outlasts the lease
    assert Analyses().pause(claimed, spent=0) == settings.INVALIDATION_LEASE_SECONDS / 2

    settings.ANALYSIS_KEYS_PER_SECOND = 10_000
    stop(claimed, by=operator)  # its message goes first: the worker drops it
    paced = begun(operator)
    started = time.monotonic()
    work()
    work()
    assert time.monotonic() - started >= 0.5  # 5,000 keys, then a pause to fill a second
    paced.refresh_from_db()
    assert (paced.status, paced.report["scanned"]) == ("done", 5502)


def test_a_step_that_fails_midway_folds_nothing_twice(
    services, operator, redis_client, monkeypatch
):
    """A timeout after some batches were folded: the retry starts from the checkpoint
    with the report as it was there."""
    fill(redis_client)
    monkeypatch.setattr(keyspace_scan, "HINT", 100)
    row = begun(operator)
    claimed = Analyses().claim(row.id, "worker").job
    described = keyspace_scan.facts_of
    calls = []

    def failing_once(info):
        calls.append(info)
        if len(calls) == 250:  # within the third batch
            raise redis.TimeoutError("Timeout reading from socket")
        return described(info)

    monkeypatch.setattr(keyspace_scan, "facts_of", failing_once)
    more, problem = step(claimed)
    assert more and problem is not None and claimed.report["scanned"] == 0
    while step(claimed)[0]:
        pass
    claimed.refresh_from_db()
    assert (claimed.status, claimed.report["scanned"]) == ("done", 502)


def test_behind_sentinel_the_master_is_analysed(services, operator, sentinel_sessions):
    master = sentinel_sessions.master_client()
    master.flushdb()
    fill(master)
    row, problem = start(
        user=operator,
        instance=connections.instance("sessions"),
        db=None,
        prefix=b"user:",
        delimiter=b":",
        depth=1,
    )
    assert problem is None and row.total == 502
    work()
    row.refresh_from_db()
    told = summary(row.report)
    assert row.status == "done" and told["scanned"] == 300
    assert [space["prefix"] for space in told["namespaces"]] == ["user:"]
    master.flushdb()
