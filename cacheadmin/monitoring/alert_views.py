"""The alerts pages: every rule a user may see with its state (/alerts/), one rule with
its history (/alerts/<id>); operators of a rule's instance write, change, silence and
delete it, each change audited."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cacheadmin.gateways.connections import instance as instance_named
from cacheadmin.models import AlertNotification, AlertRule
from cacheadmin.monitoring import alert_rules
from cacheadmin.monitoring.alert_forms import AlertRuleForm, SilenceForm
from cacheadmin.monitoring.alert_metrics import METRICS
from cacheadmin.monitoring.alert_targets import MAX_URLS
from cacheadmin.monitoring.lease import sampling
from cacheadmin.web.access import audit_refused_change
from cacheadmin.web.audit import audit_record
from cacheadmin.web.instance_paths import every_instance, instances_shown, visible_to
from cacheadmin.web.roles import can_operate


def operated(request: HttpRequest) -> list[str]:
    return [name for name in instances_shown(request) if can_operate(request.user, name)]


@every_instance
@require_http_methods(["GET", "POST"])
def alerts(request: HttpRequest) -> HttpResponse:
    """The rules and their states; POST: a new rule, from an operator of its instance."""
    writable = operated(request)
    posted = request.POST if request.method == "POST" else None
    form = AlertRuleForm(posted, instances=writable)
    if request.method == "POST":
        if not writable:
            refuse(request, None, "alert.rule.create")
        if form.is_valid() and too_many():
            form.add_error(None, f"There are {settings.ALERT_MAX_RULES} rules already.")
        if form.is_valid():
            rule = alert_rules.create(form.cleaned_data, by=request.user.get_username())
            audit(request, rule, "alert.rule.create", alert_rules.condition(rule))
            messages.success(request, f"Rule “{rule.name}” made: the sampler evaluates it.")
            return redirect("alert", rule_id=rule.id)
    rules = list(alert_rules.rules_of(instances_shown(request)))
    context = {
        "rules": [(rule, alert_rules.condition(rule), alert_rules.unit(rule)) for rule in rules],
        "form": form if writable else None,
        "metrics": METRICS.values(),
        "max_urls": MAX_URLS,
        "sampling": sampling(),
    }
    return render(request, "monitoring/alerts.html", context, status=400 if form.errors else 200)


def rule_for(request: HttpRequest, rule_id: int) -> AlertRule:
    """The rule, when the user may see its instance (and it is the one the URL names,
    if any); else a 404 that tells no more."""
    rule = AlertRule.objects.filter(pk=rule_id).first()
    if rule is None or rule.instance not in visible_to(request):
        raise Http404("There is no such alert rule.")
    if request.instance_named and rule.instance != request.instance.name:
        raise Http404("There is no such alert rule.")
    return rule


@every_instance
@require_GET
def alert(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = rule_for(request, rule_id)
    initial = {field: getattr(rule, field) for field in alert_rules.EDITABLE}
    initial["notify"] = "\n".join(rule.notify)
    form = AlertRuleForm(initial=initial, instances=instances_for(request, rule))
    return render_rule(request, rule, form)


def render_rule(request: HttpRequest, rule: AlertRule, form, *, status: int = 200):
    writable = can_operate(request.user, rule.instance)
    context = {
        "rule": rule,
        "condition": alert_rules.condition(rule),
        "unit": alert_rules.unit(rule),
        "silence": alert_rules.silence_of(rule),
        "events": rule.events.all()[:50],
        "notifications": rule.notifications.all()[:20],
        "last_told": rule.notifications.filter(status=AlertNotification.Status.SENT).first(),
        "silences": rule.silences.order_by("-starts_at")[:10],
        "form": form if writable else None,
        "writable": writable,
        "max_urls": MAX_URLS,
        "sampling": sampling(),
    }
    return render(request, "monitoring/alert.html", context, status=status)


def writable_rule(request: HttpRequest, rule_id: int, action: str) -> AlertRule:
    rule = rule_for(request, rule_id)
    if not can_operate(request.user, rule.instance):
        refuse(request, rule, action)
    return rule


@every_instance
@require_POST
def alert_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = writable_rule(request, rule_id, "alert.rule.change")
    form = AlertRuleForm(request.POST, instances=instances_for(request, rule))
    if not form.is_valid():
        return render_rule(request, rule, form, status=400)
    alert_rules.change(rule, form.cleaned_data)
    audit(request, rule, "alert.rule.change", alert_rules.condition(rule))
    messages.success(request, f"Rule “{rule.name}” changed.")
    return redirect("alert", rule_id=rule.id)


def instances_for(request: HttpRequest, rule: AlertRule) -> list[str]:
    """The instances a rule may move to: its own and the others the user operates."""
    names = visible_to(request)
    return [name for name in names if name == rule.instance or can_operate(request.user, name)]


@every_instance
@require_http_methods(["GET", "POST"])
def alert_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    """GET: the confirmation; POST: the rule, its history and silences gone."""
    rule = writable_rule(request, rule_id, "alert.rule.delete")
    if request.method == "GET":
        context = {"rule": rule, "condition": alert_rules.condition(rule)}
        return render(request, "monitoring/alert_delete.html", context)
    described = alert_rules.condition(rule)
    rule.delete()
    audit(request, rule, "alert.rule.delete", described)
    messages.success(request, f"Rule “{rule.name}” deleted.")
    return redirect("alerts")


@every_instance
@require_POST
def alert_silence(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = writable_rule(request, rule_id, "alert.silence")
    form = SilenceForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"Silence, {field}: {' '.join(errors)}")
        return redirect("alert", rule_id=rule.id)
    data = form.cleaned_data
    made = alert_rules.silence(
        rule, minutes=data["minutes"], reason=data["reason"], by=request.user.get_username()
    )
    target = f"until {made.ends_at:%Y-%m-%d %H:%M:%S} UTC" + (
        f" ({data['reason']})" if data["reason"] else ""
    )
    audit(request, rule, "alert.silence", target)
    messages.success(request, f"No notification of “{rule.name}” for {data['minutes']} min.")
    return redirect("alert", rule_id=rule.id)


@every_instance
@require_POST
def alert_unsilence(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = writable_rule(request, rule_id, "alert.silence.end")
    if alert_rules.end_silences(rule):
        audit(request, rule, "alert.silence.end", "every silence ended")
        messages.success(request, f"Notifications of “{rule.name}” resume.")
    return redirect("alert", rule_id=rule.id)


def too_many() -> bool:
    return AlertRule.objects.count() >= settings.ALERT_MAX_RULES


def audit(request: HttpRequest, rule: AlertRule, action: str, target: str) -> None:
    audit_record(
        user=request.user,
        instance=instance_named(rule.instance),
        action=action,
        target=f"{rule.name}: {target}",
    )


def refuse(request: HttpRequest, rule: AlertRule | None, action: str) -> None:
    """A viewer's change, refused and audited (on the rule's instance; a new rule's on
    none: which it was for is in what was posted, not known)."""
    instance = instance_named(rule.instance) if rule else None
    audit_refused_change(request, instance=instance, action=action)
    raise PermissionDenied("Only operators of the rule's instance may change it.")
