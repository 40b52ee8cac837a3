"""/healthz: open without login, the state of each service, nothing secret."""

import pytest

from tests.conftest import management_url
from tests.servers import free_port

pytestmark = pytest.mark.django_db


def test_all_up(services, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert response.json() == {
        "status": "ok",
        "checks": {"database": {"ok": True}, "redis": {"ok": True}, "rabbitmq": {"ok": True}},
    }


def test_services_down_degrade_but_stay_in_rotation(services, client, settings):
    settings.REDIS_URL = f"redis://:hunter2@127.0.0.1:{free_port()}/0"
    settings.RABBITMQ_MANAGEMENT_URL = management_url("guest", "wrong-secret")
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.content.decode()
    assert response.json() == {
        "status": "degraded",
        "checks": {
            "database": {"ok": True},
            "redis": {"ok": False, "problem": "unreachable"},
            "rabbitmq": {"ok": False, "problem": "refused"},
        },
    }
    for secret in ("hunter2", "wrong-secret", "guest", "127.0.0.1", "version"):
        assert secret not in body


def test_post_is_refused(client):
    assert client.post("/healthz").status_code == 405
