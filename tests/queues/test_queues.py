"""RabbitMQ queues: pages from the management API, shared among viewers; errors as JSON."""

import re
import socket
import time
from html import unescape as html_unescape
from urllib.parse import urlencode

import pika
import pytest
import redis

from cacheadmin.gateways import connections
from cacheadmin.gateways.rabbit_management import ManagementError
from cacheadmin.models import AuditEntry
from tests.conftest import management_url
from tests.helpers import wait_for_statistics
from tests.servers import free_port

pytestmark = pytest.mark.django_db
# "zq" marks them: other tests leave queues of their own in the vhost.
HOSTILE = ['zq orders <b>"bold"</b>', "zq caf\u00e9/queue with spaces", "zq.plain.queue"]


@pytest.fixture
def queues(settings, rabbit_vhost):
    """Queues with awkward names in the test vhost, with 3, 2 and 1 messages."""
    settings.RABBITMQ_STATS_INTERVAL = 0.01  # no sharing between the tests' own asks
    connection = pika.BlockingConnection(pika.URLParameters(settings.RABBITMQ_URL))
    channel = connection.channel()
    for count, name in zip((3, 2, 1), HOSTILE, strict=True):
        channel.queue_declare(name, durable=True)
        channel.queue_purge(name)
        for _ in range(count):
            channel.basic_publish("", name, b"m")
    yield rabbit_vhost
    for name in HOSTILE:
        channel.queue_delete(name)
    connection.close()


def get(client, path: str, headers: dict | None = None, **params):
    """GET with the query encoded: the test vhost's name needs it."""
    return client.get(path + "?" + urlencode(params), headers=headers or {})


def test_api_pages_filters_and_sorts(services, viewer_client, queues):
    query = {"kind": "rabbitmq", "vhost": queues, "name": "zq", "sort": "messages"}
    query |= {"order": "desc", "page_size": 2}

    def depths():
        data = get(viewer_client, "/api/queues", **query).json()
        ready = [item["messages_ready"] for item in data["items"]]
        return data if ready == [3, 2] else None

    data = wait_for_statistics(depths)
    assert data["total"] == 3 and data["page"] == 1 and data["page_size"] == 2
    assert [item["name"] for item in data["items"]] == HOSTILE[:2]
    assert data["items"][0]["vhost"] == queues and data["items"][0]["kind"] == "rabbitmq"
    second = get(viewer_client, "/api/queues", **query, page=2).json()
    assert [item["name"] for item in second["items"]] == ["zq.plain.queue"]
    beyond = get(viewer_client, "/api/queues", **query, page=9).json()
    assert beyond["items"] == []
    named = get(viewer_client, "/api/queues", vhost=queues, name="CAF").json()
    assert [item["name"] for item in named["items"]] == [HOSTILE[1]]


def test_the_page_shows_names_escaped(services, viewer_client, queues):
    html = get(viewer_client, "/queues/", vhost=queues).content.decode()
    assert "zq orders &lt;b&gt;&quot;bold&quot;&lt;/b&gt;" in html and "<b>" not in html
    assert "zq caf\u00e9/queue with spaces" in html
    fragment = get(viewer_client, "/queues/", vhost=queues, headers={"HX-Request": "true"})
    assert fragment.content.decode().lstrip().startswith('<div id="queues"')


def test_broker_errors_are_json(services, viewer_client, settings):
    settings.RABBITMQ_MANAGEMENT_URL = f"http://guest:guest@127.0.0.1:{free_port()}/"
    down = viewer_client.get("/api/queues")
    assert down.status_code == 503 and "not reachable" in down.json()["message"]
    settings.RABBITMQ_MANAGEMENT_URL = management_url("guest", "wrong")
    refused = viewer_client.get("/api/queues")
    assert refused.status_code == 503 and "wrong user name or password" in refused.json()["message"]
    assert refused.json()["error"] == "refused"
    page = viewer_client.get("/queues/")
    assert page.status_code == 503 and "Access refused" in page.content.decode()
    assert viewer_client.get("/api/queues?page=0&sort=size").status_code == 400


