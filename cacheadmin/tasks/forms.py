from django import forms

from cacheadmin.tasks.celery_event_states import STATES as CELERY_STATES
from cacheadmin.tasks.rq_reads import STATES
from cacheadmin.web.forms import TextForm

JOB_ID = r"\A[A-Za-z0-9_-]+\Z"  # RQ's own rule for a job id; Celery's uuids keep it
FRAMEWORKS = [("rq", "RQ"), ("celery", "Celery")]


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


class CeleryTaskListForm(TextForm):
    """/api/tasks?framework=celery: the recorded tasks, of any queue and state unless
    one is named."""

    framework = forms.ChoiceField(choices=[("celery", "Celery")])
    queue = forms.CharField(max_length=200, required=False, strip=False)
    state = forms.ChoiceField(required=False, choices=[(state, state) for state in CELERY_STATES])
    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)

    def clean(self) -> dict:
        data = super().clean()
        data["page"] = data.get("page") or 1
        return data


class TaskForm(TextForm):
    id = forms.RegexField(
        regex=JOB_ID,
        max_length=200,
        error_messages={"invalid": "A job id holds letters, digits, _ and - only."},
    )
    framework = forms.ChoiceField(required=False, choices=FRAMEWORKS)

    def clean(self) -> dict:
        data = super().clean()
        data["framework"] = data.get("framework") or "rq"
        return data


class TaskActionForm(TextForm):
    """A change to one job (id), or to every failed job of a queue (queue, state)."""

    id = forms.RegexField(
        regex=JOB_ID,
        max_length=200,
        required=False,
        error_messages={"invalid": "A job id holds letters, digits, _ and - only."},
    )
    queue = forms.CharField(max_length=1000, required=False, strip=False)
    state = forms.ChoiceField(required=False, choices=[("failed", "failed")])
    confirm = forms.CharField(max_length=1000, required=False, strip=False)
    dry_run = forms.BooleanField(required=False)

    def __init__(self, *args, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action

    def clean(self) -> dict:
        data = super().clean()
        one, queue = data.get("id"), data.get("queue")
        if bool(one) == bool(queue):
            self.add_error(None, 'Name one job ("id") or a queue ("queue", "state": "failed").')
        elif queue and data.get("state") != "failed":
            self.add_error("state", 'Only a queue\'s failed jobs are changed together: "failed".')
        elif queue and self.action not in ("requeue", "delete"):
            self.add_error(
                "queue", f"Jobs are canceled one at a time: name the job to {self.action}."
            )
        return data
