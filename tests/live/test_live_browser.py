"""A person watches a feed in a real browser, served by daphne (websockets need ASGI:
the test live server is WSGI)."""

import json
import os
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import log_in
from tests.helpers import wait_for
from tests.live.test_redis_feeds import set_events
from tests.servers import Daphne, dashboard_env
from tests.users import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watching(page, server, user, pattern: str) -> None:
    """Logged in as user, the live page open with a feed of pattern, live."""
    log_in(page, server, user.username, PASSWORD)
    page.goto(server.url + "/live/")
    page.fill("input[name=pattern]", pattern)
    page.click("#live-subscribe button[type=submit]")
    expect(page.locator(".feed[data-state=live]")).to_have_count(1)


def test_messages_arrive_live_and_html_stays_text(page, asgi_server, viewer, redis_client):
    log_in(page, asgi_server, viewer.username, PASSWORD)
    page.goto(asgi_server.url + "/live/")
    expect(page.locator("#live-connection")).to_have_text("connected")
    page.fill("input[name=pattern]", "news.*")
    page.click("#live-subscribe button[type=submit]")
    expect(page.locator(".feed[data-state=live]")).to_have_count(1)

    hostile = '<img src=x onerror="window.hacked=1"><b>bold</b>'
    redis_client.publish("news.html", hostile)
    redis_client.publish("news.json", json.dumps({"id": 7, "tags": ["a"]}))
    redis_client.publish("news.bin", b"\x00\xff\x10")
    rows = page.locator("#live-rows tr")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="news.html").locator("td.payload")).to_have_text(hostile)
    assert page.locator("#live-rows b, #live-rows img").count() == 0
    assert page.evaluate("window.hacked") is None

    rows.filter(has_text="news.json").click()
    expect(page.locator("#live-detail-body")).to_have_text(
        '{\n  "id": 7,\n  "tags": [\n    "a"\n  ]\n}'
    )
    rows.filter(has_text="news.bin").click()
    expect(page.locator("#live-detail-body")).to_contain_text("00 ff 10")

    page.fill("#live-filter", "json")
    expect(page.locator("#live-rows tr:visible")).to_have_count(1)
    page.click(".feed button")  # Stop
    expect(page.locator(".feed")).to_have_count(0)

    page.fill("input[name=pattern]", "rtl\u202e.*")  # would turn the label around
    page.click("#live-subscribe button[type=submit]")
    expect(page.locator(".feed-label")).to_have_text("redis: rtl\\u202e.*")


def test_the_page_reconnects_and_resubscribes_after_the_server_restarts(
    page, asgi_server, viewer, redis_client
):
    watching(page, asgi_server, viewer, "again.*")
    asgi_server.stop()
    expect(page.locator("#live-connection")).to_contain_text("disconnected")
    expect(page.locator(".feed[data-state=waiting]")).to_have_count(1)
    asgi_server.start()
    expect(page.locator(".feed[data-state=live]")).to_have_count(1, timeout=15_000)
    redis_client.publish("again.1", "after the restart")
    expect(page.locator("#live-rows td.payload")).to_have_text("after the restart")


# The page's sockets connect only once window.openSockets() is called: until then they
# are CONNECTING, as over a slow network.
HELD_SOCKETS = """
const Real = window.WebSocket;
let open;
const gate = new Promise((resolve) => { open = resolve; });
window.openSockets = () => open();
class Held extends EventTarget {
  static CONNECTING = 0; static OPEN = 1; static CLOSING = 2; static CLOSED = 3;
  constructor(url) {
    super();
    this.readyState = 0;
    gate.then(() => {
      this.real = new Real(url);
      for (const type of ["open", "message", "close", "error"]) {
        this.real.addEventListener(type, (event) => {
          this.readyState = this.real.readyState;
          this.dispatchEvent(new event.constructor(type, event));
        });
      }
    });
  }
  send(data) { this.real.send(data); }
  close(code, reason) { this.real.close(code, reason); }
}
window.WebSocket = Held;
"""