def test_redis_queues_with_processing_lists_and_streams(viewer_client, keyspace):
    keyspace.rpush("queue:emails", *range(5))
    keyspace.rpush("queue:emails:processing", 1, 2)
    keyspace.rpush("rq:queue:default", 1)
    keyspace.rpush(b"queue:<script>\xff", 1)
    keyspace.xadd("orders:queue", {"n": 1})
    keyspace.xadd("orders:queue", {"n": 2})
    keyspace.xgroup_create("orders:queue", "billing", id="0")
    keyspace.xreadgroup("billing", "w1", {"orders:queue": ">"}, count=1)
    keyspace.set("queue:not-a-list", "x")
    data = viewer_client.get("/api/queues?kind=redis&sort=messages&order=desc").json()
    rows = {item["name"]: item for item in data["items"]}
    assert set(rows) == {"queue:emails", "rq:queue:default", "queue:<script>\\xff", "orders:queue"}
    emails = rows["queue:emails"]
    assert (emails["messages_ready"], emails["messages_unacknowledged"], emails["messages"]) == (
        5,
        2,
        7,
    )
    assert emails["vhost"] is None and emails["type"] == "list"
    stream = rows["orders:queue"]
    assert (stream["type"], stream["messages_ready"], stream["messages_unacknowledged"]) == (
        "stream",
        2,
        1,
    )
    assert stream["consumers"] == 1
    assert data["items"][0]["name"] == "queue:emails" and data["total"] == 4
    html = viewer_client.get("/queues/").content.decode()
    assert "queue:&lt;script&gt;\\xff" in html and "<script>\\xff" not in html
    if isinstance(keyspace, redis.RedisCluster):  # found on every primary, each named
        assert html.count('data-figure="node"') == 4  # the Node column
        for name, row in rows.items():
            key = b"queue:<script>\xff" if "script" in name else name.encode()
            assert row["node"] == keyspace.get_node_from_key(key).name
            assert f'data-figure="node">{row["node"]}<' in html
    else:
        assert 'data-figure="node"' not in html


def detail(client, vhost, name):
    return get(client, "/queues/q", vhost=vhost, name=name)


def test_detail_and_peek_keep_the_messages(services, viewer_client, queues):
    name = HOSTILE[0]
    page = detail(viewer_client, queues, name)
    assert page.status_code == 200 and "zq orders &lt;b&gt;" in page.content.decode()
    peeked = viewer_client.post("/queues/peek", {"vhost": queues, "name": name, "count": 10})
    html = peeked.content.decode()
    assert html.count('data-figure="peeked"') == 3 and "marks them <em>redelivered</em>" in html

    def still_three():
        data = get(viewer_client, "/api/queues", vhost=queues, name="zq orders").json()
        return data["items"][0]["messages_ready"] == 3

    wait_for_statistics(still_three)


def test_purge_is_for_operators_confirmed_and_audited(
    services, viewer_client, operator_client, queues, rabbit_admin
):
    from urllib.parse import quote

    from cacheadmin.models import AuditEntry

    name = HOSTILE[1]
    data = {"vhost": queues, "name": name}
    assert viewer_client.post("/queues/purge", data | {"confirmed": "yes"}).status_code == 403
    confirm = operator_client.post("/queues/purge", data)
    assert confirm.status_code == 200 and "Purge this queue?" in confirm.content.decode()
    done = operator_client.post("/queues/purge", data | {"confirmed": "yes"})
    assert done.status_code == 302
    path = f"queues/{quote(queues, safe='')}/{quote(name, safe='')}"
    wait_for_statistics(lambda: rabbit_admin.http.get(path).json().get("messages", 0) == 0)
    entry = AuditEntry.objects.get(action="queue.purge")
    assert entry.outcome == "ok" and name in entry.target


def test_publish_a_test_message(services, operator_client, viewer_client, queues):
    import pika
    from django.conf import settings

    data = {
        "vhost": queues,
        "name": "zq.plain.queue",
        "headers": '{"from": "test"}',
        "body": "hello",
    }
    assert viewer_client.post("/queues/publish", data | {"confirmed": "yes"}).status_code == 403
    assert "Publish this message?" in operator_client.post("/queues/publish", data).content.decode()
    assert operator_client.post("/queues/publish", data | {"confirmed": "yes"}).status_code == 302
    connection = pika.BlockingConnection(pika.URLParameters(settings.RABBITMQ_URL))
    channel = connection.channel()
    bodies = []
    while (message := channel.basic_get("zq.plain.queue", auto_ack=True))[0]:
        bodies.append((message[2], (message[1].headers or {}).get("from")))
    connection.close()
    assert (b"hello", "test") in bodies
    bad = operator_client.post("/queues/publish", data | {"headers": "[1]"})
    assert bad.status_code == 400 and "Headers are a JSON object" in bad.content.decode()


