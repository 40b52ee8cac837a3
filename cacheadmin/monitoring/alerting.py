"""Alert rules evaluated by the sampler after each round: a rule's condition holds or
not on the sampler's latest figures, and its state follows (ok, pending while it has
held for less than its duration, firing), each change kept as an event."""

import operator
from datetime import UTC, datetime

from django.db import transaction

from cacheadmin.models import AlertEvent, AlertRule
from cacheadmin.monitoring.alert_metrics import METRICS, value_now

COMPARISONS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
State = AlertRule.State


def moment(now: int) -> datetime:
    """Unix seconds as the database keeps times."""
    return datetime.fromtimestamp(now, UTC)


def evaluate(now: int, unanswered: frozenset[str] | set[str] = frozenset()) -> int:
    """Every rule's state at now (unix seconds, the round's). A rule without a value on
    an instance that did not answer the round (unanswered) keeps its state: nothing is
    known of it. Returns how many rules changed state."""
    changed = 0
    for rule in AlertRule.objects.all():
        value = rule_value(rule, now)
        holds = value is not None and COMPARISONS[rule.comparison](value, rule.threshold)
        unknown = value is None and rule.instance in unanswered
        state = rule.state if unknown else next_state(rule, holds, now)
        changed += write_state(rule, state, value, now)
    return changed


def write_state(rule: AlertRule, state: str, value: float | None, now: int) -> bool:
    """The rule's new state and value, and its event, written only if its state is
    still the one read: an operator's change meanwhile (a pending rule restarted) or a
    deletion wins, and the next round evaluates it afresh."""
    fields = {"value": value, "evaluated_at": moment(now)}
    if state != rule.state:
        fields |= {"state": state, "state_since": moment(now)}
    with transaction.atomic():
        still = AlertRule.objects.filter(pk=rule.pk, state=rule.state).update(**fields)
        if still and state != rule.state:
            AlertEvent.objects.create(rule_id=rule.pk, at=moment(now), state=state, value=value)
    return bool(still) and state != rule.state


def rule_value(rule: AlertRule, now: int) -> float | None:
    metric = METRICS.get(rule.metric)
    if metric is None:  # a metric this version no longer knows
        return None
    about = {"model": rule.model, "queue": rule.queue, "vhost": rule.vhost}
    return value_now(rule.instance, metric, now=now, **about)


def next_state(rule: AlertRule, holds: bool, now: int) -> str:
    """ok while the condition does not hold (or has no value); pending from the round
    it first holds; firing once it has held for the rule's duration."""
    if not holds:
        return State.OK
    if rule.state == State.OK:
        return State.FIRING if rule.duration == 0 else State.PENDING
    if rule.state == State.PENDING and rule.state_since is not None:
        held = now - rule.state_since.timestamp()
        return State.FIRING if held >= rule.duration else State.PENDING
    return rule.state
