from django import forms

from cacheadmin.gateways.keycodec import parse_typed, parse_typed_glob
from cacheadmin.invalidation.engine import KINDS, Target
from cacheadmin.web.forms import TextForm, glob_pattern


class InvalidationForm(TextForm):
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