def test_exchanges_and_their_bindings(services, viewer_client, queues, settings):
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(settings.RABBITMQ_URL))
    channel = connection.channel()
    channel.exchange_declare("zq <fan>", exchange_type="fanout")
    channel.queue_bind(HOSTILE[1], "zq <fan>", routing_key="k<1>")
    try:
        listing = get(viewer_client, "/queues/exchanges/", vhost=queues, name="zq").content.decode()
        assert "zq &lt;fan&gt;" in listing and "<fan>" not in listing
        page = viewer_client.get(
            "/queues/exchange?" + urlencode({"vhost": queues, "name": "zq <fan>"})
        )
        html = page.content.decode()
        assert (
            page.status_code == 200
            and "zq caf\u00e9/queue with spaces" in html
            and "k&lt;1&gt;" in html
        )
        default = viewer_client.get("/queues/exchange?" + urlencode({"vhost": queues, "name": ""}))
        assert default.status_code == 200
    finally:
        channel.exchange_delete("zq <fan>")
        connection.close()


def test_detail_charts_the_brokers_samples_and_refreshes_in_place(
    services, viewer_client, queues, settings
):
    name = HOSTILE[0]

    def charted():  # depths come at once; rates need two samples of the counters
        html = detail(viewer_client, queues, name).content.decode()
        drawn = 'aria-label="Depth"' in html and 'aria-label="Rates"' in html
        return html if drawn else None

    html = wait_for_statistics(charted, seconds=30)  # the broker samples every 5 s
    assert html.count("<polyline") >= 2
    fragment = get(
        viewer_client, "/queues/q", vhost=queues, name=name, headers={"HX-Request": "true"}
    )
    text = fragment.content.decode()
    assert fragment.status_code == 200 and text.lstrip().startswith(
        '<section class="card" id="queue-figures"'
    )
    # after a peek (a POST), the figures still refresh from the queue's page
    peeked = viewer_client.post("/queues/peek", {"vhost": queues, "name": name, "count": 1})
    refresh = re.search(r'id="queue-figures" hx-get="([^"]+)"', peeked.content.decode())
    assert refresh and html_unescape(refresh.group(1)).startswith("/queues/q?")
    settings.RABBITMQ_MANAGEMENT_URL = management_url("guest", "wrong")
    failed = get(
        viewer_client, "/queues/q", vhost=queues, name=name, headers={"HX-Request": "true"}
    )
    assert failed.status_code == 200 and "wrong user name or password" in failed.content.decode()
    assert 'id="queue-figures"' in failed.content.decode()  # and it keeps refreshing


def test_rates_come_from_the_brokers_counters_with_gaps_at_a_reset():
    from cacheadmin.queues.history import rate_series

    samples = [
        {"timestamp": 20_000, "sample": 5},
        {"timestamp": 15_000, "sample": 50},
        {"timestamp": 10_000, "sample": 0},
    ]  # newest first, as the broker sends them
    queue = {"message_stats": {"publish_details": {"samples": samples}}}
    assert rate_series(queue)["publish"] == [(15.0, 10.0), (20.0, None)]
    assert rate_series({})["publish"] == []


def test_peek_shows_json_binary_html_and_big_payloads(services, viewer_client, queues, settings):
    name = "zq.payloads"
    connection = pika.BlockingConnection(pika.URLParameters(settings.RABBITMQ_URL))
    channel = connection.channel()
    channel.queue_declare(name)
    channel.queue_purge(name)
    for body in (b'{"order": 7, "items": [1, 2]}', b"\x00\xffbin", b"<script>x()</script>"):
        channel.basic_publish("", name, body)
    channel.basic_publish("", name, b"y" * 30_000)
    try:
        before = detail(viewer_client, queues, name).content.decode()
        assert "no ready messages" not in before  # not said before anyone peeks
        html = viewer_client.post(
            "/queues/peek", {"vhost": queues, "name": name, "count": 10}
        ).content.decode()
        assert html.count('data-figure="peeked"') == 4
        assert '"order": 7,\n  "items": [' in html.replace("&quot;", '"')
        assert "00 ff 62 69 6e" in html and "· binary" in html
        assert "&lt;script&gt;x()&lt;/script&gt;" in html and "<script>x()" not in html
        assert "30,000 bytes, the first 20,000 shown" in html
    finally:
        channel.queue_delete(name)
        connection.close()


