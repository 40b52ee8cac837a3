"""Notifications of alert rules, sent by the sampler after it evaluated them.

Each URL of a rule is told once when the rule fires and once when it resolves: the rule
keeps, per URL, the last state it told (settled), and a notification goes to the URLs
whose settled state is not the rule's. A URL that failed is tried again (after one
minute, then two, then four) and never another time once it took it; after the last
attempt it is given up on. Nothing reaches a rule's URLs more than once a minute; a
silenced rule's notifications wait for the silence's end; one that waits for a state
the rule has left again is superseded (the URLs that took it are settled, so they hear
of the next change). Sending runs in threads of its own, claimed in the database first,
so a slow receiver delays no round and a sampler that takes over sends nothing twice.
Every notification's end is audited."""

from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings

from cacheadmin.gateways.connections import instance as instance_named
from cacheadmin.models import AlertEvent, AlertNotification, AlertRule, AuditEntry
from cacheadmin.monitoring.alert_rules import condition, current_silences, unit
from cacheadmin.monitoring.alert_targets import send
from cacheadmin.monitoring.alerting import State, moment
from cacheadmin.web.audit import audit_record

GAP = 60  # seconds between two sends to a rule's URLs, at least
RETRY_AFTER = (60, 120, 240)  # seconds before the second, third and fourth attempts
CLAIM = 300  # seconds an attempt under way holds its notification (apprise times out sooner)
SENDERS = 4  # notifications sent at once
Status = AlertNotification.Status
FIRING, RESOLVED = "firing", "resolved"
Outcomes = dict[str, str | None]  # url -> why it did not take the message, None if it did


class Notifier:
    def __init__(self):
        self.pool = ThreadPoolExecutor(max_workers=SENDERS, thread_name_prefix="notify")
        self.sending: dict[int, Future] = {}  # notification id -> its attempt

    def round(self, now: int) -> None:
        """Write the attempts that ended, then prepare and send what is due: the
        waiting notifications and the silences read once for every rule."""
        self.collect(now)
        waiting = AlertNotification.objects.filter(status=Status.WAITING).select_related("rule")
        waiting_of = {notification.rule_id: notification for notification in waiting}
        silenced = set(current_silences().values_list("rule_id", flat=True))
        for rule in AlertRule.objects.exclude(notify=[]):
            self.prepare(rule, now, waiting_of.pop(rule.pk, None), silenced=rule.pk in silenced)
        for notification in waiting_of.values():  # of rules whose URLs all went: dropped
            rule = notification.rule
            self.prepare(rule, now, notification, silenced=rule.pk in silenced)
        due = AlertNotification.objects.filter(status=Status.WAITING, next_try_at__lte=moment(now))
        for notification in due.select_related("rule"):
            if notification.id not in self.sending and notification.rule_id not in silenced:
                self.attempt(notification, now)

    def prepare(
        self, rule: AlertRule, now: int, waiting: AlertNotification | None, *, silenced: bool
    ) -> None:
        """A notification of the rule's state to the URLs not told it yet, unless one
        waits already or a silence holds; a waiting one of another state, or to URLs the
        rule no longer has, is superseded."""
        wanted = FIRING if rule.state == State.FIRING else RESOLVED
        stale = waiting and (waiting.kind != wanted or not set(waiting.urls) <= set(rule.notify))
        if stale and waiting.id not in self.sending:
            supersede(waiting, now)
            waiting = None
        untold = [url for url in rule.notify if rule.settled.get(url, RESOLVED) != wanted]
        if waiting or not untold or silenced:
            return
        AlertNotification.objects.create(
            rule=rule,
            kind=wanted,
            urls=untold,
            value=rule.value,
            next_try_at=moment(next_send(rule, now)),
        )

    def attempt(self, notification: AlertNotification, now: int) -> None:
        rule = notification.rule
        urls = [url for url in notification.urls if url not in notification.delivered]
        title, body = message(rule, notification)
        firing = notification.kind == FIRING
        notification.attempts += 1
        notification.next_try_at = moment(now + CLAIM)  # another sampler leaves it alone
        notification.save(update_fields=["attempts", "next_try_at"])
        AlertRule.objects.filter(pk=rule.pk).update(last_send_at=moment(now))
        self.sending[notification.id] = self.pool.submit(
            lambda: {url: send(url, title=title, body=body, firing=firing) for url in urls}
        )

    def collect(self, now: int) -> None:
        """Write every attempt that ended (also while another sampler samples)."""
        for notification_id, future in list(self.sending.items()):
            if future.done():
                del self.sending[notification_id]
                notification = AlertNotification.objects.filter(pk=notification_id).first()
                if notification is not None:
                    record_attempt(notification, outcomes_of(future, notification), now)

    def wait_for_sends(self, now: int) -> None:
        """Wait for the attempts under way and write them."""
        for future in list(self.sending.values()):
            future.exception()
        self.collect(now)

    def close(self, now: int) -> None:
        """A stopping sampler: what is under way written, nothing more sent."""
        self.wait_for_sends(now)
        self.pool.shutdown(wait=False, cancel_futures=True)


