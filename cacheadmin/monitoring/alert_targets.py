"""Where alert notifications go: apprise's URLs (json://host/path, slack://...,
mailto://...), checked when an operator writes them and sent by the sampler.

Secrets never reach the database: a URL that holds one (a token, a password: apprise
hides it in its private form) is refused as written, and goes in an environment
variable named ALERT_..., written on the rule as ${ALERT_...}, read when sending. Only
such names are read, so a rule cannot send any other variable anywhere."""

import logging
import os
import re

import apprise

REFERENCE = re.compile(r"\$\{(ALERT_[A-Z0-9_]{1,60})\}")
MAX_URLS = 10


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
    if not reference and plugin.url(privacy=True) != plugin.url(privacy=False):
        return (
            "This URL holds a secret (a token or a password), which the dashboard does not "
            "keep: put the URL in an environment variable ALERT_... and write ${ALERT_...}."
        )
    return None


def target_of(url: str) -> str | None:
    """The URL to send to: a reference read from the environment now (None if unset)."""
    reference = REFERENCE.fullmatch(url)
    return os.environ.get(reference.group(1)) if reference else url


def send(url: str, *, title: str, body: str, firing: bool) -> str | None:
    """Tell one target; None when it took the message, else why not (no secret in it)."""
    target = target_of(url)
    if target is None:
        return f"{url}: its variable is not set in the sampler's environment."
    box = apprise.Apprise()
    if not box.add(target):
        return f"{url}: apprise does not know this URL."
    kind = apprise.NotifyType.FAILURE if firing else apprise.NotifyType.SUCCESS
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as log:
        sent = box.notify(title=title, body=body, notify_type=kind)
    if sent:
        return None
    # apprise's own words, unless the URL came from a variable (they may quote it)
    said = "" if target != url else " ".join(log.getvalue().split())[-300:]
    return f"{url}: not taken" + (f" ({said})" if said else "")
