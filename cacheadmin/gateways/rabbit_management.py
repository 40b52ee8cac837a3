"""A small client for the RabbitMQ management HTTP API, with failures in plain words."""

import ssl
import time
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from cacheadmin.gateways.instances import UNCLEAR_MESSAGE, userinfo_unclear
from cacheadmin.gateways.problems import (
    BAD_REQUEST,
    ERROR,
    MISCONFIGURED,
    NOT_FOUND,
    REFUSED,
    TIMEOUT,
    UNREACHABLE,
    Problem,
    reason_of,
)

# A user with one of these tags sees the whole broker; any other sees the virtual
# hosts it has permissions on, and the dashboard shows the one its instance names.
BROKER_WIDE_TAGS = ("administrator", "monitoring")
SCOPE_SECONDS = 60.0  # how long the user's tags are taken as read

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


def _verification(ca_file: str) -> ssl.SSLContext | bool:
    """The system's CAs, or those of ca_file (a private CA's)."""
    return ssl.create_default_context(cafile=ca_file) if ca_file else True


class ManagementClient:
    def __init__(
        self,
        base_url: str,
        user: str,
        password: str,
        timeout: float,
        ca_file: str = "",
        named: str = "RABBITMQ_MANAGEMENT_URL",
        vhost: str = "/",
    ):
        self.base_url = base_url
        self.user = user
        self.named = named  # how a message names its URL: the setting, or instance and field
        self.vhost = vhost  # the instance's virtual host (its AMQP URL's)
        self._scope: tuple[float, str | None] | None = None
        self._http = httpx.Client(
            base_url=base_url,
            auth=(user, password),
            timeout=timeout,
            headers={"Accept": "application/json"},
            verify=_verification(ca_file),
        )

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        timeout: float,
        ca_file: str = "",
        named: str = "RABBITMQ_MANAGEMENT_URL",
        vhost: str = "/",
    ) -> "ManagementClient":
        """Build from http(s)://user:password@host:port/ ; credentials leave the URL.

        Error messages never repeat the URL: it holds a password.
        """
        if userinfo_unclear(url):
            raise _misconfigured(UNCLEAR_MESSAGE)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _misconfigured("is not an http(s)://user:password@host:port/ URL")
        try:
            port = f":{parts.port}" if parts.port else ""
        except ValueError:
            raise _misconfigured("has a port that is not a number") from None
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        base = urlunsplit((parts.scheme, host + port, parts.path or "/", "", ""))
        user = unquote(parts.username or "guest")
        password = unquote(parts.password or "guest")
        try:
            return cls(base, user, password, timeout, ca_file, named, vhost)
        except (httpx.InvalidURL, ValueError):
            raise _misconfigured("is not a URL httpx can use") from None

    def scope(self) -> str | None:
        """The virtual host whose figures and queues this instance shows: its own, when
        its user has neither the administrator nor the monitoring tag (RabbitMQ would
        otherwise mix in every other virtual host it may read); None: the whole broker."""
        now = time.monotonic()
        if self._scope is None or now - self._scope[0] > SCOPE_SECONDS:
            tags = self.get_object("api/whoami").get("tags") or []
            if isinstance(tags, str):  # RabbitMQ before 3.9: "management,policymaker"
                tags = tags.split(",")
            wide = any(tag in BROKER_WIDE_TAGS for tag in tags)
            self._scope = (now, None if wide else self.vhost)
        return self._scope[1]

    def check_vhost(self, vhost: str) -> None:
        """Refuse a virtual host outside the instance's scope: a vhost-scoped instance
        answers for its own only, even when its user may read others, since its pages
        say whose queues and figures they show."""
        if vhost == self.vhost:
            return
        scope = self.scope()
        if scope is not None:
            text = (
                f"is shown by this instance for the virtual host {scope!r} only (the one its "
                f"AMQP URL names): {vhost!r} is not among its virtual hosts"
            )
            raise self._error(NOT_FOUND, text)

    def get(self, path: str, params: dict | None = None) -> Any:
        """GET an API path ("api/overview") and return its JSON."""
        return self.request("GET", path, params=params)

    def request(
        self, method: str, path: str, *, params: dict | None = None, body: dict | None = None
    ) -> Any:
        """Any API call; the JSON answer, or None for an empty one (204)."""
        _refuse_dot_segments(path)
        if (vhost := _vhost_of(path)) is not None:
            self.check_vhost(vhost)
        try:
            # RabbitMQ answers 406 to a DELETE that accepts only JSON (it has no body).
            # And it may answer a request with a body (a 401, say) before reading that
            # body, then take our next request on the kept-alive connection for the rest
            # of it: that request waited for an answer until it timed out. A request
            # with a body closes its connection.
            headers = None if method == "GET" else {"Accept": "*/*", "Connection": "close"}
            response = self._http.request(method, path, params=params, json=body, headers=headers)
        except httpx.TimeoutException:
            raise self._error(
                TIMEOUT, f"did not answer within {self._http.timeout.read} s"
            ) from None
        except httpx.TransportError as exc:
            if "CERTIFICATE_VERIFY_FAILED" in str(exc):
                raise self._error(
                    MISCONFIGURED,
                    "showed a TLS certificate that the CA file does not vouch for (certificate"
                    " verify failed): set the instance's ca_file to the CA that signed it",
                ) from None
            raise self._error(
                UNREACHABLE,
                f"is not reachable ({reason_of(exc)}); is the rabbitmq_management plugin "
                "enabled? (rabbitmq-plugins enable rabbitmq_management)",
            ) from None
        except httpx.HTTPError as exc:  # redirect loops, broken encodings, ...
            raise self._error(
                ERROR, f"gave an answer that cannot be read ({reason_of(exc)})"
            ) from None
        if response.status_code >= 400:
            raise self._status_error(response, path)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise self._error(ERROR, f"answered {path} with something that is not JSON") from None

    def get_object(self, path: str, params: dict | None = None) -> dict:
        """GET an API path whose answer must be a JSON object."""
        data = self.get(path, params)
        if not isinstance(data, dict):
            raise self._error(ERROR, f"answered {path} with JSON that is not an object")
        return data

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
        if status == 401 and "virtual host" in reason.lower() and (vhost := _vhost_of(path)):
            # The password was right: the user has no permissions on this virtual host.
            text = (
                f"refused user '{self.user}' access to the virtual host {vhost!r} ({reason}): "
                f"the user has no permissions there (rabbitmqctl set_permissions -p "
                f"'{vhost}' '{self.user}' ...)"
            )
            return self._error(REFUSED, text, status)
        if status == 401 and _access_refused(reason) and (vhost := _vhost_of(path)):
            # The password was right, and the user may use the vhost, but not this way.
            text = (
                f"refused user '{self.user}' ({reason}): its permissions on the virtual host "
                f"'{vhost}' do not allow this (a peek or a purge needs read permission on "
                f"the queue; rabbitmqctl list_user_permissions '{self.user}')"
            )
            return self._error(REFUSED, text, status)
        if status == 401:
            text = (
                f"refused user '{self.user}': wrong user name or password in {self.named} "
                f"({reason})"
            )
            return self._error(REFUSED, text, status)
        if status == 403:
            text = (
                f"denied user '{self.user}' access to {path}: {TAG_ADVICE.format(user=self.user)}"
            )
            return self._error(REFUSED, text, status)
        if status == 404 and (missing := _named_object(path)):
            return self._error(NOT_FOUND, f"has no {missing}", status)
        if status == 404:
            text = f"has no {path} (404): does {self.named} point at the management API?"
            return self._error(MISCONFIGURED, text, status)
        return self._error(ERROR, f"answered {status} for {path}: {reason}", status)

    def _error(self, kind: str, text: str, status: int | None = None) -> ManagementError:
        return ManagementError(Problem(kind, f"RabbitMQ at {self.base_url} {text}."), status)


