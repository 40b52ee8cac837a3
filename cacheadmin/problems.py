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
