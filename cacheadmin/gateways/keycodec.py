"""Redis keys are bytes: carry them in URLs, type them in forms, show them safely.

- encode_key / decode_key: URL-safe base64 without padding, reversible for any bytes.
- display_key: a readable, escaped rendering; bytes that are not printable UTF-8
  appear as \\xNN, control and invisible characters as \\n, \\t or \\uNNNN.
- parse_typed / type_bytes: what users type, where \\xNN stands for one raw byte,
  so a binary key or pattern can be written in a text box.
"""

import base64
import binascii
import re

ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
TYPED_BYTE = re.compile(rb"\\x([0-9a-fA-F]{2})")
GLOB_SPECIAL = re.compile(rb"([*?\[\]\\])")
# An unescaped *, ? or [ makes a pattern a glob; anything else names one key.
GLOB = re.compile(rb"(?<!\\)(?:\\\\)*[*?\[]")


def encode_key(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).rstrip(b"=").decode("ascii")


def decode_key(encoded: str) -> bytes:
    """The key's bytes; ValueError when the text is not URL-safe base64."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", encoded) or len(encoded) % 4 == 1:
        raise ValueError("not a URL-safe base64 key")
    try:
        return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except binascii.Error as exc:
        raise ValueError(f"not a URL-safe base64 key: {exc}") from None


def display_key(raw: bytes) -> str:
    """Readable text for any bytes; every byte that is not plain text is escaped."""
    pieces = []
    for char in raw.decode("utf-8", errors="surrogateescape"):
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8
            pieces.append(f"\\x{code - 0xDC00:02x}")
        elif char == "\\":
            pieces.append("\\\\")
        elif char in ESCAPES:
            pieces.append(ESCAPES[char])
        elif char.isprintable():
            pieces.append(char)
        else:  # controls, bidi overrides, zero-width and other invisible characters
            pieces.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    return "".join(pieces)


def is_utf8(text: str) -> bool:
    """Whether UTF-8 can carry the text: JSON can bring a lone surrogate ("\\ud800")."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def display_name(text: str) -> str:
    """A name from outside (a queue, an exchange, a vhost, a header) as text that shows
    what it holds: invisible characters, controls and bidirectional overrides (U+202E
    would turn the rest of the line around) appear as \\uNNNN, the rest as it is."""
    if text.isprintable():
        return text
    return "".join(
        char
        if char.isprintable()
        else f"\\u{ord(char):04x}"
        if ord(char) <= 0xFFFF
        else f"\\U{ord(char):08x}"
        for char in text
    )


def parse_typed(text: str) -> bytes:
    """What a user typed, as bytes: UTF-8, with \\xNN standing for one raw byte."""
    return TYPED_BYTE.sub(lambda match: bytes([int(match.group(1), 16)]), text.encode("utf-8"))


def parse_typed_glob(text: str) -> bytes:
    """A glob as typed: like parse_typed, but a byte typed as \\xNN is always literal,
    so \\x2a is a star in the key's name, not a wildcard."""
    return TYPED_BYTE.sub(
        lambda match: glob_escape(bytes([int(match.group(1), 16)])), text.encode("utf-8")
    )


def glob_escape(raw: bytes) -> bytes:
    """A glob that matches exactly these bytes."""
    return GLOB_SPECIAL.sub(rb"\\\1", raw)


def is_glob(pattern: bytes) -> bool:
    return bool(GLOB.search(pattern))


def to_typed(raw: bytes) -> str:
    """Text that parse_typed turns back into exactly these bytes."""
    pieces = []
    for char in raw.decode("utf-8", errors="surrogateescape"):
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:
            pieces.append(f"\\x{code - 0xDC00:02x}")
        elif char == "\\" or not char.isprintable():
            pieces.extend(f"\\x{byte:02x}" for byte in char.encode("utf-8"))
        else:
            pieces.append(char)
    return "".join(pieces)
