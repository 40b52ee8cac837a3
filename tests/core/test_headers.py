"""What every answer carries: a strict Content-Security-Policy, no caching of data,
HSTS once the cookies are HTTPS-only; and templates with no inline script or style."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def test_pages_and_api_answers_have_a_strict_policy_and_no_store(viewer_client, client):
    for response in (
        viewer_client.get("/audit/"),
        viewer_client.get("/api/invalidations/1"),
        client.get("/accounts/login/"),
    ):
        policy = directives(response)
        assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
        assert policy["connect-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
        assert "unsafe" not in response["Content-Security-Policy"]
        assert "no-store" in response["Cache-Control"]


def test_hsts_comes_with_https_only_cookies():
    def hsts(secure: str) -> int:
        env = {**os.environ, "SECURE_COOKIES": secure}
        code = "import dashboard.settings as s; print(s.SECURE_HSTS_SECONDS)"
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, check=True
        )
        return int(result.stdout)

    assert hsts("1") >= 180 * 86400 and hsts("0") == 0


def test_no_template_has_inline_script_or_style():
    """The CSP would block them: every script is a file, every style in app.css."""
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"\sstyle=", text), template
        assert not re.search(r"<style", text), template
        assert not re.search(r"<script(?![^>]*\ssrc=)", text), template
        assert not re.search(r"\son[a-z]+=", text), template  # onclick= and the like