def _api_reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "no reason given"
    if isinstance(body, dict):
        return str(body.get("reason") or body.get("error") or response.reason_phrase)
    return response.reason_phrase


def _refuse_dot_segments(path: str) -> None:
    """A vhost, queue or exchange named . or .. would take the path elsewhere: a URL
    client resolves the dot segments even quoted, and /api/queues/../users reaches
    another endpoint with the dashboard's credentials. Nothing is asked then."""
    if any(unquote(part) in (".", "..") for part in path.split("/")):
        raise ManagementError(
            Problem(
                BAD_REQUEST,
                "A virtual host, queue or exchange named . or .. cannot be asked of the "
                "management API: the name would be read as a step up its paths.",
            )
        )


def _access_refused(reason: str) -> bool:
    """RabbitMQ's reason when a permission is missing: "ACCESS_REFUSED - access to queue
    ... refused for user ..." (a get), "Access refused." (a purge). A wrong password is
    "Login failed"."""
    return reason.lower().replace("_", " ").startswith("access refused")


def _vhost_of(path: str) -> str | None:
    """The virtual host a path asks about (api/queues/<vhost>/..., api/vhosts/<vhost>)."""
    parts = [unquote(part) for part in path.split("/")]
    if len(parts) >= 3 and parts[0] == "api" and parts[2]:
        return parts[2] if parts[1] in ("queues", "exchanges", "vhosts", "consumers") else None
    return None


def _named_object(path: str) -> str | None:
    """What a 404 says is missing when the path names a vhost, queue or exchange (the
    caller's choice); None for the API's own paths (then the URL is wrong)."""
    parts = [unquote(part) for part in path.split("/")]
    if len(parts) < 3 or parts[0] != "api" or parts[1] not in ("queues", "exchanges"):
        return None
    kind = "queue" if parts[1] == "queues" else "exchange"
    if len(parts) == 3:
        return f"virtual host {parts[2]!r}"
    return f"{kind} {parts[3]!r} in virtual host {parts[2]!r}"


def _misconfigured(text: str) -> ManagementError:
    return ManagementError(Problem(MISCONFIGURED, text))
