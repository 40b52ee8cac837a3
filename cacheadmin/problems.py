"""What went wrong with a service, in words for the page and a kind for /healthz."""

from dataclasses import dataclass

MISCONFIGURED = "misconfigured"
UNREACHABLE = "unreachable"
TIMEOUT = "timeout"
REFUSED = "refused"  # the service answered but refused our credentials or rights
ERROR = "error"


@dataclass(frozen=True)
class Problem:
    kind: str
    message: str


def reason_of(exc: Exception) -> str:
    """A short reason for a network failure: 'connection refused' or the error's text."""
    text = str(exc)
    if "refused" in text.lower():
        return "connection refused"
    return text or type(exc).__name__


def http_status(problem: Problem) -> int:
    """An error Redis or RabbitMQ gave to this request (a database out of range) is the
    caller's: 400. A service down, slow, refusing us or misconfigured is ours: 503."""
    return 400 if problem.kind == ERROR else 503
