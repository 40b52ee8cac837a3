"""Alert rules as the pages and the API read and change them: the rules of the
instances a user may see, what fires, a rule's description, and an operator's changes
(each one audited by the views)."""

from datetime import timedelta

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from cacheadmin.models import AlertRule, AlertSilence
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


def silence_of(rule: AlertRule) -> AlertSilence | None:
    """The silence in force on the rule, if any."""
    now = timezone.now()
    current = rule.silences.filter(starts_at__lte=now, ends_at__gt=now, ended_at__isnull=True)
    return current.order_by("-ends_at").first()


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
    """The operator's fields; a rule pending starts over (its condition may be another),
    a firing one stays firing until the next round says otherwise."""
    for field in EDITABLE:
        setattr(rule, field, data[field])
    fields = list(EDITABLE)
    if rule.state == State.PENDING:
        rule.state, rule.state_since = State.OK, timezone.now()
        fields += ["state", "state_since"]
    rule.save(update_fields=fields)


def silence(rule: AlertRule, *, minutes: int, reason: str, by: str) -> AlertSilence:
    ends = timezone.now() + timedelta(minutes=minutes)
    return AlertSilence.objects.create(rule=rule, ends_at=ends, reason=reason, created_by=by)


def end_silence(silence: AlertSilence) -> None:
    silence.ended_at = timezone.now()
    silence.save(update_fields=["ended_at"])


def as_json(rule: AlertRule) -> dict:
    """A rule and its state, as GET /api/alerts gives it."""
    silenced = silence_of(rule)
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
        "silenced_until": stamp(silenced.ends_at) if silenced else None,
        "notifies": len(rule.notify),
        "events": [
            {"at": stamp(event.at), "state": event.state, "value": event.value}
            for event in rule.events.all()[:10]
        ],
    }


def stamp(moment) -> str | None:
    return moment.isoformat() if moment else None