def test_headers_and_arguments_named_like_dict_methods_are_shown(
    services, viewer_client, queues, settings
):
    name = "zq.items"
    connection = pika.BlockingConnection(pika.URLParameters(settings.RABBITMQ_URL))
    channel = connection.channel()
    channel.queue_declare(name, arguments={"items": 5, "x-max-length": 100})
    properties = pika.BasicProperties(headers={"items": "oops", "keys": 1})
    channel.basic_publish("", name, b"x", properties=properties)
    try:
        page = detail(viewer_client, queues, name)
        assert page.status_code == 200 and "items=5" in page.content.decode()
        peeked = viewer_client.post("/queues/peek", {"vhost": queues, "name": name, "count": 1})
        assert peeked.status_code == 200 and "items: oops" in peeked.content.decode()
    finally:
        channel.queue_delete(name)
        connection.close()


def test_odd_samples_from_the_broker_are_left_out():
    from cacheadmin.queues.history import depth_series, rate_series

    queue = {
        "messages_ready_details": {
            "samples": [
                {"timestamp": 10_000, "sample": None},
                {"timestamp": "soon", "sample": 3},
                {"timestamp": 20_000, "sample": True},
                {"timestamp": 30_000, "sample": 4},
                "junk",
            ]
        },
        "messages_unacknowledged_details": {"samples": 5},
        "message_stats": {"publish_details": None},
    }
    assert depth_series(queue) == {"ready": [(30.0, 4)], "unacked": []}
    assert all(points == [] for points in rate_series(queue).values())


def test_a_queues_page_is_shared_among_viewers_within_the_interval(
    services, viewer_client, operator_client, queues, settings
):
    from cacheadmin.gateways import connections

    settings.RABBITMQ_STATS_INTERVAL = 30
    answers = connections.rabbit_answers()
    for client in (viewer_client, operator_client, viewer_client):
        assert detail(client, queues, HOSTILE[2]).status_code == 200
    assert answers.calls == 1
    confirm = operator_client.post("/queues/purge", {"vhost": queues, "name": HOSTILE[2]})
    assert confirm.status_code == 200 and answers.calls == 1  # asked afresh, not shared


PEEK_BODY = {"count": 5, "ackmode": "ack_requeue_true", "encoding": "auto", "truncate": 20_000}


def test_refused_requests_with_a_body_never_time_out(services, settings):
    """The broker answers a POST with 401 before reading its body, and then took the
    next request on that connection for the rest of the body: it timed out (a peek
    under a wrong password said "Timed out" about one time in a hundred)."""
    settings.RABBITMQ_MANAGEMENT_URL = management_url("guest", "wrong")
    client = connections.rabbit_management(connections.instance())
    kinds = []
    for _ in range(2000):  # about one in 500 timed out
        try:
            client.request("POST", "api/queues/%2F/q/get", body=PEEK_BODY)
        except ManagementError as error:
            kinds.append(error.problem.kind)
    assert set(kinds) == {"refused"}, kinds.count("timeout")


def test_a_vhost_queue_or_exchange_that_is_not_there_is_a_404(services, viewer_client, queues):
    page = viewer_client.get("/queues/q", {"vhost": queues, "name": "zq.nothing"})
    assert (
        page.status_code == 404 and "has no queue &#x27;zq.nothing&#x27;" in page.content.decode()
    )
    exchange = viewer_client.get("/queues/exchange", {"vhost": queues, "name": "zq.nothing"})
    assert exchange.status_code == 404
    api = viewer_client.get("/api/queues", {"vhost": "zq no such vhost"})
    assert api.status_code == 404 and api.json()["error"] == "not_found"
    assert "virtual host 'zq no such vhost'" in api.json()["message"]


PUBLISH = {"name": "zq.plain.queue", "headers": "{}", "body": "hello", "confirmed": "yes"}


