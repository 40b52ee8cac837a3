from django import forms

from cacheadmin.gateways.keycodec import parse_typed
from cacheadmin.web.forms import TextForm


class ServerForm(forms.Form):
    """The server a change is asked of, as the page showed it: its node ("" on a single
    server) and its run id then."""

    node = forms.CharField(required=False, max_length=300)
    run_id = forms.RegexField(regex=r"^[0-9a-f]{40}$", error_messages={"invalid": "Not a run id."})


class ClientKillForm(ServerForm):
    id = forms.IntegerField(min_value=0)
    addr = forms.CharField(max_length=300)
    name = forms.CharField(required=False, max_length=300)  # shown on the confirmation


class AnalysisForm(TextForm):
    """What to analyse: a database (the instance's own when none), the keys under a
    prefix (typed as keys are: \\xNN for a byte), grouped by a delimiter to a depth."""

    db = forms.IntegerField(required=False, min_value=0, max_value=10_000)
    prefix = forms.CharField(required=False, max_length=1000, strip=False)
    delimiter = forms.CharField(required=False, max_length=8, strip=False)
    depth = forms.IntegerField(required=False, min_value=1, max_value=8)

    def clean(self) -> dict:
        data = super().clean()
        data["prefix"] = parse_typed(data.get("prefix") or "")
        data["delimiter"] = parse_typed(data.get("delimiter") or ":")
        data["depth"] = data.get("depth") or 2
        return data
