"""Alert rules against real servers: the sampler evaluates them each round, and a real
HTTP receiver is told once when one fires and once when it resolves."""

import time

import pytest

from cacheadmin.management.commands.sampler import SOURCES
from cacheadmin.models import AlertNotification, AlertRule, AuditEntry
from cacheadmin.monitoring.sampler import Sampler
from cacheadmin.objectcache import ObjectCache
from tests.helpers import instances
from tests.monitoring.receiver import Receiver
from tests.monitoring.test_metrics import scraped

pytestmark = pytest.mark.django_db


@pytest.fixture
def rounds(settings):
    """A sampler whose rounds the test times: round(seconds after the first) samples
    the servers as they are now, evaluates the rules, and waits for what it sent."""
    settings.SAMPLE_SECONDS = 10
    keeper = Sampler(SOURCES, say=lambda _: None, complain=lambda _: None)
    start = int(time.time()) // 10 * 10

    def round_at(offset: int) -> AlertRule | None:
        keeper.sample(start + offset)
        keeper.notifier.wait_for_sends(start + offset)
        return AlertRule.objects.first()

    yield round_at
    keeper.pool.shutdown(wait=True)


def rule(**fields) -> AlertRule:
    defaults = {"name": "users misses", "instance": "default", "created_by": "otto"}
    return AlertRule.objects.create(**(defaults | fields))


def test_a_models_hit_rate_fires_and_resolves_told_once_each(services, rounds, redis_client):
    cache = ObjectCache(redis_client)
    users = cache.model("user", inverted=[])
    users.set(1, {"name": "ada"})
    with Receiver() as receiver:
        rule(
            metric="model_hit_rate_percent",
            model="user",
            comparison="<",
            threshold=50,
            duration=20,
            notify=[receiver.url],
        )
        users.get(1)
        cache.flush()
        assert rounds(0).state == "ok"  # one sample: no rate yet
        for missing in range(2, 11):
            users.get(missing)  # nine misses
        cache.flush()
        assert (rounds(10).state, rounds(10).value) == ("pending", 0.0)
        assert rounds(20).state == "pending"  # held 10 s of 20
        assert rounds(30).state == "firing"
        assert receiver.titles() == ["[FIRING] users misses on default"]
        assert rounds(40).state == "firing" and len(receiver.titles()) == 1  # told once
        for _ in range(100):
            users.get(1)
        cache.flush()
        resolved = rounds(50)
        assert resolved.state == "ok" and resolved.value > 90
        for offset in (60, 70, 80):  # a minute after the last send, not sooner
            rounds(offset)
            assert len(receiver.titles()) == 1
        rounds(90)
        assert receiver.titles()[1:] == ["[RESOLVED] users misses on default"]
        rounds(100)
        assert len(receiver.titles()) == 2
    firing, resolved = receiver.received
    assert firing["message"] == "A model's hit rate (user) < 50% for 20 s; now 0%."
    assert (firing["type"], resolved["type"]) == ("failure", "success")
    states = list(AlertRule.objects.get().events.order_by("at").values_list("state", flat=True))
    assert states == ["pending", "firing", "ok"]
    told = AuditEntry.objects.filter(action="alert.notify").order_by("id")
    assert [(entry.target, entry.outcome) for entry in told] == [
        ("users misses: firing", "ok"),
        ("users misses: resolved", "ok"),
    ]


def test_a_queue_filled_with_no_consumer_fires_until_drained(services, rounds, redis_client):
    with Receiver() as receiver:
        rule(
            name="mail backs up",
            metric="queue_waiting_without_consumer",
            queue="queue:mail",
            comparison=">",
            threshold=100,
            notify=[receiver.url],
        )
        redis_client.rpush("queue:mail", *range(50))
        assert rounds(0).state == "ok"
        redis_client.rpush("queue:mail", *range(100))
        fired = rounds(10)
        assert (fired.state, fired.value) == ("firing", 150.0)
        redis_client.delete("queue:mail")
        assert rounds(20).state == "ok"
        rounds(70)
    assert receiver.titles() == [
        "[FIRING] mail backs up on default",
        "[RESOLVED] mail backs up on default",
    ]


def test_a_receiver_that_fails_is_tried_again_and_one_that_took_it_is_not(
    services, rounds, redis_client
):
    with Receiver(statuses=[500]) as failing, Receiver() as working:
        rule(
            metric="redis_keys",
            comparison=">=",
            threshold=1,
            notify=[failing.url, working.url],
        )
        redis_client.set("a", 1)
        rounds(0)
        note = AlertNotification.objects.get()
        assert (note.status, note.attempts, note.delivered) == ("waiting", 1, [working.url])
        assert "not taken" in note.error
        rounds(30)  # the retry waits a minute
        assert len(failing.received) == 1
        rounds(60)
    note.refresh_from_db()
    assert (note.status, note.attempts) == ("sent", 2)
    assert sorted(note.delivered) == sorted([failing.url, working.url])
    assert [m["status"] for m in failing.received] == [500, 200]
    assert len(working.received) == 1  # told once, though the other failed