def silent_server() -> socket.socket:
    """A server that accepts connections and never says a word."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    return silent


def test_publishing_to_a_broker_that_never_answers_fails_in_time(
    services, operator_client, queues, settings
):
    with silent_server() as silent:
        settings.RABBITMQ_URL = f"amqp://guest:guest@127.0.0.1:{silent.getsockname()[1]}/%2F"
        settings.RABBITMQ_TIMEOUT = 1.0
        started = time.monotonic()
        response = operator_client.post("/queues/publish", PUBLISH | {"vhost": queues})
    assert time.monotonic() - started < 5
    assert response.status_code in (503, 504) and "did not take" in response.content.decode()
    assert AuditEntry.objects.get(action="queue.publish").outcome == "failed"


def test_a_malformed_rabbitmq_url_is_said_when_publishing(
    services, operator_client, queues, settings
):
    settings.RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:notaport/%2F"
    response = operator_client.post("/queues/publish", PUBLISH | {"vhost": queues})
    assert response.status_code == 503 and "RABBITMQ_URL" in response.content.decode()


@pytest.mark.parametrize(
    ("headers", "said"),
    [
        ('{"big": 18446744073709551616}', "A header number fits in 64 bits"),
        ('{"text": "\\ud800"}', "A header holds text that is not valid Unicode"),
        ('{"deep": ' + "[" * 200 + "]" * 200 + "}", "Headers are nested at most 8 deep"),
        ('{"\\udfff": 1}', "A header name is valid Unicode"),
    ],
)
def test_headers_amqp_cannot_carry_are_refused(services, operator_client, queues, headers, said):
    response = operator_client.post(
        "/queues/publish", PUBLISH | {"vhost": queues, "headers": headers}
    )
    assert response.status_code == 400 and said in response.content.decode()
    assert not AuditEntry.objects.filter(action="queue.publish").exists()


def test_a_peek_at_a_silent_broker_waits_for_one_timeout(
    services, operator_client, queues, settings
):
    with silent_server() as silent:
        url = f"http://guest:guest@127.0.0.1:{silent.getsockname()[1]}/"
        settings.RABBITMQ_MANAGEMENT_URL = url
        settings.RABBITMQ_TIMEOUT = 1.0
        started = time.monotonic()
        response = operator_client.post("/queues/peek", {"vhost": queues, "name": "q", "count": 1})
    assert time.monotonic() - started < 1.8  # not a second timeout for the figures
    assert response.status_code == 504 and "Timed out" in response.content.decode()


def test_a_viewer_cannot_lose_a_message_by_peeking_at_a_quorum_queue(
    services, viewer_client, operator_client, queues, settings
):
    """Each put-back counts as a delivery: with x-delivery-limit 1, three peeks once
    emptied the queue. Viewers may not peek there; operators confirm first."""
    name = "zq.quorum"
    connection = pika.BlockingConnection(pika.URLParameters(settings.RABBITMQ_URL))
    channel = connection.channel()
    arguments = {"x-queue-type": "quorum", "x-delivery-limit": 1}
    channel.queue_declare(name, durable=True, arguments=arguments)
    channel.basic_publish("", name, b"precious")
    try:
        wait_for_statistics(lambda: get(viewer_client, "/api/queues", name=name).json()["items"])
        body = {"vhost": queues, "name": name, "count": 1}
        page = viewer_client.get("/queues/q", {"vhost": queues, "name": name}).content.decode()
        assert 'action="/queues/peek"' not in page and "only operators may peek" in page
        for _ in range(3):
            refused = viewer_client.post("/queues/peek", body)
            assert refused.status_code == 403 and "delivery limit" in refused.content.decode()
        asked = operator_client.post("/queues/peek", body)
        assert "Peek at this quorum queue?" in asked.content.decode()
        assert channel.queue_declare(name, passive=True).method.message_count == 1
        peeked = operator_client.post("/queues/peek", body | {"confirmed": "yes"})
        assert peeked.status_code == 200 and "precious" in peeked.content.decode()
        assert AuditEntry.objects.get(action="queue.peek").count == 1
    finally:
        channel.queue_delete(name)
        connection.close()


def test_bidirectional_and_invisible_characters_in_names_are_shown_escaped(
    services, viewer_client, queues, settings
):
    name = "zq invoice\u202egpj.exe\u200b"
    connection = pika.BlockingConnection(pika.URLParameters(settings.RABBITMQ_URL))
    channel = connection.channel()
    channel.queue_declare(name, arguments={"x-note\u202e": "a\u2066b"})
    try:
        wait_for_statistics(
            lambda: get(viewer_client, "/api/queues", name="invoice").json()["items"]
        )
        for page in (
            get(viewer_client, "/queues/", name="invoice"),
            get(viewer_client, "/queues/q", vhost=queues, name=name),
        ):
            html = page.content.decode()
            # Hidden inputs carry the name as it is, to name the queue back: never shown.
            html = re.sub(r'<input type="hidden"[^>]*>', "", html)
            assert "zq invoice\\u202egpj.exe\\u200b" in html
            assert "\u202e" not in html and "\u200b" not in html and "\u2066" not in html
    finally:
        channel.queue_delete(name)
        connection.close()
