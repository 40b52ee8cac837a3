"""What an operator writes on the alerts page: a rule, and a silence."""

from django import forms

from cacheadmin.monitoring.alert_metrics import METRICS, MODEL, NONE, QUEUE, Metric
from cacheadmin.monitoring.alert_targets import MAX_URLS, problem_with
from cacheadmin.monitoring.alerting import COMPARISONS
from cacheadmin.monitoring.figures import RQ_FAILED
from cacheadmin.web.forms import TextForm

MAX_DURATION = 7 * 86400
MAX_SILENCE_MINUTES = 30 * 24 * 60


class AlertRuleForm(TextForm):
    name = forms.CharField(max_length=100)
    instance = forms.ChoiceField(choices=())
    metric = forms.ChoiceField(
        choices=[(name, f"{metric.label} ({name})") for name, metric in METRICS.items()]
    )
    model = forms.CharField(required=False, max_length=100, help_text="An object-cache model.")
    queue = forms.CharField(
        required=False, max_length=1000, help_text="A RabbitMQ queue's name, a Redis list's key."
    )
    vhost = forms.CharField(
        required=False, max_length=255, help_text="A RabbitMQ queue's vhost (/: the default)."
    )
    comparison = forms.ChoiceField(choices=[(sign, sign) for sign in COMPARISONS])
    threshold = forms.FloatField(min_value=-1e15, max_value=1e15)
    duration = forms.IntegerField(
        min_value=0, max_value=MAX_DURATION, initial=0, help_text="Seconds it must hold."
    )
    notify = forms.CharField(
        required=False,
        max_length=MAX_URLS * 2100,
        widget=forms.Textarea,
        help_text="apprise URLs, one a line; a URL with a secret as ${ALERT_...}.",
    )

    def __init__(self, *args, instances: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instance"].choices = [(name, name) for name in instances]

    def clean_notify(self) -> list[str]:
        urls = [line.strip() for line in self.cleaned_data["notify"].splitlines() if line.strip()]
        if len(urls) > MAX_URLS:
            raise forms.ValidationError(f"At most {MAX_URLS} URLs a rule.")
        problems = [f"{url[:80]}: {problem}" for url in urls if (problem := problem_with(url))]
        if problems:
            raise forms.ValidationError(problems)
        return urls

    def clean(self) -> dict:
        data = super().clean()
        metric = METRICS.get(data.get("metric", ""))
        if metric is None:
            return data
        about = {"model": data.get("model"), "queue": data.get("queue"), "vhost": data.get("vhost")}
        if metric.about == MODEL and not about["model"]:
            self.add_error("model", "Name the model this metric is about.")
        if metric.about == QUEUE and not about["queue"]:
            self.add_error("queue", "Name the queue this metric is about.")
        for field in ("model", "queue", "vhost"):
            if about[field] and not needs(metric, field):
                self.add_error(field, "This metric is not about a " + field + ": leave it empty.")
        return data


def needs(metric: Metric, field: str) -> bool:
    """Whether the metric takes the field: a model's its model, a queue's its queue,
    and its vhost when the queue may be RabbitMQ's (an RQ queue's is not)."""
    if field == "vhost":
        return metric.about == QUEUE and RQ_FAILED not in metric.figures
    return metric.about != NONE and field == metric.about


class SilenceForm(TextForm):
    minutes = forms.IntegerField(min_value=1, max_value=MAX_SILENCE_MINUTES, initial=60)
    reason = forms.CharField(required=False, max_length=500)