def test_a_silenced_rule_tells_nobody_until_the_silence_ends(
    services, rounds, redis_client, operator_client
):
    with Receiver() as receiver:
        made = rule(metric="redis_keys", comparison=">=", threshold=1, notify=[receiver.url])
        silenced = operator_client.post(
            f"/alerts/{made.id}/silence", {"minutes": 5, "reason": "upgrade"}
        )
        assert silenced.status_code == 302
        redis_client.set("a", 1)
        assert rounds(0).state == "firing"
        assert receiver.received == []
        page = operator_client.get(f"/alerts/{made.id}").content.decode()
        assert "upgrade" in page and 'data-figure="silence">until' in page
        operator_client.post(f"/alerts/{made.id}/unsilence")
        rounds(10)
    assert receiver.titles() == ["[FIRING] users misses on default"]
    audited = AuditEntry.objects.filter(action__startswith="alert.")
    actions = sorted(audited.values_list("action", flat=True))
    assert actions == ["alert.notify", "alert.silence", "alert.silence.end"]


def test_what_fires_shows_on_the_overview_in_the_api_and_in_the_metrics(
    services, rounds, redis_client, viewer_client, client, settings
):
    rule(name="too <b>many</b> keys", metric="redis_keys", comparison=">", threshold=0)
    rule(name="quiet", metric="redis_clients", comparison=">", threshold=10_000)
    redis_client.set("a", 1)
    rounds(0)
    page = viewer_client.get("/").content.decode()
    banner = page.split('data-figure="firing-alerts"')[1].split("</section>")[0]
    assert "too &lt;b&gt;many&lt;/b&gt; keys" in banner and "quiet" not in banner
    answer = viewer_client.get("/api/alerts").json()
    states = {found["name"]: found["state"] for found in answer["rules"]}
    assert states == {"too <b>many</b> keys": "firing", "quiet": "ok"}
    assert answer["rules"][0]["name"] == "too <b>many</b> keys"  # firing first
    assert answer["rules"][0]["events"][0]["state"] == "firing"
    settings.METRICS_ALLOW = ["127.0.0.0/8"]
    exported = scraped(client)
    firing = {
        dict(names)["rule"]: value
        for (metric, names), value in exported.items()
        if metric == "cacheadmin_alert_firing"
    }
    assert firing == {"too <b>many</b> keys": 1, "quiet": 0}
    listed = viewer_client.get("/alerts/").content.decode()
    assert 'data-state="firing"' in listed and "New rule" not in listed  # a viewer reads


def test_a_viewer_cannot_change_rules(viewer_client):
    made = rule(metric="redis_keys", comparison=">", threshold=0)
    form = {
        "name": "mine",
        "instance": "default",
        "metric": "redis_keys",
        "comparison": ">",
        "threshold": "1",
        "duration": "0",
    }
    assert viewer_client.post("/alerts/", form).status_code == 403
    assert viewer_client.post(f"/alerts/{made.id}/edit", form).status_code == 403
    assert viewer_client.post(f"/alerts/{made.id}/delete").status_code == 403
    assert viewer_client.post(f"/alerts/{made.id}/silence", {"minutes": 5}).status_code == 403
    assert viewer_client.get(f"/alerts/{made.id}").status_code == 200
    assert list(AlertRule.objects.values_list("name", "threshold")) == [("users misses", 0.0)]
    assert not made.silences.exists()
    refused = AuditEntry.objects.filter(outcome="refused").values_list("action", flat=True)
    assert sorted(refused) == [
        "alert.rule.change",
        "alert.rule.create",
        "alert.rule.delete",
        "alert.silence",
    ]


