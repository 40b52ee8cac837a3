"""Headless Chromium (Debian's) driven by Playwright, against the live test server."""

import os
import subprocess
import time

import pytest
from playwright.sync_api import sync_playwright

from tests.servers import Daphne, dashboard_env

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """One Chromium per module: Playwright's sync API keeps an event loop running in
    this thread while it lives, which async tests elsewhere must not run inside."""
    # The tests' own ORM calls (creating users) run beside that loop.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser, services):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors, refused = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # The browser reports what the Content-Security-Policy blocked on its console.
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and refused.append(message.text),
    )
    yield page
    context.close()
    assert not errors, f"the page raised JavaScript errors: {errors}"
    assert not refused, f"the CSP refused parts of the page: {refused}"


@pytest.fixture
def asgi_server(settings, services):
    """The dashboard under daphne (websockets need ASGI), on the tests' database and
    services."""
    server = Daphne(dashboard_env(settings)).start()
    yield server
    server.stop()


@pytest.fixture
def hiding_context(browser, tmp_path, services):
    """The browser context of a Chromium in which a tab behind another is hidden, as in
    a person's browser: no animation frames, timers slowed. Playwright's own launch
    emulates focus on every page, which keeps them all visible; attached over CDP
    without its defaults, it leaves them alone."""
    command = [CHROMIUM, "--headless", "--remote-debugging-port=0", *CHROMIUM_ARGS]
    process = subprocess.Popen(
        [*command, f"--user-data-dir={tmp_path}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        endpoint = _devtools_endpoint(tmp_path / "DevToolsActivePort", process)
        attached = browser.browser_type.connect_over_cdp(endpoint, no_defaults=True)
        yield attached.contexts[0]
        attached.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


def _devtools_endpoint(port_file, process: subprocess.Popen) -> str:
    """Chromium writes the port it picked in its profile once it listens."""
    deadline = time.monotonic() + 30
    while not (port_file.exists() and port_file.read_text().strip()):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("Chromium did not open its DevTools port")
        time.sleep(0.05)
    return f"http://127.0.0.1:{port_file.read_text().split()[0]}"


def log_in(page, live_server, username: str, password: str) -> None:
    page.goto(live_server.url + "/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
