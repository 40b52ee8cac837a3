import json

from django import forms

from cacheadmin.queues.headers import header_problem
from cacheadmin.web.forms import TextForm


class QueueListForm(TextForm):
    kind = forms.ChoiceField(required=False, choices=[("rabbitmq", "RabbitMQ"), ("redis", "Redis")])
    vhost = forms.CharField(required=False, max_length=255, strip=False)
    name = forms.CharField(required=False, max_length=200, label="Name contains")
    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)
    page_size = forms.IntegerField(required=False, min_value=1, max_value=500)
    sort = forms.ChoiceField(
        required=False,
        choices=[(s, s) for s in ("name", "messages", "ready", "unacked", "consumers")],
    )
    order = forms.ChoiceField(required=False, choices=[("asc", "asc"), ("desc", "desc")])
    internal = forms.TypedChoiceField(
        required=False,
        choices=[("0", "0"), ("1", "1")],
        coerce=lambda value: value == "1",
        empty_value=None,
        help_text="Celery's internal queues (celeryev.*, *.pidbox; RabbitMQ and Redis): "
        "1 lists them, 0 leaves them out (and total counts the others). Without it the API "
        "lists them, as it always did; the page leaves them out.",
    )

    def clean(self) -> dict:
        data = super().clean()
        data["kind"] = data.get("kind") or "rabbitmq"
        data["page"] = data.get("page") or 1
        data["page_size"] = data.get("page_size") or 100
        data["sort"] = data.get("sort") or "name"
        data["order"] = data.get("order") or "asc"
        return data


class RedisQueueForm(TextForm):
    """A Redis queue's page: for a Celery queue, how many of its next messages to
    decode, and which page of the reserved tasks to show."""

    peek = forms.IntegerField(required=False, min_value=1, max_value=100)
    reserved_page = forms.IntegerField(required=False, min_value=1, max_value=100_000)

    def clean(self) -> dict:
        data = super().clean()
        data["peek"] = data.get("peek") or 10
        data["reserved_page"] = data.get("reserved_page") or 1
        return data


class QueueForm(TextForm):
    vhost = forms.CharField(max_length=255, strip=False)
    name = forms.CharField(max_length=255, strip=False)


class ExchangeForm(QueueForm):
    name = forms.CharField(max_length=255, strip=False, required=False)  # "": the default


class PeekForm(QueueForm):
    count = forms.IntegerField(min_value=1, max_value=100, initial=5)


class PublishForm(QueueForm):
    routing_key = forms.CharField(max_length=255, strip=False, required=False)
    headers = forms.CharField(required=False, max_length=10_000, help_text="JSON object")
    body = forms.CharField(required=False, max_length=1_000_000, strip=False)

    def clean_headers(self) -> dict:
        text = self.cleaned_data["headers"].strip()
        if not text:
            return {}
        try:
            headers = json.loads(text)
        except (ValueError, RecursionError):
            raise forms.ValidationError("Headers are a JSON object.") from None
        if not isinstance(headers, dict):
            raise forms.ValidationError("Headers are a JSON object.")
        if problem := header_problem(headers):
            raise forms.ValidationError(problem)
        return headers