def test_an_operator_writes_changes_and_deletes_a_rule(operator_client, monkeypatch):
    form = {
        "name": "users misses",
        "instance": "default",
        "metric": "model_hit_rate_percent",
        "comparison": "<",
        "threshold": "50",
        "duration": "60",
        "notify": "json://hooks.example.com/alerts",
    }
    no_model = operator_client.post("/alerts/", form)
    assert no_model.status_code == 400 and "Name the model" in no_model.content.decode()
    secret = operator_client.post(
        "/alerts/", form | {"model": "user", "notify": "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnl"}
    )
    assert secret.status_code == 400 and "holds a secret" in secret.content.decode()
    unset = operator_client.post("/alerts/", form | {"model": "user", "notify": "${ALERT_SLACK}"})
    assert "ALERT_SLACK is not set" in unset.content.decode()
    for hidden in ("json://h/x?+Authorization=Bearer%20k", "json://u:p@h/x", "json://h/x#k"):
        refused = operator_client.post("/alerts/", form | {"model": "user", "notify": hidden})
        assert "holds a secret or parameters" in refused.content.decode(), hidden
    assert not AlertRule.objects.exists()
    monkeypatch.setenv("ALERT_SLACK", "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnl")
    notify = "json://hooks.example.com/alerts\n${ALERT_SLACK}"
    made = operator_client.post("/alerts/", form | {"model": "user", "notify": notify})
    rule = AlertRule.objects.get()
    assert made["Location"] == f"/alerts/{rule.id}"
    assert rule.notify == ["json://hooks.example.com/alerts", "${ALERT_SLACK}"]
    page = operator_client.get(f"/alerts/{rule.id}").content.decode()
    assert "TIiajkdnl" not in page  # the secret stays in the environment
    changed = operator_client.post(
        f"/alerts/{rule.id}/edit", form | {"model": "user", "threshold": "20"}
    )
    assert changed.status_code == 302 and AlertRule.objects.get().threshold == 20
    assert "Delete the rule?" in operator_client.get(f"/alerts/{rule.id}/delete").content.decode()
    operator_client.post(f"/alerts/{rule.id}/delete")
    assert not AlertRule.objects.exists()
    actions = AuditEntry.objects.values_list("action", flat=True).order_by("id")
    assert list(actions) == ["alert.rule.create", "alert.rule.change", "alert.rule.delete"]


def test_a_url_that_took_a_firing_hears_it_resolved_though_another_never_took_it(
    services, rounds, redis_client
):
    """Told in part, then resolved before the retry: the URL that heard "firing" hears
    "resolved"; the one that never heard "firing" is not told it resolved."""
    with Receiver(statuses=[500]) as failing, Receiver() as working:
        rule(metric="redis_keys", comparison=">=", threshold=1, notify=[failing.url, working.url])
        redis_client.set("a", 1)
        rounds(0)
        redis_client.delete("a")
        rounds(10)  # resolved; the firing notification waits for its retry: superseded
        rounds(60)
    assert [m["title"][:10] for m in working.received] == ["[FIRING] u", "[RESOLVED]"]
    assert [m["status"] for m in failing.received] == [500]
    statuses = AlertNotification.objects.order_by("id").values_list("kind", "status")
    assert list(statuses) == [("firing", "superseded"), ("resolved", "sent")]
    partial = AuditEntry.objects.filter(action="alert.notify").order_by("id").first()
    assert (partial.outcome, partial.count) == ("failed", 1) and "error=500" in partial.error


def test_each_page_of_a_rule_is_on_its_instance_and_its_urls_are_for_operators(
    settings, tmp_path, viewer_client, operator_client
):
    instances(settings, tmp_path, '[redis.second]\nurl = "redis://127.0.0.1:1/0"\n')
    made = rule(metric="redis_keys", comparison=">", threshold=0, notify=["json://hooks.test/x"])
    assert viewer_client.get(f"/i/default/alerts/{made.id}").status_code == 200
    assert viewer_client.get(f"/i/second/alerts/{made.id}").status_code == 404
    assert operator_client.post(f"/i/second/alerts/{made.id}/delete").status_code == 404
    assert viewer_client.get("/i/second/alerts/").content.decode().count("data-state=") == 0
    assert "hooks.test" not in viewer_client.get(f"/alerts/{made.id}").content.decode()
    assert "hooks.test" in operator_client.get(f"/alerts/{made.id}").content.decode()
    assert viewer_client.get("/api/alerts").json()["rules"][0]["notifies"] == 1


def test_an_edit_restarts_a_pending_rule_and_leaves_a_firing_one(operator_client):
    pending = rule(name="p", metric="redis_keys", comparison=">", threshold=0, state="pending")
    firing = rule(name="f", metric="redis_keys", comparison=">", threshold=0, state="firing")
    form = {"instance": "default", "metric": "redis_keys", "comparison": ">", "duration": 30}
    for made in (pending, firing):
        answer = operator_client.post(
            f"/alerts/{made.id}/edit", form | {"name": made.name, "threshold": 5}
        )
        assert answer.status_code == 302
    pending.refresh_from_db(), firing.refresh_from_db()
    assert (pending.state, pending.threshold, firing.state) == ("ok", 5, "firing")
    assert list(pending.events.values_list("state", flat=True)) == ["ok"]
    assert not firing.events.exists()


def test_ending_the_silence_ends_every_silence(operator_client):
    made = rule(metric="redis_keys", comparison=">", threshold=0)
    for minutes in (5, 50):
        operator_client.post(f"/alerts/{made.id}/silence", {"minutes": minutes})
    too_long = operator_client.post(
        f"/alerts/{made.id}/silence", {"minutes": 1, "reason": "x" * 501}
    )
    assert made.silences.count() == 2
    assert "at most 500" in operator_client.get(too_long["Location"]).content.decode()
    operator_client.post(f"/alerts/{made.id}/unsilence")
    assert not made.silences.filter(ended_at__isnull=True).exists()
