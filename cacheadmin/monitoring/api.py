"""The monitoring JSON API: GET /api/history, a figure's sampled history; GET
/api/alerts, the alert rules and their states."""

import time

from django.http import HttpRequest, JsonResponse

from cacheadmin.monitoring import alert_rules
from cacheadmin.monitoring.forms import HistoryForm
from cacheadmin.monitoring.history import history_of
from cacheadmin.web.instance_paths import every_instance, instances_shown
from cacheadmin.web.json_api import invalid_form, json_methods


@json_methods("GET")
def api_history(request: HttpRequest) -> JsonResponse:
    """Every series of the figure on the instance (of the model, queue or vhost asked),
    with its points since `since`, from the finest tier that holds the span."""
    form = HistoryForm(request.GET)
    if not form.is_valid():
        return invalid_form(form, "This history cannot be read.")
    return JsonResponse(history_of(request.instance.name, form.cleaned_data, now=time.time()))


@every_instance
@json_methods("GET")
def api_alerts(request: HttpRequest) -> JsonResponse:
    """The alert rules of the instance asked (or of every instance the user may see),
    firing first, each with its state and its last changes."""
    rules = list(alert_rules.rules_of(instances_shown(request)))
    return JsonResponse({"rules": alert_rules.as_json(rules)})
