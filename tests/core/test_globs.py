"""Redis globs matched here as Redis matches them (a preview counts with them)."""

import pytest

from cacheadmin.gateways.globs import glob_regex, matcher

CASES = [
    (b"user:*", b"user:42", True),
    (b"user:*", b"users:42", False),
    (b"user:?", b"user:4", True),
    (b"user:?", b"user:42", False),
    (b"h[ae]llo", b"hallo", True),
    (b"h[^e]llo", b"hello", False),
    (b"h[^e]llo", b"hallo", True),
    (b"h[a-c]llo", b"hbllo", True),
    (b"h[c-a]llo", b"hbllo", True),  # a range given backwards
    (b"h[a-c]llo", b"hdllo", False),
    (b"a\\*b", b"a*b", True),
    (b"a\\*b", b"axb", False),
    (b"[\\]]x", b"]x", True),
    (b"a[]b", b"ab", False),
    (b"a[^]b", b"axb", True),
    (b"a[bc", b"ab", True),  # a set left open takes the rest of the pattern
    (b"trail\\", b"trail\\", True),
    (b"*", b"line\nbreak", True),
    (b"\xff*", b"\xff\x00", True),
    (b"x.y", b"xzy", False),  # no regular-expression meaning leaks through
]


@pytest.mark.parametrize(("pattern", "key", "expected"), CASES)
def test_a_glob_matches_as_redis_does(pattern, key, expected):
    assert bool(glob_regex(pattern).fullmatch(key)) is expected


def test_a_key_matches_any_of_several_patterns():
    matches = matcher([b"a:*", b"b:*"])
    assert matches(b"a:1") and matches(b"b:2") and not matches(b"c:3")
