"""Forms that validate what users send before anything reaches a service."""

import json

from django import forms

from cacheadmin.invalidation.engine import KINDS, Target
from cacheadmin.models import AuditEntry
from cacheadmin.redis.keycodec import parse_typed, parse_typed_glob
from cacheadmin.redis.keys import TYPES
from cacheadmin.redis.values import MAX_PREVIEW_BYTES

DEFAULT_PAGE_SIZE = 100


class AuditFilterForm(forms.Form):
    username = forms.CharField(required=False, max_length=150, label="User")
    action = forms.CharField(required=False, max_length=64)
    outcome = forms.ChoiceField(
        required=False, choices=[("", "any outcome"), *AuditEntry.Outcome.choices]
    )
    text = forms.CharField(required=False, max_length=200, label="Target contains")
    page = forms.IntegerField(required=False, min_value=1)


MAX_CURSOR = 2**64 - 1
# Deeply nested wildcards once made Redis' glob matching hang (CVE-2022-36021):
# bound them for servers that are not patched.
MAX_STARS = 16
# [0-9] and \Z, not \d and $: those also take other scripts' digits and a final newline.
CURSOR = r"\A[0-9]{1,20}\Z"
STREAM_ID = r"\A[0-9]{1,20}(-[0-9]{1,20})?\Z"


def glob_pattern(text: str) -> bytes:
    """A glob as typed (\\xNN for raw bytes), within what any Redis matches quickly."""
    pattern = parse_typed_glob(text or "*")
    if pattern.count(b"*") > MAX_STARS:
        raise forms.ValidationError(f"Use at most {MAX_STARS} * in a pattern.")
    return pattern


def scan_cursor(text: str) -> int:
    cursor = int(text or 0)
    if cursor > MAX_CURSOR:
        raise forms.ValidationError("This cursor is larger than any SCAN cursor.")
    return cursor


class KeyBrowseForm(forms.Form):
    """The key browser's query: what to SCAN for, from where, how many."""

    match = forms.CharField(required=False, max_length=512, strip=False, label="Pattern")
    type = forms.ChoiceField(
        required=False, choices=[("", "any type"), *((kind, kind) for kind in TYPES)]
    )
    db = forms.IntegerField(required=False, min_value=0, max_value=1023, label="Database")
    cursor = forms.RegexField(
        required=False, regex=CURSOR, error_messages={"invalid": "A cursor is a number."}
    )
    count = forms.IntegerField(required=False, min_value=1, max_value=1000, label="Page size")
    scanned = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def clean_match(self) -> bytes:
        return glob_pattern(self.cleaned_data["match"])

    def clean_cursor(self) -> int:
        return scan_cursor(self.cleaned_data["cursor"])

    def clean_count(self) -> int:
        return self.cleaned_data["count"] or DEFAULT_PAGE_SIZE

    def clean_type(self) -> str | None:
        return self.cleaned_data["type"] or None

    def scan_args(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in ("match", "cursor", "count")} | {"type_": data["type"]}


SCORE_BOUND = r"\A\(?(-inf|\+inf|inf|[-+]?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?)\Z"


class ValueQueryForm(forms.Form):
    """Which page of a value to show, for every viewer; defaults show the first page."""

    db = forms.IntegerField(required=False, min_value=0, max_value=1023)
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


class TtlForm(forms.Form):
    seconds = forms.IntegerField(min_value=1, max_value=10 * 365 * 86400, label="TTL in seconds")


class NamespaceForm(forms.Form):
    db = forms.IntegerField(required=False, min_value=0, max_value=1023, label="Database")
    prefix = forms.CharField(required=False, max_length=512, strip=False)
    delimiter = forms.CharField(required=False, max_length=8, strip=False, empty_value=":")
    sample = forms.IntegerField(required=False, min_value=100, max_value=100_000, label="Sample")

    def clean_prefix(self) -> bytes:
        return parse_typed(self.cleaned_data["prefix"])

    def clean_delimiter(self) -> bytes:
        return parse_typed(self.cleaned_data["delimiter"] or ":")

    def clean_sample(self) -> int:
        return self.cleaned_data["sample"] or 10_000


class LookupForm(forms.Form):
    """An object of a cache model by id, or the objects under an attribute value."""

    id = forms.CharField(required=False, max_length=256, label="Object id")
    attribute = forms.CharField(required=False, max_length=100)
    value = forms.CharField(required=False, max_length=256, strip=False)
    cursor = forms.RegexField(required=False, regex=CURSOR)

    def clean_cursor(self) -> int:
        return scan_cursor(self.cleaned_data["cursor"])


class InvalidationForm(forms.Form):
    """What to invalidate. target is typed text (\\xNN for a raw byte): the key, the
    pattern, the bucket number, the model name, the object id or the attribute value."""

    kind = forms.ChoiceField(choices=[(kind, kind) for kind in KINDS])
    target = forms.CharField(max_length=1024, strip=False, required=False)
    model = forms.CharField(max_length=100, required=False)
    attribute = forms.CharField(max_length=100, required=False)
    dry_run = forms.BooleanField(required=False)
    confirm = forms.CharField(max_length=1024, required=False, strip=False)
    rate = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("kind")
        if kind == "model" and not data.get("model"):
            data["model"] = data.get("target", "")
        if kind in ("bucket", "model", "object", "attribute") and not data.get("model"):
            self.add_error("model", "Name the object-cache model.")
        if kind == "attribute" and not data.get("attribute"):
            self.add_error("attribute", "Name the inverted attribute.")
        if kind != "model" and not data.get("target"):
            self.add_error("target", "Say what to invalidate.")
        if kind == "pattern" and data.get("target"):
            try:
                glob_pattern(data["target"])
            except forms.ValidationError as error:
                self.add_error("target", error)
        return data

    def build_target(self) -> Target:
        data = self.cleaned_data
        raw = data["model"] if data["kind"] == "model" else data["target"]
        parse = parse_typed_glob if data["kind"] == "pattern" else parse_typed
        return Target(data["kind"], parse(raw), data["model"], data["attribute"])


class QueueListForm(forms.Form):
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

    def clean(self) -> dict:
        data = super().clean()
        data["kind"] = data.get("kind") or "rabbitmq"
        data["page"] = data.get("page") or 1
        data["page_size"] = data.get("page_size") or 100
        data["sort"] = data.get("sort") or "name"
        data["order"] = data.get("order") or "asc"
        return data


class QueueForm(forms.Form):
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
        except ValueError:
            raise forms.ValidationError("Headers are a JSON object.") from None
        if not isinstance(headers, dict):
            raise forms.ValidationError("Headers are a JSON object.")
        return headers


class KeyspaceEventsForm(forms.Form):
    flags = forms.CharField(required=False, max_length=20, strip=True)

    def clean_flags(self) -> str:
        from cacheadmin.redis.pubsub import FLAGS

        flags = self.cleaned_data["flags"]
        if not FLAGS.match(flags):
            raise forms.ValidationError(
                "Use the letters of notify-keyspace-events: K E g $ l s h z x e t m n d A."
            )
        if flags and not ("K" in flags or "E" in flags):
            raise forms.ValidationError(
                "Add K (keyspace) or E (key events): without, none is sent."
            )
        if flags and not flags.strip("KE"):
            raise forms.ValidationError("Add the kinds of events, for example x (expired).")
        return flags
