"""The overview page: real figures, refreshing fragment, JSON, and every way a service fails."""

import socket
import time

import pytest
import redis
from django.template.loader import render_to_string
from django.test import Client

from cacheadmin.gateways import connections
from cacheadmin.gateways.rabbit_management import ManagementError
from cacheadmin.models import AuditEntry
from cacheadmin.overview import broker
from tests.conftest import management_url
from tests.helpers import wait_for
from tests.servers import RedisServer, free_port

pytestmark = pytest.mark.django_db


def test_overview_shows_redis_figures(services, viewer_client, redis_client, redis_server):
    redis_client.set("present", "1")
    redis_client.set("with-ttl", "1", ex=600)
    for _ in range(3):
        redis_client.get("present")
    redis_client.get("absent")
    html = viewer_client.get("/").content.decode()
    version = redis_client.info("server")["redis_version"]
    assert f'data-figure="redis-version">{version}<' in html
    assert 'data-figure="redis-hit-rate">75.0 %<' in html
    assert "3 hits, 1 miss<" in html
    assert 'data-figure="redis-keys">2<' in html
    assert '<td>db0</td><td class="num">2</td><td class="num">1</td>' in html


def test_overview_shows_rabbitmq_figures(services, viewer_client, rabbit_admin):
    html = viewer_client.get("/").content.decode()
    version = rabbit_admin.http.get("overview").json()["rabbitmq_version"]
    assert f'data-figure="rabbit-version">{version}<' in html
    assert 'id="rabbit-card"' in html
    assert "Messages ready" in html


