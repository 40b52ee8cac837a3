"""Redis glob patterns matched here, as Redis matches them (stringmatchlen in its
util.c): `*`, `?`, `[set]` with `^` and ranges, `\\` before a character taken as is.

A preview counts matches among the keys an unfiltered SCAN returns: SCAN with MATCH
filters on the server and never says how many keys it looked at, so a count scaled
from it is off by as much as the pattern is rare.
"""

import re
from collections.abc import Callable


def glob_regex(pattern: bytes) -> re.Pattern[bytes]:
    """The regular expression that matches a whole key as the glob does."""
    parts, at = [], 0
    while at < len(pattern):
        char = pattern[at : at + 1]
        if char == b"*":
            parts.append(b".*")
        elif char == b"?":
            parts.append(b".")
        elif char == b"[":
            part, at = _bracket(pattern, at + 1)
            parts.append(part)
            continue
        elif char == b"\\" and at + 1 < len(pattern):
            at += 1
            parts.append(re.escape(pattern[at : at + 1]))
        else:
            parts.append(re.escape(char))
        at += 1
    return re.compile(b"".join(parts), re.DOTALL)


def _bracket(pattern: bytes, at: int) -> tuple[bytes, int]:
    """The class of a [set] whose content starts at `at`, and where the pattern goes on.
    A set left open takes the rest of the pattern, as Redis does."""
    negated = pattern[at : at + 1] == b"^"
    at += negated
    members = []
    while at < len(pattern) and pattern[at : at + 1] != b"]":
        if pattern[at : at + 1] == b"\\" and at + 1 < len(pattern):
            at += 1
            members.append(re.escape(pattern[at : at + 1]))
        elif at + 2 < len(pattern) and pattern[at + 1 : at + 2] == b"-":
            low, high = sorted((pattern[at : at + 1], pattern[at + 2 : at + 3]))
            members.append(re.escape(low) + b"-" + re.escape(high))
            at += 2
        else:
            members.append(re.escape(pattern[at : at + 1]))
        at += 1
    if not members:
        return (b"." if negated else b"(?!)"), at + 1
    return b"[" + (b"^" if negated else b"") + b"".join(members) + b"]", at + 1


def matcher(patterns: list[bytes]) -> Callable[[bytes], bool]:
    """Whether a key matches any of the patterns: one expression for them all, so that a
    key is read once however many there are."""
    if not patterns:
        return lambda key: False
    either = b"|".join(b"(?:" + glob_regex(pattern).pattern + b")" for pattern in patterns)
    regex = re.compile(either, re.DOTALL)
    return lambda key: regex.fullmatch(key) is not None
