from django import forms

from cacheadmin.tasks.rq_reads import STATES
from cacheadmin.web.forms import TextForm


class TaskListForm(TextForm):
    framework = forms.ChoiceField(required=False, choices=[("rq", "RQ")])
    queue = forms.CharField(max_length=1000, strip=False)
    state = forms.ChoiceField(required=False, choices=[(state, state) for state in STATES])
    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)

    def clean(self) -> dict:
        data = super().clean()
        data["framework"] = data.get("framework") or "rq"
        data["state"] = data.get("state") or "failed"
        data["page"] = data.get("page") or 1
        return data


class TaskForm(TextForm):
    id = forms.RegexField(
        regex=r"\A[A-Za-z0-9_-]+\Z",  # RQ's own rule for a job id
        max_length=200,
        error_messages={"invalid": "A job id holds letters, digits, _ and - only."},
    )
    framework = forms.ChoiceField(required=False, choices=[("rq", "RQ")])