def test_a_feed_asked_for_while_the_socket_connects_is_watched_once_it_opens(
    page, asgi_server, viewer, redis_client
):
    page.add_init_script(HELD_SOCKETS)
    log_in(page, asgi_server, viewer.username, PASSWORD)
    page.goto(asgi_server.url + "/live/")
    expect(page.locator("#live-connection")).to_have_text("connecting…")
    page.fill("input[name=pattern]", "early")
    page.click("#live-subscribe button[type=submit]")

    page.evaluate("window.openSockets()")
    expect(page.locator(".feed[data-state=live]")).to_have_count(1)
    redis_client.publish("early", "here")
    expect(page.locator("#live-rows td.payload")).to_have_text("here")


# The page's socket delivers no frame while window.holdFrames is true; releaseFrames()
# delivers those held, in order: a server slow to confirm.
HELD_FRAMES = """
const Real = window.WebSocket;
const held = [];
window.holdFrames = false;
window.releaseFrames = () => {
  window.holdFrames = false;
  for (const deliver of held.splice(0)) deliver();
};
window.WebSocket = class extends Real {
  addEventListener(type, listener, options) {
    if (type !== "message") return super.addEventListener(type, listener, options);
    super.addEventListener(type, (event) => {
      if (window.holdFrames) held.push(() => listener(event));
      else listener(event);
    }, options);
  }
};
"""


def set_server_filter(page, text: str) -> None:
    page.fill("#live-filter", text)
    page.select_option("#live-filter-where", "server")


@pytest.mark.parametrize("confirmed", ["not sent", "not confirmed"])
def test_a_filter_on_the_server_reaches_feeds_asked_for_and_not_confirmed_yet(
    page, asgi_server, viewer, redis_client, confirmed
):
    page.add_init_script(HELD_SOCKETS if confirmed == "not sent" else HELD_FRAMES)
    log_in(page, asgi_server, viewer.username, PASSWORD)
    page.goto(asgi_server.url + "/live/")
    if confirmed == "not confirmed":
        expect(page.locator("#live-connection")).to_have_text("connected")
        page.evaluate("window.holdFrames = true")
    page.fill("input[name=pattern]", "unconfirmed")
    page.click("#live-subscribe button[type=submit]")
    set_server_filter(page, "needle")
    page.evaluate("window.openSockets ? window.openSockets() : window.releaseFrames()")

    expect(page.locator(".feed-label")).to_have_text("redis: unconfirmed · only “needle”")
    expect(page.locator(".feed[data-state=live]")).to_have_count(1)
    wait_for(lambda: redis_client.pubsub_numsub("unconfirmed") == [(b"unconfirmed", 1)])
    for payload in ("hay", "a needle"):
        redis_client.publish("unconfirmed", payload)
    expect(page.locator("#live-rows td.payload")).to_have_text(["a needle"])
    expect(page.locator("#live-error")).to_be_hidden()


def test_a_channel_watched_from_the_list_gets_the_filter_on_the_server(
    page, asgi_server, viewer, redis_client
):
    listener = redis_client.pubsub()
    listener.subscribe("listed")  # an active channel: the page lists it
    try:
        log_in(page, asgi_server, viewer.username, PASSWORD)
        page.goto(asgi_server.url + "/live/")
        expect(page.locator("#live-connection")).to_have_text("connected")
        set_server_filter(page, "needle")
        page.click("button[data-watch=listed]")
        expect(page.locator(".feed-label")).to_have_text("redis: listed · only “needle”")
    finally:
        listener.close()


def test_rows_read_at_the_bottom_stay_in_sight_as_new_ones_come(
    page, asgi_server, viewer, redis_client
):
    """The table not full yet: the scroller grows as rows come on top, and the rows in
    sight move down with them only once it has grown (before, the scroller could not go
    that far yet: at its bottom, a frame of ten new rows moved the rows read by ten)."""
    watching(page, asgi_server, viewer, "bottom")
    for number in range(60):
        redis_client.publish("bottom", f"b{number}")
    expect(page.locator("#live-rows")).to_have_attribute("data-kept", "60")
    scroll_to_the_oldest(page)
    rows = page.locator("#live-rows tr")
    expect(rows.last.locator("td.payload")).to_have_text("b0")
    in_sight = rows.first.locator("td.payload").text_content()
    with redis_client.pipeline(transaction=False) as pipe:  # in one frame of the feed
        for number in range(10):
            pipe.publish("bottom", f"newer{number}")
        pipe.execute()
    expect(page.locator("#live-rows")).to_have_attribute("data-kept", "70")
    expect(rows.first.locator("td.payload")).to_have_text(in_sight)
    expect(rows.last.locator("td.payload")).to_have_text("b0")


