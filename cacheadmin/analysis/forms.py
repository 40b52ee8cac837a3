from django import forms


class ServerForm(forms.Form):
    """The server a change is asked of, as the page showed it: its node ("" on a single
    server) and its run id then."""

    node = forms.CharField(required=False, max_length=300)
    run_id = forms.RegexField(regex=r"^[0-9a-f]{40}$", error_messages={"invalid": "Not a run id."})


class ClientKillForm(ServerForm):
    id = forms.IntegerField(min_value=0)
    addr = forms.CharField(max_length=300)
    name = forms.CharField(required=False, max_length=300)  # shown on the confirmation
