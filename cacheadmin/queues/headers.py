"""Message headers as AMQP can carry them: a field table of text, whole numbers within
64 bits, decimals, booleans, lists and tables, not too deep."""

from cacheadmin.gateways.keycodec import is_utf8

MAX_DEPTH = 8
INT64 = (-(2**63), 2**63 - 1)
SHORT_TEXT = 255  # bytes of a table's key (an AMQP short string)


def header_problem(value: object, *, depth: int = 0) -> str | None:
    """What AMQP cannot carry in a header value, in words; None when all is well."""
    if depth > MAX_DEPTH:
        return f"Headers are nested at most {MAX_DEPTH} deep."
    if value is None or isinstance(value, bool | float):
        return None
    if isinstance(value, int):
        return (
            None if INT64[0] <= value <= INT64[1] else f"A header number fits in 64 bits: {value}."
        )
    if isinstance(value, str):
        return None if is_utf8(value) else "A header holds text that is not valid Unicode."
    if isinstance(value, list):
        return next((p for item in value if (p := header_problem(item, depth=depth + 1))), None)
    if isinstance(value, dict):
        for key, item in value.items():
            if not is_utf8(key) or len(key.encode()) > SHORT_TEXT:
                return f"A header name is valid Unicode of at most {SHORT_TEXT} bytes."
            if problem := header_problem(item, depth=depth + 1):
                return problem
        return None
    return f"A header cannot hold a {type(value).__name__}."