def test_pause_keeps_rows_still_and_the_cap_keeps_the_newest(
    page, asgi_server, viewer, redis_client
):
    log_in(page, asgi_server, viewer.username, PASSWORD)
    page.goto(asgi_server.url + "/live/")
    page.select_option("#live-cap", "200")
    page.fill("input[name=pattern]", "many")
    page.click("#live-subscribe button[type=submit]")
    expect(page.locator(".feed[data-state=live]")).to_have_count(1)
    for number in range(300):
        redis_client.publish("many", f"m{number}")
        if number % 40 == 39:
            time.sleep(0.12)  # under the feed's cap, so every message is sent
    rows = page.locator("#live-rows tr")
    expect(rows.first.locator("td.payload")).to_have_text("m299")
    expect(page.locator("#live-rows")).to_have_attribute("data-kept", "200")
    scroll_to_the_oldest(page)
    expect(rows.last.locator("td.payload")).to_have_text("m100")
    page.evaluate("document.getElementById('live-scroll').scrollTop = 10 * 28")
    expect(rows.first.locator("td.payload")).to_have_text("m289")
    redis_client.publish("many", "newer")  # on top, out of sight: the rows read stay
    expect(page.locator("#live-received")).to_have_text("301")
    expect(rows.first.locator("td.payload")).to_have_text("m289")
    page.evaluate("document.getElementById('live-scroll').scrollTop = 0")
    expect(rows.first.locator("td.payload")).to_have_text("newer")
    page.click("#live-pause")
    redis_client.publish("many", "while paused")
    expect(page.locator("#live-pause")).to_have_text("Resume (1 arrived, 1 kept)")
    expect(rows.first.locator("td.payload")).to_have_text("newer")
    page.click("#live-pause")  # what was held is drawn
    expect(rows.first.locator("td.payload")).to_have_text("while paused")
    expect(rows.nth(1).locator("td.payload")).to_have_text("newer")
    expect(page.locator("#live-error")).to_be_hidden()  # nothing passed

    page.click("#live-pause")
    for number in range(250):  # more than the 200 rows kept, under the feed's cap
        redis_client.publish("many", f"p{number}")
    expect(page.locator("#live-pause")).to_have_text("Resume (250 arrived, 200 kept)")
    expect(rows.first.locator("td.payload")).to_have_text("while paused")  # held, not drawn
    page.click("#live-pause")
    expect(rows.first.locator("td.payload")).to_have_text("p249")
    scroll_to_the_oldest(page)
    expect(rows.last.locator("td.payload")).to_have_text("p50")
    passed = "250 messages arrived while paused: the newest 200 are shown, 50 passed"
    expect(page.locator("#live-error")).to_contain_text(passed)


