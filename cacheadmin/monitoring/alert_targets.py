"""Where alert notifications go: apprise's URLs (json://host/path, slack://...,
mailto://...), checked when an operator writes them and sent by the sampler.

Secrets never reach the database: a URL written on a rule is a plain address
(scheme://host[:port]/path, no user, password or parameters, nothing apprise would hide
in its private form); any other goes in an environment variable named ALERT_..., written
on the rule as ${ALERT_...} and read when sending. Only such names are read, so a rule
cannot send any other variable anywhere."""

import logging
import os
import re
from urllib.parse import urlsplit

import apprise

REFERENCE = re.compile(r"\$\{(ALERT_[A-Z0-9_]{1,60})\}")
MAX_URLS = 10
NOT_PLAIN = (
    "This URL holds a secret or parameters (a user, a password, a token, ?arguments), "
    "which the dashboard does not keep: put the URL in an environment variable ALERT_... "
    "and write ${ALERT_...} here."
)


def problem_with(url: str) -> str | None:
    """Why the URL cannot be a rule's target, or None."""
    reference = REFERENCE.fullmatch(url)
    if reference:
        name = reference.group(1)
        if name not in os.environ:
            return f"{name} is not set in the dashboard's environment."
        target = os.environ[name]
    elif "${" in url:
        return "Write a reference alone, as ${ALERT_NAME}: the whole URL from one variable."
    else:
        target = url
    plugin = apprise.Apprise.instantiate(target, suppress_exceptions=True)
    if plugin is None:
        return "apprise does not know this URL (json://host/path, slack://..., mailto://...)."
    if not reference and not plain(url, plugin):
        return NOT_PLAIN
    return None


def plain(url: str, plugin) -> bool:
    """No user, password, query or fragment, and nothing apprise keeps private."""
    parts = urlsplit(url)
    if "@" in parts.netloc or parts.query or parts.fragment or "?" in url or "#" in url:
        return False
    return plugin.url(privacy=True) == plugin.url(privacy=False)


def target_of(url: str) -> str | None:
    """The URL to send to: a reference read from the environment now (None if unset)."""
    reference = REFERENCE.fullmatch(url)
    return os.environ.get(reference.group(1)) if reference else url


SEND_SECONDS = 30  # one URL's send at most (apprise's own timeouts are shorter)
# apprise's lines may quote a URL from the environment: kept out of the sampler's log
logging.getLogger("apprise").propagate = False


def send(url: str, *, title: str, body: str, firing: bool) -> str | None:
    """Tell one target; None when it took the message, else why not (with apprise's
    words only for a URL written on the rule, which holds no secret)."""
    target = target_of(url)
    if target is None:
        return f"{url}: its variable is not set in the sampler's environment."
    box = apprise.Apprise()
    if not box.add(target):
        return f"{url}: apprise does not know this URL."
    kind = apprise.NotifyType.FAILURE if firing else apprise.NotifyType.SUCCESS
    sent = box.notify(title=title, body=body, notify_type=kind, timeout=SEND_SECONDS)
    if sent:
        return None
    said = " ".join(entry.message for entry in sent.logs())[-300:] if target == url else ""
    return f"{url}: not taken" + (f" ({said})" if said else "")
