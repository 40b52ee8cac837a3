"""Alert rules as the pages and the API read and change them: the rules of the
instances a user may see, what fires, a rule's description, and an operator's changes
(each one audited by the views)."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Case, F, IntegerField, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from cacheadmin.models import AlertEvent, AlertRule, AlertSilence
from cacheadmin.monitoring.alert_metrics import METRICS

State = AlertRule.State
EDITABLE = (
    "name", "instance", "metric", "model", "queue", "vhost", "comparison", "threshold",
    "duration", "notify",
)  # fmt: skip


def rules_of(instances: list[str]) -> QuerySet[AlertRule]:
    """The rules on these instances, firing first, then pending, then the others."""
    rank = Case(
        When(state=State.FIRING, then=Value(0)),
        When(state=State.PENDING, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return AlertRule.objects.filter(instance__in=instances).order_by(rank, "instance", "name")


def firing(instances: list[str]) -> list[AlertRule]:
    """What fires on these instances now (the overviews show it)."""
    return list(AlertRule.objects.filter(instance__in=instances, state=State.FIRING)[:50])


def current_silences(rules: list[int] | None = None) -> QuerySet[AlertSilence]:
    """The silences in force on these rules (None: on any)."""
    now = timezone.now()
    found = AlertSilence.objects.filter(ended_at__isnull=True, starts_at__lte=now, ends_at__gt=now)
    return found if rules is None else found.filter(rule_id__in=rules)


def silence_of(rule: AlertRule) -> AlertSilence | None:
    """The silence in force on the rule that lasts longest, if any."""
    return current_silences([rule.pk]).order_by("-ends_at").first()


def unit(rule: AlertRule) -> str:
    metric = METRICS.get(rule.metric)
    return metric.unit if metric else ""


def condition(rule: AlertRule) -> str:
    """The rule's condition, for people: "A model's hit rate (users) < 50% for 60 s"."""
    metric = METRICS.get(rule.metric)
    label = metric.label if metric else rule.metric
    about = rule.model or rule.queue
    if about:
        label += f" ({about}" + (f" in {rule.vhost}" if rule.vhost else "") + ")"
    text = f"{label} {rule.comparison} {rule.threshold:g}{unit(rule)}"
    return text + (f" for {rule.duration} s" if rule.duration else "")


def create(data: dict, *, by: str) -> AlertRule:
    fields = {field: data[field] for field in EDITABLE}
    return AlertRule.objects.create(**fields, created_by=by, state_since=timezone.now())


def change(rule: AlertRule, data: dict) -> None:
    """The operator's fields; a rule pending starts over (its condition may be another:
    an event says so), one firing stays firing until the next round says otherwise."""
    for field in EDITABLE:
        setattr(rule, field, data[field])
    now = timezone.now()
    with transaction.atomic():
        rule.save(update_fields=list(EDITABLE))
        pending = AlertRule.objects.filter(pk=rule.pk, state=State.PENDING)
        if pending.update(state=State.OK, state_since=now, value=None):
            AlertEvent.objects.create(rule=rule, at=now, state=State.OK, value=None)


def silence(rule: AlertRule, *, minutes: int, reason: str, by: str) -> AlertSilence:
    ends = timezone.now() + timedelta(minutes=minutes)
    return AlertSilence.objects.create(rule=rule, ends_at=ends, reason=reason, created_by=by)


def end_silences(rule: AlertRule) -> int:
    """End every silence in force on the rule; how many there were."""
    return current_silences([rule.pk]).update(ended_at=timezone.now())


EVENTS_SHOWN = 10


def as_json(rules: list[AlertRule]) -> list[dict]:
    """The rules and their states, as GET /api/alerts gives them: their last events
    and their silences read in one query each."""
    ids = [rule.pk for rule in rules]
    newest = Window(
        RowNumber(), partition_by=F("rule_id"), order_by=[F("at").desc(), F("id").desc()]
    )
    events: dict[int, list[dict]] = {rule_id: [] for rule_id in ids}
    recent = (
        AlertEvent.objects.filter(rule_id__in=ids).annotate(n=newest).filter(n__lte=EVENTS_SHOWN)
    )
    for event in recent.order_by("rule_id", "-at", "-id"):
        events[event.rule_id].append(
            {"at": stamp(event.at), "state": event.state, "value": event.value}
        )
    until: dict[int, object] = {}
    for silence in current_silences(ids):
        until[silence.rule_id] = max(until.get(silence.rule_id, silence.ends_at), silence.ends_at)
    return [rule_json(rule, events[rule.pk], until.get(rule.pk)) for rule in rules]


def rule_json(rule: AlertRule, events: list[dict], silenced_until) -> dict:
    return {
        "id": rule.id,
        "name": rule.name,
        "instance": rule.instance,
        "metric": rule.metric,
        "model": rule.model,
        "queue": rule.queue,
        "vhost": rule.vhost,
        "comparison": rule.comparison,
        "threshold": rule.threshold,
        "duration": rule.duration,
        "condition": condition(rule),
        "state": rule.state,
        "state_since": stamp(rule.state_since),
        "value": rule.value,
        "evaluated_at": stamp(rule.evaluated_at),
        "silenced_until": stamp(silenced_until),
        "notifies": len(rule.notify),
        "events": events,
    }


def stamp(moment) -> str | None:
    return moment.isoformat() if moment else None