def test_a_filter_on_the_server_then_the_rows_kept_downloaded_as_ndjson(
    page, asgi_server, viewer, redis_client
):
    log_in(page, asgi_server, viewer.username, PASSWORD)
    page.goto(asgi_server.url + "/live/")
    page.fill("input[name=pattern]", "mixed")
    page.click("#live-subscribe button[type=submit]")
    expect(page.locator(".feed[data-state=live]")).to_have_count(1)
    set_server_filter(page, "needle")  # the feed asked again, with it
    expect(page.locator(".feed-label")).to_have_text("redis: mixed · only “needle”")
    expect(page.locator(".feed[data-state=live]")).to_have_count(1)
    assert redis_client.pubsub_numsub("mixed") == [(b"mixed", 1)]  # the old feed left
    for payload in ("hay", "a needle", "a NEEDLE", '{"x": "<needle>"}'):
        redis_client.publish("mixed", payload)
    rows = page.locator("#live-rows tr")
    expect(rows).to_have_count(2)  # the others never came: none is hidden
    expect(rows.first.locator("td.payload")).to_have_text('{"x": "<needle>"}')

    with page.expect_download() as download:
        page.click("#live-download")
    assert download.value.suggested_filename.endswith(".ndjson")
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    kept = [json.loads(line) for line in lines]
    assert [message["data"] for message in kept] == ["a needle", '{"x": "<needle>"}']
    assert kept[0]["source"] == "redis" and kept[0]["channel"] == "mixed"

    page.select_option("#live-filter-where", "browser")  # all of it again, hidden here
    expect(page.locator(".feed-label")).to_have_text("redis: mixed")
    expect(page.locator(".feed[data-state=live]")).to_have_count(1)
    redis_client.publish("mixed", "hay again")
    expect(page.locator("#live-rows")).to_have_attribute("data-kept", "3")
    expect(page.locator("#live-rows")).to_have_attribute("data-shown", "2")  # no needle
    expect(rows.first.locator("td.payload")).to_have_text('{"x": "<needle>"}')
    page.fill("#live-filter", "")
    expect(rows.first.locator("td.payload")).to_have_text("hay again")


def test_a_sharded_channel_and_each_nodes_keyspace_events_on_a_cluster(
    page, settings, viewer, cluster_keyspace
):
    client = cluster_keyspace
    set_events(client, "E$")
    server = Daphne(dashboard_env(settings)).start()
    try:
        log_in(page, server, viewer.username, PASSWORD)
        page.goto(server.url + "/live/")
        page.select_option("select[name=source]", "shard")
        page.fill("input[name=pattern]", "orders")
        page.click("#live-subscribe button[type=submit]")
        expect(page.locator(".feed[data-state=live]")).to_have_count(1)
        expect(page.locator(".feed-label")).to_have_text("redis: orders (sharded)")
        client.spublish("orders", "first order")
        expect(page.locator("#live-rows tr")).to_have_count(1)
        page.select_option("select[name=source]", "keyspace")
        page.fill("input[name=pattern]", "__keyevent@0__:set")
        page.click("#live-subscribe button[type=submit]")
        expect(page.locator(".feed[data-state=live]")).to_have_count(2)
        client.set("user:1", "x")
        node = client.get_node_from_key("user:1").name
        expect(page.locator("#live-rows tr", has_text=f"@ {node}")).to_have_count(1)
        if path := os.environ.get("CACHEADMIN_SCREENSHOTS"):
            page.screenshot(path=f"{path}/live-cluster.png", full_page=True)
    finally:
        server.stop()
        set_events(client, "")


def test_the_shown_count_moves_with_the_rows(page, asgi_server, viewer, redis_client):
    watching(page, asgi_server, viewer, "counted")
    # The count as it reads when the rows change, before any later refresh of it.
    page.evaluate(
        """window.countWithRows = [];
        new MutationObserver(() => countWithRows.push(
            document.getElementById('live-received').textContent
        )).observe(document.getElementById('live-rows'), { childList: true });"""
    )
    redis_client.publish("counted", "one")
    expect(page.locator("#live-rows td.payload")).to_have_text(["one"])
    assert page.evaluate("window.countWithRows") == ["1"]


def test_a_socket_closed_for_lost_access_is_explained_and_watch_disabled(
    page, asgi_server, viewer, redis_client
):
    watching(page, asgi_server, viewer, "news")
    viewer.groups.clear()
    page.fill("input[name=pattern]", "other")
    page.click("#live-subscribe button[type=submit]")  # refused: the socket is closed, 4403
    expect(page.locator("#live-error")).to_contain_text(
        "your account was deactivated or its role here removed"
    )
    expect(page.locator(".feed[data-state=failed]")).to_have_count(1)
    expect(page.get_by_role("button", name="Watch")).to_be_disabled()
    if path := os.environ.get("CACHEADMIN_SCREENSHOTS"):
        page.screenshot(path=f"{path}/live-access-ended.png", full_page=True)


