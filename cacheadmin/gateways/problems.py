"""What went wrong with a service, in words for the page and a kind for /healthz and
the JSON API; and the one mapping from a problem to an HTTP status."""

from dataclasses import dataclass

MISCONFIGURED = "misconfigured"
UNREACHABLE = "unreachable"
TIMEOUT = "timeout"
REFUSED = "refused"  # the service answered but refused our credentials or rights
ERROR = "error"  # the service answered this request with an error
BAD_REQUEST = "bad_request"  # the service refused what the caller asked (a db out of range)
NOT_FOUND = "not_found"  # what the caller named is not there (a vhost, a queue)
CHANGED = "changed"  # the server behind a cursor is another one now: start again
NOT_ROUTED = "not_routed"  # the broker took a message but no queue was bound to receive it

STATUSES = {
    BAD_REQUEST: 400,
    NOT_FOUND: 404,
    CHANGED: 409,
    # The broker is up and answered: what the caller asked for cannot be delivered.
    NOT_ROUTED: 422,
    ERROR: 502,
    UNREACHABLE: 503,
    MISCONFIGURED: 503,
    # Credentials the service refuses are the dashboard's configuration, not the caller's.
    REFUSED: 503,
    TIMEOUT: 504,
}


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
    """400 for the caller's mistakes, 502 for a service's error answer, 503 when it
    cannot be reached or is misconfigured, 504 on a timeout."""
    return STATUSES.get(problem.kind, 502)


class Refusal(Exception):
    """A question to a service refuses what was asked, with the problem to tell
    (raised inside a call, where only the service's answer shows it)."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem
