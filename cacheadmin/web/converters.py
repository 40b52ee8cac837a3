"""URL converters."""


class KeyConverter:
    """A Redis key in URL-safe base64 without padding; the empty key is the empty string."""

    regex = "[A-Za-z0-9_-]*"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
