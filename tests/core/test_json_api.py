"""Every /api/ error is {"error": kind, "message": sentence}, whatever refuses the request:
the login, the role, the path, the method, a missing object, the CSRF check."""

import pytest
from django.test import Client

from tests.users import logged_in

pytestmark = pytest.mark.django_db
KINDS = {
    "login_required",
    "forbidden",
    "bad_request",
    "not_found",
    "method_not_allowed",
    "unreachable",
    "timeout",
    "refused",
    "misconfigured",
    "error",
}


def assert_error(response, status: int, kind: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == kind and kind in KINDS
    assert isinstance(body["message"], str) and body["message"].endswith(".")


def test_login_role_path_and_method(client, viewer_client, nobody):
    assert_error(client.get("/api/keys"), 401, "login_required")
    assert_error(
        Client(headers={"Authorization": "Bearer cadm_no"}).get("/api/keys"), 401, "login_required"
    )
    assert_error(logged_in(nobody).get("/api/overview"), 403, "forbidden")
    assert_error(viewer_client.post("/api/invalidations", {}), 403, "forbidden")
    assert_error(viewer_client.get("/api/no/such/thing"), 404, "not_found")
    assert_error(viewer_client.delete("/api/overview"), 405, "method_not_allowed")


def test_bad_input_and_missing_objects(viewer_client, operator_client):
    response = viewer_client.get("/api/keys?count=0&cursor=x")
    assert_error(response, 400, "bad_request")
    assert set(response.json()["fields"]) == {"count", "cursor"}
    assert_error(viewer_client.get("/api/invalidations/98765"), 404, "not_found")
    assert_error(operator_client.post("/api/invalidations/98765/cancel"), 404, "not_found")
    body = operator_client.post("/api/invalidations", "[", content_type="application/json")
    assert_error(body, 400, "bad_request")


def test_a_session_post_without_the_csrf_token_is_refused_in_json(operator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    response = client.post(
        "/api/invalidations", {"kind": "key", "target": "k"}, content_type="application/json"
    )
    assert_error(response, 403, "forbidden")
    assert "X-CSRFToken" in response.json()["message"]


def test_pages_keep_their_html_errors(viewer_client):
    response = viewer_client.get("/no/such/page/")
    assert response.status_code == 404 and b"<html" in response.content.lower()
