"""A broker that speaks AMQPS and HTTPS (TLS fronts of the local RabbitMQ, with
certificates of a CA of their own): the instance's ca_file lets the dashboard in; a CA
that did not sign them is said plainly."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import MANAGEMENT_URL, RABBIT_ADMIN
from tests.servers import TlsProxy, make_certificates

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("services")]


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mq-tls")
    return make_certificates(folder / "ours"), make_certificates(folder / "other", name="other")


@pytest.fixture(scope="module")
def proxies(certificates):
    ours, _ = certificates
    management_port = int(MANAGEMENT_URL.rstrip("/").rsplit(":", 1)[1])
    fronts = TlsProxy(5672, ours).start(), TlsProxy(management_port, ours).start()
    yield fronts
    for front in fronts:
        front.stop()


def secure_broker(settings, tmp_path, proxies, ca_file) -> None:
    amqp, management = proxies
    user, password = RABBIT_ADMIN
    path = tmp_path / "instances.toml"
    path.write_text(
        f'[rabbitmq.secure]\namqp_url = "amqps://{user}:{password}@127.0.0.1:{amqp.port}/%2F"\n'
        f'management_url = "https://{user}:{password}@127.0.0.1:{management.port}/"\n'
        f'ca_file = "{ca_file}"\n'
    )
    settings.CACHEADMIN_INSTANCES = str(path)


def test_amqps_and_https_with_the_instances_ca(
    viewer_client, settings, tmp_path, proxies, certificates
):
    secure_broker(settings, tmp_path, proxies, certificates[0]["ca.crt"])
    overview = viewer_client.get("/i/secure/api/overview").json()["rabbit"]
    assert overview["ok"] and overview["figures"]["version"].startswith("3.")
    out = StringIO()
    call_command("check_instances", stdout=out, no_color=True)  # AMQPS too
    assert "ok       rabbitmq secure" in out.getvalue(), out.getvalue()


def test_a_ca_that_did_not_sign_them_is_said(
    viewer_client, settings, tmp_path, proxies, certificates
):
    secure_broker(settings, tmp_path, proxies, certificates[1]["ca.crt"])
    page = viewer_client.get("/i/secure/queues/")
    assert page.status_code == 503
    assert "certificate that the CA file does not vouch for" in page.content.decode()
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("check_instances", stdout=out, no_color=True)
    assert "FAILED   rabbitmq secure" in out.getvalue()
