"""What the key browser's pages accept."""

from django import forms

from cacheadmin.gateways.keycodec import parse_typed
from cacheadmin.gateways.redis_kinds import cluster_scan
from cacheadmin.keys.keyspace import TYPES
from cacheadmin.keys.values import MAX_PREVIEW_BYTES
from cacheadmin.web.forms import (
    ANY_CURSOR,
    CURSOR,
    MAX_CURSOR,
    TextForm,
    any_cursor,
    glob_pattern,
    scan_cursor,
)

DEFAULT_PAGE_SIZE = 100
DB_HELP = (
    "A database number, below the server's `databases` setting (16 by default): one the "
    "server does not have is a 400. A Redis Cluster has database 0 only."
)
SERVER = r"\A[0-9a-f]{16}\Z"
STREAM_ID = r"\A[0-9]{1,20}(-[0-9]{1,20})?\Z"


class KeyBrowseForm(TextForm):
    """The key browser's query: what to SCAN for, from where, how many."""

    match = forms.CharField(required=False, max_length=512, strip=False, label="Pattern")
    type = forms.ChoiceField(
        required=False, choices=[("", "any type"), *((kind, kind) for kind in TYPES)]
    )
    db = forms.IntegerField(
        required=False, min_value=0, max_value=1023, label="Database", help_text=DB_HELP
    )
    cursor = forms.RegexField(
        required=False,
        regex=ANY_CURSOR,
        error_messages={
            "invalid": "A cursor is a number, or the text a cluster's previous page gave."
        },
    )
    count = forms.IntegerField(required=False, min_value=1, max_value=1000, label="Page size")
    scanned = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    server = forms.RegexField(
        required=False,
        regex=SERVER,
        widget=forms.HiddenInput,
        error_messages={"invalid": "A server is the 16 hex digits the previous page gave."},
    )

    def clean_match(self) -> bytes:
        return glob_pattern(self.cleaned_data["match"])

    def clean_cursor(self) -> int | cluster_scan.ClusterCursor:
        return any_cursor(self.cleaned_data["cursor"])

    def clean_count(self) -> int:
        return self.cleaned_data["count"] or DEFAULT_PAGE_SIZE

    def clean_type(self) -> str | None:
        return self.cleaned_data["type"] or None

    def scan_args(self) -> dict:
        data = self.cleaned_data
        names = ("match", "cursor", "count", "server")
        return {name: data[name] for name in names} | {"type_": data["type"]}


SCORE_BOUND = r"\A\(?(-inf|\+inf|inf|[-+]?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?)\Z"


class ValueQueryForm(TextForm):
    """Which page of a value to show, for every viewer; defaults show the first page."""

    db = forms.IntegerField(required=False, min_value=0, max_value=1023, help_text=DB_HELP)
    view = forms.ChoiceField(
        required=False, choices=[("text", "text"), ("json", "JSON"), ("hex", "hex")]
    )
    bytes = forms.IntegerField(required=False, min_value=16, max_value=MAX_PREVIEW_BYTES)
    cursor = forms.RegexField(required=False, regex=CURSOR)
    match = forms.CharField(required=False, max_length=256, strip=False)
    offset = forms.IntegerField(required=False, min_value=0, max_value=2**62)
    count = forms.IntegerField(required=False, min_value=1, max_value=500)
    end = forms.ChoiceField(required=False, choices=[("head", "head"), ("tail", "tail")])
    by = forms.ChoiceField(required=False, choices=[("rank", "rank"), ("score", "score")])
    order = forms.ChoiceField(required=False, choices=[("asc", "asc"), ("desc", "desc")])
    low = forms.RegexField(required=False, regex=SCORE_BOUND, max_length=40)
    high = forms.RegexField(required=False, regex=SCORE_BOUND, max_length=40)
    after = forms.RegexField(required=False, regex=STREAM_ID)

    DEFAULTS = {
        "view": "text",
        "bytes": 4096,
        "cursor": 0,
        "offset": 0,
        "count": 50,
        "end": "head",
        "by": "rank",
        "order": "asc",
        "low": "-inf",
        "high": "+inf",
    }

    def clean(self) -> dict:
        data = super().clean()
        for name, default in self.DEFAULTS.items():
            if data.get(name) in (None, ""):
                data[name] = default
        data["after"] = data.get("after") or None
        return data

    def clean_cursor(self) -> int:
        return scan_cursor(self.cleaned_data["cursor"])

    def clean_match(self) -> bytes:
        return glob_pattern(self.cleaned_data["match"])

    def clean_after(self) -> str:
        after = self.cleaned_data["after"]
        if after and any(int(part) > MAX_CURSOR for part in after.split("-")):
            raise forms.ValidationError("A stream ID is two numbers below 2**64.")
        return after


class TtlForm(TextForm):
    seconds = forms.IntegerField(min_value=1, max_value=10 * 365 * 86400, label="TTL in seconds")


class NamespaceForm(TextForm):
    db = forms.IntegerField(
        required=False, min_value=0, max_value=1023, label="Database", help_text=DB_HELP
    )
    prefix = forms.CharField(required=False, max_length=512, strip=False)
    delimiter = forms.CharField(required=False, max_length=8, strip=False, empty_value=":")
    sample = forms.IntegerField(required=False, min_value=100, max_value=100_000, label="Sample")

    def clean_prefix(self) -> bytes:
        return parse_typed(self.cleaned_data["prefix"])

    def clean_delimiter(self) -> bytes:
        return parse_typed(self.cleaned_data["delimiter"] or ":")

    def clean_sample(self) -> int:
        return self.cleaned_data["sample"] or 10_000
