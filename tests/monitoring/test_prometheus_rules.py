"""The alerting rules shipped for Prometheus (monitoring/prometheus/) are valid and do
what their tests say, by Prometheus' own promtool."""

import shutil
import subprocess
from pathlib import Path

RULES = Path(__file__).resolve().parents[2] / "monitoring" / "prometheus"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"  # Debian's prometheus package


def promtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PROMTOOL, *args], cwd=RULES, capture_output=True, text=True)


def test_the_rules_are_valid():
    checked = promtool("check", "rules", "cacheadmin.rules.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 10 rules found" in checked.stdout + checked.stderr


def test_each_rule_fires_as_its_test_says():
    tested = promtool("test", "rules", "cacheadmin.rules.test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
