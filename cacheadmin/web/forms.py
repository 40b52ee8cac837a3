"""What every form shares: text fields that refuse what UTF-8 cannot carry, Redis globs
and SCAN cursors as typed."""

from django import forms
from django.core.exceptions import ValidationError

from cacheadmin.gateways.keycodec import is_utf8, parse_typed_glob
from cacheadmin.gateways.redis_kinds import cluster_scan

MAX_CURSOR = 2**64 - 1
# Deeply nested wildcards once made Redis' glob matching hang (CVE-2022-36021):
# bound them for servers that are not patched.
MAX_STARS = 16
# [0-9] and \Z, not \d and $: those also take other scripts' digits and a final newline.
CURSOR = r"\A[0-9]{1,20}\Z"
ANY_CURSOR = f"{CURSOR}|{cluster_scan.TEXT}"  # a server's, or a Redis Cluster's


def glob_pattern(text: str) -> bytes:
    """A glob as typed (\\xNN for raw bytes), within what any Redis matches quickly."""
    pattern = parse_typed_glob(text or "*")
    if pattern.count(b"*") > MAX_STARS:
        raise forms.ValidationError(f"Use at most {MAX_STARS} * in a pattern.")
    return pattern


def any_cursor(text: str) -> "int | cluster_scan.ClusterCursor":
    """A single server's SCAN cursor, or a cluster's as its previous page gave it."""
    if "-" not in (text or ""):
        return scan_cursor(text)
    try:
        return cluster_scan.parse(text)
    except ValueError as exc:
        raise forms.ValidationError(f"This is not a cluster's cursor: {exc}.") from None


def scan_cursor(text: str) -> int:
    cursor = int(text or 0)
    if cursor > MAX_CURSOR:
        raise forms.ValidationError("This cursor is larger than any SCAN cursor.")
    return cursor


def utf8_text(value: str) -> None:
    """A JSON body can carry a lone surrogate ("\\ud800"): no text of ours can."""
    if not is_utf8(value):
        raise ValidationError(
            "This text holds a character that is not valid Unicode (a lone surrogate)."
        )


class TextForm(forms.Form):
    """A form whose every text field is valid UTF-8 before anything else looks at it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(utf8_text)
