"""Bytes of a value as an admin reads them: text, pretty JSON or a hex dump."""

import json

from cacheadmin.gateways.keycodec import display_key, is_utf8

KEEP = {"\n", "\t"}


def as_text(raw: bytes) -> str:
    """The bytes as text with line breaks kept; everything else invisible is escaped."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and text.replace("\n", "").replace("\t", "").isprintable():
        return text  # the common case, without a look at each character
    return "".join(
        char if char in KEEP else display_key(char.encode("utf-8", errors="surrogateescape"))
        for char in raw.decode("utf-8", errors="surrogateescape")
    )


def pretty_json(raw: bytes) -> str | None:
    """Indented JSON, or None when the bytes are not JSON."""
    try:
        decoded = json.loads(raw)
        text = json.dumps(decoded, indent=2, ensure_ascii=False, sort_keys=False)
    except (ValueError, RecursionError):
        return None
    # "\ud800" in the JSON decodes to a lone surrogate, which no page can carry.
    return text if is_utf8(text) else json.dumps(decoded, indent=2, ensure_ascii=True)


def hexdump(raw: bytes, width: int = 16) -> str:
    """offset  hex bytes  |printable|, one line per width bytes."""
    lines = []
    for offset in range(0, len(raw), width):
        chunk = raw[offset : offset + width]
        hex_part = " ".join(f"{byte:02x}" for byte in chunk).ljust(width * 3 - 1)
        text = "".join(chr(byte) if 0x20 <= byte < 0x7F else "." for byte in chunk)
        lines.append(f"{offset:08x}  {hex_part}  |{text}|")
    return "\n".join(lines)


def preview(raw: bytes, limit: int = 200) -> str:
    """One item of a collection, escaped, cut after limit bytes, with its whole length
    when it is longer (values cut on the server carry it as full_length)."""
    length = getattr(raw, "full_length", len(raw))
    shown = display_key(raw[:limit])
    return shown + f" … ({length:,} bytes)" if length > limit else shown
