"""The OpenAPI document is kept true: schemathesis calls every operation of a live
dashboard with generated cases and fails on a 5xx or on an answer the document does
not describe."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command

from cacheadmin.models import InvalidationJob
from cacheadmin.urls import OPENAPI
from cacheadmin.web.tokens import token_create

pytestmark = pytest.mark.django_db(transaction=True, reset_sequences=True)

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
# Fixed, so that a run is repeatable; set another to explore further.
SEED = os.environ.get("CACHEADMIN_SCHEMATHESIS_SEED", "1")
EXAMPLES_PER_OPERATION = 15  # each operation; the coverage phase adds its own


@pytest.fixture
def token(services, operator, redis_client) -> str:
    """An operator's token on the demo's data, a hostile key name and one job."""
    call_command("seed_demo", objects=300, stdout=StringIO())
    redis_client.set(b"hostile\xff\x00\xe2\x80\xae<script>", b"x")
    InvalidationJob.objects.create(kind="key", target=b"user:0", requester_name="someone")
    _, secret = token_create(user=operator, name="schemathesis")
    return secret


@pytest.mark.timeout(330)  # schemathesis' own run is bounded at 300 s below
def test_every_operation_answers_as_documented(live_server, token, tmp_path):
    command = [str(Path(sys.executable).with_name("st")), "run"]
    command += [live_server.url + "/api/openapi.json", "--header", f"Authorization: Bearer {token}"]
    command += ["--checks", ",".join(CHECKS), "--max-examples", str(EXAMPLES_PER_OPERATION)]
    command += ["--seed", SEED, "--generation-database", "none", "--workers", "1"]
    command += ["--no-color", "--report-dir", str(tmp_path)]
    # In tmp_path: schemathesis keeps a cache of its findings where it runs.
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    # Every operation but the document itself, which schemathesis leaves out.
    operations = sum(len(methods) for methods in OPENAPI["paths"].values()) - 1
    assert f"Tested: {operations}\n" in run.stdout, run.stdout


def test_the_document_is_served_to_a_token_and_refused_to_nobody(live_server, token):
    url = live_server.url + "/api/openapi.json"
    served = httpx.get(url, headers={"Authorization": f"Bearer {token}"})
    assert served.json()["openapi"] == "3.1.0"
    assert served.json() == OPENAPI
    refused = httpx.get(url)
    assert (refused.status_code, refused.json()["error"]) == (401, "login_required")


def test_every_documented_path_answers_an_unknown_method_with_405(operator_client, services):
    for template in OPENAPI["paths"]:
        path = template.replace("{encoded}", "dXNlcjow").replace("{id}", "1")
        path = path.replace("{job_id}", "1").replace("{action_id}", "1")
        assert "{" not in path, path
        for prefix in ("", "/i/default"):
            answer = operator_client.generic("TRACE", prefix + path)
            assert answer.status_code == 405, (prefix + path, answer.status_code)
            assert answer["Allow"]


def test_an_empty_or_malformed_instance_is_a_400(operator_client, services):
    for value in ("", " ", "Default", "a/b"):
        answer = operator_client.get("/api/keys", {"instance": value})
        assert answer.status_code == 400, (value, answer.status_code)
        assert answer.json()["fields"] == {"instance": ["Not an instance's name."]}
    assert operator_client.get("/api/keys", {"instance": "default"}).status_code == 200
