"""A small client for the RabbitMQ management HTTP API, with failures in plain words."""

from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from cacheadmin.problems import ERROR, MISCONFIGURED, REFUSED, TIMEOUT, UNREACHABLE, Problem

TAG_ADVICE = (
    "the management API needs a user with the 'monitoring' tag "
    "(or 'administrator'): rabbitmqctl set_user_tags {user} monitoring"
)


class ManagementError(Exception):
    """The API could not be used; .problem says why in words for the page."""

    def __init__(self, problem: Problem, status: int | None = None):
        super().__init__(problem.message)
        self.problem = problem
        self.status = status


class ManagementClient:
    def __init__(self, base_url: str, user: str, password: str, timeout: float):
        self.base_url = base_url
        self.user = user
        self._http = httpx.Client(
            base_url=base_url,
            auth=(user, password),
            timeout=timeout,
            headers={"Accept": "application/json"},
        )

    @classmethod
    def from_url(cls, url: str, *, timeout: float) -> "ManagementClient":
        """Build from http(s)://user:password@host:port/ ; credentials leave the URL."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ManagementError(
                Problem(MISCONFIGURED, f"is not an http(s)://user:password@host:port/ URL: {url!r}")
            )
        try:
            port = f":{parts.port}" if parts.port else ""
        except ValueError:
            raise ManagementError(
                Problem(MISCONFIGURED, "has a port that is not a number")
            ) from None
        base = urlunsplit((parts.scheme, f"{parts.hostname}{port}", parts.path or "/", "", ""))
        user = unquote(parts.username or "guest")
        password = unquote(parts.password or "guest")
        return cls(base, user, password, timeout)

    def get(self, path: str, params: dict | None = None) -> Any:
        """GET an API path ("api/overview") and return its JSON."""
        try:
            response = self._http.get(path, params=params)
        except httpx.TimeoutException:
            raise self._error(
                TIMEOUT, f"did not answer within {self._http.timeout.read} s"
            ) from None
        except httpx.TransportError as exc:
            raise self._error(
                UNREACHABLE,
                f"is not reachable ({_reason(exc)}); is the rabbitmq_management plugin "
                "enabled? (rabbitmq-plugins enable rabbitmq_management)",
            ) from None
        if response.status_code >= 400:
            raise self._status_error(response, path)
        try:
            return response.json()
        except ValueError:
            raise self._error(ERROR, f"answered {path} with something that is not JSON") from None

    def close(self) -> None:
        self._http.close()

    def _status_error(self, response: httpx.Response, path: str) -> ManagementError:
        status = response.status_code
        reason = _api_reason(response)
        if status in (401, 403) and reason.lower().startswith("not "):
            # "Not management user" / "Not monitor user": right password, too few tags.
            advice = TAG_ADVICE.format(user=self.user)
            text = f"refused user '{self.user}' ({reason}): {advice}"
            return self._error(REFUSED, text, status)
        if status == 401:
            text = f"refused user '{self.user}': wrong user name or password ({reason})"
            return self._error(REFUSED, text, status)
        if status == 403:
            text = (
                f"denied user '{self.user}' access to {path}: {TAG_ADVICE.format(user=self.user)}"
            )
            return self._error(REFUSED, text, status)
        if status == 404:
            text = f"has no {path} (404): does RABBITMQ_MANAGEMENT_URL point at the management API?"
            return self._error(MISCONFIGURED, text, status)
        return self._error(ERROR, f"answered {status} for {path}: {reason}", status)

    def _error(self, kind: str, text: str, status: int | None = None) -> ManagementError:
        return ManagementError(Problem(kind, f"RabbitMQ at {self.base_url} {text}."), status)


def overview(client: ManagementClient) -> dict:
    """Version, cluster, message and object totals and rates of the broker."""
    data = client.get("api/overview")
    queues = data.get("queue_totals") or {}
    objects = data.get("object_totals") or {}
    stats = data.get("message_stats") or {}
    return {
        "version": data.get("rabbitmq_version"),
        "cluster_name": data.get("cluster_name"),
        "node": data.get("node"),
        "messages_ready": queues.get("messages_ready", 0),
        "messages_unacknowledged": queues.get("messages_unacknowledged", 0),
        "messages": queues.get("messages", 0),
        "queues": objects.get("queues", 0),
        "consumers": objects.get("consumers", 0),
        "connections": objects.get("connections", 0),
        "channels": objects.get("channels", 0),
        "publish_rate": _rate(stats, "publish"),
        "deliver_rate": _rate(stats, "deliver_get"),
        "ack_rate": _rate(stats, "ack"),
    }


def _rate(stats: dict, name: str) -> float:
    return (stats.get(f"{name}_details") or {}).get("rate", 0.0)


def _api_reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "no reason given"
    if isinstance(body, dict):
        return str(body.get("reason") or body.get("error") or response.reason_phrase)
    return response.reason_phrase


def _reason(exc: Exception) -> str:
    text = str(exc)
    return "connection refused" if "refused" in text.lower() else (text or type(exc).__name__)