def test_a_sentinel_instance_offers_its_sentinels_events(
    page, settings, viewer, services, sentinel_sessions
):
    env = {**dashboard_env(settings), "CACHEADMIN_INSTANCES": settings.CACHEADMIN_INSTANCES}
    server = Daphne(env).start()
    try:
        log_in(page, server, viewer.username, PASSWORD)
        page.goto(server.url + "/i/sessions/live/")
        page.select_option("select[name=source]", "sentinel")
        expect(page.locator("input[name=pattern]")).to_be_hidden()
        page.fill("input[name=events]", "+switch-master")
        page.click("#live-subscribe button[type=submit]")
        # the dashboard's own process asks the sentinels first: give a busy machine time
        expect(page.locator(".feed[data-state=live]")).to_have_count(1, timeout=20_000)
        expect(page.locator(".feed-label")).to_have_text("sentinel: +switch-master")
        new_port = sentinel_sessions.failover()
        row = page.locator("#live-rows tr", has_text="+switch-master")
        expect(row.locator("td.payload")).to_have_text(re.compile(f" {new_port}$"), timeout=20_000)
        if path := os.environ.get("CACHEADMIN_SCREENSHOTS"):
            page.screenshot(path=f"{path}/live-sentinel.png", full_page=True)
    finally:
        server.stop()
        sentinel_sessions.settle()


def test_a_hidden_tab_keeps_acknowledging_and_shows_what_came_when_it_is_back(
    hiding_context, asgi_server, viewer, redis_client
):
    page = hiding_context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sent = []  # the messages frames as the server sent them: its own count of drops
    page.on("websocket", lambda socket: socket.on("framereceived", lambda text: _keep(sent, text)))
    log_in(page, asgi_server, viewer.username, PASSWORD)
    page.goto(asgi_server.url + "/live/")
    page.select_option("#live-cap", "200")
    page.fill("input[name=pattern]", "behind")
    page.click("#live-subscribe button[type=submit]")
    expect(page.locator(".feed[data-state=live]")).to_have_count(1)
    page.evaluate(
        "window.drawn = 0; (function count() { drawn++; requestAnimationFrame(count); })()"
    )

    hiding_context.new_page().bring_to_front()
    page.wait_for_function("document.visibilityState === 'hidden'", polling=100)
    drawn = page.evaluate("window.drawn")
    # 300 messages in 60 frames, about 40 a second: far below the feed's 500, but more
    # frames than the server keeps for a browser that does not acknowledge them.
    for number in range(300):
        redis_client.publish("behind", f"m{number}")
        if number % 5 == 4:
            time.sleep(0.12)  # one frame of the feed each time
    deadline = time.monotonic() + 10
    while sum(len(frame["messages"]) + frame["dropped"] for frame in sent) < 300:
        arrived = sum(len(frame["messages"]) for frame in sent)
        assert time.monotonic() < deadline, f"{arrived} of 300 arrived in the hidden tab"
        page.wait_for_timeout(100)
    assert page.evaluate("window.drawn") == drawn, "the tab was not hidden: it kept drawing"
    assert page.evaluate("document.visibilityState") == "hidden"
    assert sum(frame["dropped"] for frame in sent) == 0

    page.bring_to_front()
    rows = page.locator("#live-rows tr")
    expect(rows.first.locator("td.payload")).to_have_text("m299")
    expect(page.locator("#live-rows")).to_have_attribute("data-kept", "200")
    scroll_to_the_oldest(page)
    expect(rows.last.locator("td.payload")).to_have_text("m100")
    expect(page.locator("#live-dropped")).to_have_text("0")
    if path := os.environ.get("CACHEADMIN_SCREENSHOTS"):
        page.screenshot(path=f"{path}/live-back-from-hidden.png", full_page=True)
    assert not errors, f"the page raised JavaScript errors: {errors}"


def scroll_to_the_oldest(page) -> None:
    """The table draws the rows in sight: the oldest kept come into it at the bottom."""
    page.eval_on_selector("#live-scroll", "scroller => { scroller.scrollTop = 1e9; }")


def _keep(frames: list, text: str) -> None:
    frame = json.loads(text)
    if frame["type"] == "messages":
        frames.append(frame)
