from django import forms

from cacheadmin.models import AuditEntry
from cacheadmin.web.forms import TextForm


class AuditFilterForm(TextForm):
    username = forms.CharField(required=False, max_length=150, label="User")
    instance = forms.CharField(required=False, max_length=63)
    action = forms.CharField(required=False, max_length=64)
    outcome = forms.ChoiceField(
        required=False, choices=[("", "any outcome"), *AuditEntry.Outcome.choices]
    )
    text = forms.CharField(required=False, max_length=200, label="Target contains")
    page = forms.IntegerField(required=False, min_value=1)
