"""Notifications of alert rules, sent by the sampler after it evaluated them: a rule
that starts firing is told once, and once when it resolves, to each of its URLs; a URL
that failed is tried again (a minute later, then two, then four) and never another
time once it took it; nothing reaches a rule's URLs more than once a minute; a silenced
rule's notifications wait for the silence's end. Sending runs in the sampler's threads,
so a slow receiver delays no round; its outcome is written at the next one. Every
notification's end (sent, given up) is audited."""

from concurrent.futures import Executor, Future
from datetime import timedelta

from django.conf import settings

from cacheadmin.gateways.connections import instance as instance_named
from cacheadmin.models import AlertEvent, AlertNotification, AlertRule, AuditEntry
from cacheadmin.monitoring.alert_rules import condition, silence_of, unit
from cacheadmin.monitoring.alert_targets import send
from cacheadmin.monitoring.alerting import State, when
from cacheadmin.web.audit import audit_record

GAP = 60  # seconds between two sends to a rule's URLs, at least
RETRY_AFTER = (60, 120, 240)  # seconds before the second, third and fourth attempts
Status = AlertNotification.Status
FIRING, RESOLVED = "firing", "resolved"


class Notifier:
    def __init__(self, pool: Executor):
        self.pool = pool
        self.sending: dict[int, Future] = {}  # notification id -> its attempt

    def round(self, now: int) -> None:
        """Write the attempts that ended, then queue and send what is due."""
        self.collect(now)
        for rule in AlertRule.objects.exclude(notify=[]):
            self.queue(rule, now)
        due = AlertNotification.objects.filter(status=Status.WAITING, next_try_at__lte=when(now))
        for notification in due.select_related("rule"):
            if notification.id not in self.sending and not silenced(notification.rule):
                self.attempt(notification, now)

    def queue(self, rule: AlertRule, now: int) -> None:
        """A notification for the rule's state when its URLs were not told it yet; one
        waiting for a state the rule has left again is superseded."""
        wanted = RESOLVED if rule.state != State.FIRING else FIRING
        told = FIRING if rule.told == State.FIRING else RESOLVED
        waiting = rule.notifications.filter(status=Status.WAITING).first()
        if waiting and waiting.kind != wanted and waiting.id not in self.sending:
            waiting.status, waiting.finished_at = Status.SUPERSEDED, when(now)
            waiting.save(update_fields=["status", "finished_at"])
            waiting = None
        if waiting or wanted == told or silenced(rule):
            return
        AlertNotification.objects.create(
            rule=rule, kind=wanted, value=rule.value, next_try_at=when(next_send(rule, now))
        )

    def attempt(self, notification: AlertNotification, now: int) -> None:
        rule = notification.rule
        urls = [(i, url) for i, url in enumerate(rule.notify) if i not in notification.delivered]
        title, body = message(rule, notification)
        firing = notification.kind == FIRING
        self.sending[notification.id] = self.pool.submit(
            lambda: {i: send(url, title=title, body=body, firing=firing) for i, url in urls}
        )
        notification.attempts += 1
        notification.save(update_fields=["attempts"])
        AlertRule.objects.filter(pk=rule.pk).update(told_at=when(now))

    def collect(self, now: int) -> None:
        for notification_id, future in list(self.sending.items()):
            if future.done():
                del self.sending[notification_id]
                notification = AlertNotification.objects.filter(pk=notification_id).first()
                if notification is not None:
                    ended(notification, attempt_errors(future), now)

    def settle(self, now: int) -> None:
        """Wait for every attempt under way and write it (tests, and a stopping sampler)."""
        for future in list(self.sending.values()):
            future.exception()
        self.collect(now)


def attempt_errors(future: Future) -> dict[int, str | None]:
    try:
        return future.result()
    except Exception as exc:  # apprise's bug must not stop the sampler
        return {-1: f"the notification could not be sent: {exc!r}"}


def ended(notification: AlertNotification, errors: dict[int, str | None], now: int) -> None:
    """An attempt's outcome: the URLs that took it are done with; all done is sent;
    some failed after the last attempt is given up; else another attempt is due."""
    rule = notification.rule
    took = {index for index, error in errors.items() if error is None}
    notification.delivered = sorted(took | set(notification.delivered))
    problems = [error for error in errors.values() if error]
    notification.error = "; ".join(problems)[:2000]
    if not problems or notification.attempts > len(RETRY_AFTER):
        notification.status = Status.FAILED if problems else Status.SENT
        notification.finished_at = when(now)
        told = State.FIRING if notification.kind == FIRING else State.OK
        AlertRule.objects.filter(pk=rule.pk).update(told=told)
        audit_notification(notification)
    else:
        notification.next_try_at = when(now + RETRY_AFTER[notification.attempts - 1])
    notification.save()


def next_send(rule: AlertRule, now: int) -> int:
    """Now, or a minute after the last send to the rule's URLs."""
    last = rule.told_at.timestamp() if rule.told_at else 0
    return max(now, int(last) + GAP)


def silenced(rule: AlertRule) -> bool:
    """Whether a silence holds now, by the clock: a round's time is its slot's start,
    which may be before a silence made while the round ran."""
    return silence_of(rule) is not None


def message(rule: AlertRule, notification: AlertNotification) -> tuple[str, str]:
    """The title and body told: what fires (or resolved), where, and the value."""
    value = "no value" if notification.value is None else f"{notification.value:.6g}{unit(rule)}"
    title = f"[{notification.kind.upper()}] {rule.name} on {rule.instance}"
    return title, f"{condition(rule)}; now {value}."


def audit_notification(notification: AlertNotification) -> None:
    rule = notification.rule
    audit_record(
        user=None,
        username="sampler",
        instance=instance_named(rule.instance),
        action="alert.notify",
        target=f"{rule.name}: {notification.kind}",
        count=len(notification.delivered),
        outcome=AuditEntry.Outcome.FAILED if notification.error else AuditEntry.Outcome.OK,
        error=notification.error,
    )


def forget_old(now: int) -> None:
    """Forget the rules' events and ended notifications older than the samples kept."""
    before = when(now) - timedelta(days=settings.SAMPLE_RETENTION_DAYS)
    AlertEvent.objects.filter(at__lt=before).delete()
    ended_long_ago = AlertNotification.objects.filter(created_at__lt=before)
    ended_long_ago.exclude(status=Status.WAITING).delete()