def outcomes_of(future: Future, notification: AlertNotification) -> Outcomes:
    try:
        return future.result()
    except Exception as exc:  # apprise's bug must not stop the sampler
        return {url: f"not sent: {exc!r}" for url in notification.urls}


def record_attempt(notification: AlertNotification, outcomes: Outcomes, now: int) -> None:
    """The URLs that took it are settled; all of them: sent; some failed after the last
    attempt: given up on (settled too, or they would be told again and again); else the
    next attempt is due after its wait."""
    took = [url for url, problem in outcomes.items() if problem is None]
    notification.delivered = sorted({*notification.delivered, *took})
    problems = [problem for problem in outcomes.values() if problem]
    notification.error = "; ".join(problems)[:2000]
    last = notification.attempts > len(RETRY_AFTER)
    if problems and not last:
        notification.next_try_at = moment(now + RETRY_AFTER[notification.attempts - 1])
        settle(notification.rule, took, notification.kind)
    else:
        notification.status = Status.FAILED if problems else Status.SENT
        notification.finished_at = moment(now)
        settle(notification.rule, list(outcomes), notification.kind)
        audit_notification(notification)
    notification.save()


def supersede(notification: AlertNotification, now: int) -> None:
    """Drop a notification of a state the rule has left, or to URLs it no longer has;
    the URLs that took it are settled already, and the partial telling is audited."""
    notification.status, notification.finished_at = Status.SUPERSEDED, moment(now)
    notification.save(update_fields=["status", "finished_at"])
    if notification.delivered:
        audit_notification(notification)


def settle(rule: AlertRule, urls: list[str], kind: str) -> None:
    """These URLs were told kind (or given up on): read the rule afresh, since an
    operator may have changed its URLs meanwhile."""
    fresh = AlertRule.objects.filter(pk=rule.pk).values_list("settled", flat=True).first()
    if fresh is None or not urls:
        return
    AlertRule.objects.filter(pk=rule.pk).update(settled=fresh | dict.fromkeys(urls, kind))


def next_send(rule: AlertRule, now: int) -> int:
    """Now, or a minute after the last send to the rule's URLs."""
    last = rule.last_send_at.timestamp() if rule.last_send_at else 0
    return max(now, int(last) + GAP)


def message(rule: AlertRule, notification: AlertNotification) -> tuple[str, str]:
    """The title and body told: what fires (or resolved), where, and the value."""
    value = "no value" if notification.value is None else f"{notification.value:.6g}{unit(rule)}"
    title = f"[{notification.kind.upper()}] {rule.name} on {rule.instance}"
    return title, f"{condition(rule)}; now {value}."


def audit_notification(notification: AlertNotification) -> None:
    """Whom it reached; a failure names the URLs that did not take it (and why)."""
    rule = notification.rule
    done = notification.status == Status.SENT
    audit_record(
        user=None,
        username="sampler",
        instance=instance_named(rule.instance),
        action="alert.notify",
        target=f"{rule.name}: {notification.kind}",
        count=len(notification.delivered),
        outcome=AuditEntry.Outcome.OK if done else AuditEntry.Outcome.FAILED,
        error="" if done else notification.error or "superseded before every URL took it",
    )


def forget_old(now: int) -> None:
    """Forget the rules' events and ended notifications older than the samples kept."""
    before = moment(now) - timedelta(days=settings.SAMPLE_RETENTION_DAYS)
    AlertEvent.objects.filter(at__lt=before).delete()
    ended_long_ago = AlertNotification.objects.filter(created_at__lt=before)
    ended_long_ago.exclude(status=Status.WAITING).delete()
