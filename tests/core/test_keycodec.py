"""Keys are bytes: every one survives the URL, the form and the screen."""

import pytest

from cacheadmin.gateways.keycodec import (
    decode_key,
    display_key,
    encode_key,
    glob_escape,
    parse_typed,
    to_typed,
)

HOSTILE = [
    b"",
    b"plain:key",
    b"\xff\xfe\x00binary",
    b"with space/slash?query#frag%25",
    b"new\nline\ttab\r",
    b'"><img src=x onerror=alert(1)>',
    b"<script>alert(1)</script>",
    "caf\u00e9 \u202eevil".encode(),
    b"back\\slash\\x41",
    b"glob*?[chars]",
]


@pytest.mark.parametrize("key", HOSTILE)
def test_url_encoding_round_trips(key):
    encoded = encode_key(key)
    assert "=" not in encoded and "/" not in encoded and "+" not in encoded
    assert decode_key(encoded) == key


@pytest.mark.parametrize("key", HOSTILE)
def test_typed_form_round_trips(key):
    assert parse_typed(to_typed(key)) == key


@pytest.mark.parametrize("bad", ["a", "abc$", "a b", "ab+/"])
def test_bad_encodings_are_refused(bad):
    with pytest.raises(ValueError):
        decode_key(bad)


def test_display_escapes_what_is_not_plain_text():
    assert display_key(b"user:42") == "user:42"
    assert display_key(b"\xff\x00a") == "\\xff\\u0000a"
    assert display_key(b"a\nb") == "a\\nb"
    assert display_key("caf\u00e9".encode()) == "caf\u00e9"
    assert display_key("x\u202ey".encode()) == "x\\u202ey"  # right-to-left override
    assert display_key(b"a\\b") == "a\\\\b"


def test_typed_bytes():
    assert parse_typed("user:\\xff*") == b"user:\xff*"
    assert parse_typed("\\*literal") == b"\\*literal"


def test_glob_escape():
    assert glob_escape(b"a*b?[c]\\") == b"a\\*b\\?\\[c\\]\\\\"