def test_htmx_refresh_returns_only_the_cards(services, viewer_client):
    response = viewer_client.get("/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="cards"')
    assert "<html" not in html
    assert 'hx-trigger="refresh" data-refresh-every="5"' in html  # refresh.js, every 5 s


def test_json_api_has_both_cards(services, viewer_client, redis_client):
    data = viewer_client.get("/api/overview").json()
    assert data["redis"]["ok"] is True
    assert data["redis"]["figures"]["version"] == redis_client.info("server")["redis_version"]
    assert data["rabbit"]["ok"] is True
    assert data["rabbit"]["figures"]["version"]


def test_redis_stopped_is_said_plainly_and_rabbitmq_still_shows(
    services, own_servers, viewer_client, settings, tmp_path
):
    gone = RedisServer(tmp_path).start()
    gone.stop()
    settings.REDIS_URL = gone.url
    response = viewer_client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Unreachable" in html
    assert f"Redis is not running or not reachable at 127.0.0.1:{gone.port}/0" in html
    assert 'data-figure="rabbit-version">' in html
    assert viewer_client.get("/api/overview").json()["redis"]["problem"]["kind"] == "unreachable"


def test_redis_that_never_answers_times_out(services, viewer_client, settings):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings.REDIS_URL = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        settings.REDIS_TIMEOUT = 0.3
        first = viewer_client.get("/").content.decode()
        assert "asking…" in first and 'hx-trigger="load delay:1s, refresh"' in first
        html = wait_for(lambda: page_saying(viewer_client, "/", "did not answer within"), 3)
    assert "Timed out" in html
    assert "did not answer within 0.3 s" in html


def test_malformed_redis_url_is_reported_on_the_page(services, viewer_client, settings):
    settings.REDIS_URL = "http://not-redis/"
    html = viewer_client.get("/").content.decode()
    assert "Misconfigured" in html
    assert "REDIS_URL is not a valid Redis URL" in html


def test_a_database_that_is_not_a_number_is_a_misconfiguration(services, viewer_client, settings):
    """redis-py reads redis://host:port/notadb as database 0, silently."""
    settings.REDIS_URL = settings.REDIS_URL.rsplit("/", 1)[0] + "/notadb"
    answer = viewer_client.get("/api/overview").json()["redis"]
    assert answer["problem"]["kind"] == "misconfigured"
    assert "'notadb'" in answer["problem"]["message"]
    assert viewer_client.get("/api/keys").status_code == 503


def test_redis_password_required(services, viewer_client, redis_server, redis_client):
    redis_client.config_set("requirepass", "s3cret-pass")
    try:
        html = viewer_client.get("/").content.decode()
    finally:
        authed = redis.Redis(port=redis_server.port, password="s3cret-pass")
        authed.config_set("requirepass", "")
        authed.close()
    assert "Access refused" in html
    assert "refused the credentials" in html
    assert "s3cret-pass" not in html


def test_wrong_rabbitmq_password_names_the_user_not_the_password(services, viewer_client, settings):
    settings.RABBITMQ_MANAGEMENT_URL = management_url("guest", "not-the-password")
    html = viewer_client.get("/").content.decode()
    assert "Access refused" in html
    assert "refused user &#x27;guest&#x27;: wrong user name or password" in html
    assert "not-the-password" not in html
    assert 'data-figure="redis-version">' in html


@pytest.mark.parametrize("tags", ["", "management"])
def test_rabbitmq_user_without_the_tag_is_told_which_tag(
    services, viewer_client, settings, rabbit_user, tags
):
    name, password = rabbit_user(tags)
    settings.RABBITMQ_MANAGEMENT_URL = management_url(name, password)
    html = viewer_client.get("/").content.decode()
    if tags == "management":
        # A management user sees its own vhosts' figures: not RABBITMQ_URL's, here.
        assert f"shows user &#x27;{name}&#x27; no virtual host" in html
        assert "has no permissions there" in html
    else:
        assert "Not management user" in html
        assert "&#x27;monitoring&#x27; tag" in html
        assert f"rabbitmqctl set_user_tags {name} monitoring" in html


def test_rabbitmq_management_unreachable(services, viewer_client, settings):
    settings.RABBITMQ_MANAGEMENT_URL = f"http://guest:guest@127.0.0.1:{free_port()}/"
    html = viewer_client.get("/").content.decode()
    assert "Unreachable" in html
    assert "rabbitmq-plugins enable rabbitmq_management" in html


def test_rabbitmq_url_that_is_not_the_api_keeps_its_password_secret(
    services, viewer_client, settings
):
    settings.RABBITMQ_MANAGEMENT_URL = "htp://admin:s3cr3t@somewhere/"
    html = viewer_client.get("/").content.decode()
    api = viewer_client.get("/api/overview").content.decode()
    assert "Misconfigured" in html
    assert "RABBITMQ_MANAGEMENT_URL is not an http(s)://user:password@host:port/ URL" in html
    assert "s3cr3t" not in html and "s3cr3t" not in api


def test_rabbitmq_on_an_ipv6_address(services, viewer_client, settings):
    settings.RABBITMQ_MANAGEMENT_URL = f"http://guest:guest@[::1]:{free_port()}/"
    response = viewer_client.get("/")
    assert response.status_code == 200
    assert "RabbitMQ at http://[::1]:" in response.content.decode()


def test_a_management_answer_of_the_wrong_shape_is_an_error(services, settings):
    client = connections.rabbit_management(connections.instance())
    with pytest.raises(ManagementError, match="JSON that is not an object"):
        client.get_object("api/vhosts")  # a list


def test_idle_broker_reports_zero(services, rabbit_admin):
    answer = rabbit_admin.http.get("overview").json()
    answer["queue_totals"] = answer["message_stats"] = {}  # as a broker with no queues says
    figures = broker.summarise_overview(answer)
    assert (figures["messages_ready"], figures["publish_rate"]) == (0, 0.0)


def test_figures_the_broker_does_not_report_are_unknown_not_zero(viewer):
    answer = {"queue_totals": None, "object_totals": {}, "disable_stats": True}
    figures = broker.summarise_overview(answer)
    assert figures["queues"] is None and figures["publish_rate"] is None
    assert figures["messages_ready"] is None
    html = render_to_string(
        "overview/partials/rabbit_card.html", {"card": {"figures": figures, "problem": None}}
    )
    assert "None" not in html
    assert 'data-figure="rabbit-ready">–<' in html


def misses(client) -> int:
    """keyspace_misses of the server, or summed over a cluster's primaries."""
    if isinstance(client, redis.RedisCluster):
        nodes = [client.get_redis_connection(node) for node in client.get_primaries()]
        return sum(node.info("stats")["keyspace_misses"] for node in nodes)
    return client.info("stats")["keyspace_misses"]


def test_operator_resets_statistics_after_confirming(operator_client, operator, keyspace):
    keyspace.get("absent")
    cluster = isinstance(keyspace, redis.RedisCluster)
    confirm = operator_client.get("/redis/reset-stats/")
    assert confirm.status_code == 200
    assert "CONFIG RESETSTAT" in confirm.content.decode()
    assert ("on every primary of the cluster" in confirm.content.decode()) == cluster
    assert misses(keyspace) == 1  # nothing happens on GET

    response = operator_client.post("/redis/reset-stats/")
    assert response.status_code == 302
    assert misses(keyspace) == 0
    entry = AuditEntry.objects.get()
    assert (entry.user, entry.username, entry.action) == (
        operator,
        operator.username,
        "redis.reset_stats",
    )
    assert entry.outcome == "ok"


def test_reset_statistics_needs_the_csrf_token(services, operator, redis_client):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    redis_client.get("absent")
    assert client.post("/redis/reset-stats/").status_code == 403
    assert redis_client.info("stats")["keyspace_misses"] == 1


def test_failed_reset_is_audited_as_failed(operator_client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = operator_client.post("/redis/reset-stats/")
    assert response.status_code == 503
    assert "The reset failed" in response.content.decode()
    entry = AuditEntry.objects.get()
    assert entry.outcome == "failed"
    assert "not reachable" in entry.error


def test_wrong_method_is_refused(viewer_client):
    assert viewer_client.post("/").status_code == 405
    assert viewer_client.delete("/api/overview").status_code == 405


def test_both_services_silent_time_out_once_not_twice(viewer_client, settings, silent_port):
    settings.REDIS_URL = f"redis://127.0.0.1:{silent_port}/0"
    settings.RABBITMQ_MANAGEMENT_URL = f"http://guest:guest@127.0.0.1:{silent_port}/"
    settings.REDIS_TIMEOUT = settings.RABBITMQ_TIMEOUT = 1.5
    started = time.monotonic()
    rabbit = f"RabbitMQ at http://127.0.0.1:{silent_port}/ did not answer within 1.5 s"
    html = wait_for(lambda: page_saying(viewer_client, "/", rabbit, "Redis at 127.0.0.1"), 3)
    elapsed = time.monotonic() - started
    assert "did not answer within 1.5 s" in html.replace(rabbit, "")
    assert elapsed < 2.7  # asked one after the other, it would take 3 s


def page_saying(client, path: str, *texts: str) -> str | None:
    """The page at path if it says every text: asked again until its figures come,
    each time at once (a silent service is never waited for past OVERVIEW_WAIT_SECONDS
    and a little)."""
    started = time.monotonic()
    page = client.get(path).content.decode()
    assert time.monotonic() - started < 1.0
    return page if all(text in page for text in texts) else None
