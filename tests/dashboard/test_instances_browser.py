"""Roles per instance, as a person meets them: operator on `staging`, viewer on `prod`,
and `secret` nowhere to be seen, not in the switcher nor by its URL."""

import os

import pytest
from playwright.sync_api import expect

from cacheadmin.gateways.keycodec import encode_key
from cacheadmin.models import InstanceRole
from tests.browser_fixtures import log_in
from tests.users import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def three_instances(settings, tmp_path, redis_server, redis_client):
    redis_client.set("shared:key", "1")
    path = tmp_path / "instances.toml"
    path.write_text(
        "".join(
            f'[redis.{name}]\nurl = "{redis_server.url}"\n\n'
            for name in ("staging", "prod", "secret")
        )
    )
    settings.CACHEADMIN_INSTANCES = str(path)


def test_operator_on_one_viewer_on_another_blind_to_a_third(
    page, live_server, django_user_model, three_instances
):
    user = make_user(django_user_model, "sam-per-instance", None)
    InstanceRole.objects.create(user=user, instance="staging", role="operator")
    InstanceRole.objects.create(user=user, instance="prod", role="viewer")
    log_in(page, live_server, user.username, PASSWORD)
    key = encode_key(b"shared:key")

    page.goto(f"{live_server.url}/i/staging/keys/k/{key}")
    expect(page.get_by_role("button", name="Delete…")).to_be_visible()
    expect(page.locator(".who .badge")).to_have_text("operator")
    page.locator(".instance-switch summary").click()
    switcher = page.locator(".instance-switch li a")
    expect(switcher).to_have_text(["prod", "staging"])  # default and secret: not theirs
    switcher.filter(has_text="prod").click()

    expect(page).to_have_url(f"{live_server.url}/i/prod/keys/k/{key}")
    expect(page.locator(".who .badge")).to_have_text("viewer")
    expect(page.get_by_role("button", name="Delete…")).to_have_count(0)
    expect(page.get_by_text("shared:key").first).to_be_visible()

    page.goto(live_server.url + "/")
    expect(page.locator("[data-instance]")).to_have_count(2)
    response = page.goto(f"{live_server.url}/i/secret/keys/")
    assert response.status == 404


def test_a_user_of_one_instance_sees_its_name_on_its_pages(
    page, live_server, django_user_model, three_instances
):
    user = make_user(django_user_model, "kim-one-instance", None)
    InstanceRole.objects.create(user=user, instance="prod", role="viewer")
    log_in(page, live_server, user.username, PASSWORD)
    page.goto(f"{live_server.url}/i/prod/keys/")
    expect(page.locator(".topbar .instance-name")).to_have_text("Instance prod")
    expect(page.locator(".topbar .instance-name")).to_be_visible()
    if path := os.environ.get("CACHEADMIN_SCREENSHOTS"):
        page.screenshot(path=f"{path}/instance-name-one-role.png")


LINES_OF_TEXT = """element => {
    const range = document.createRange();
    range.selectNodeContents(element);
    return new Set(Array.from(range.getClientRects(), (rect) => Math.round(rect.top))).size;
}"""


@pytest.mark.parametrize("width", [800, 1024])
def test_the_top_bar_fits_a_narrow_window(
    page, live_server, django_user_model, three_instances, width
):
    user = make_user(django_user_model, "alex-long-name-on-two", None)
    InstanceRole.objects.create(user=user, instance="staging", role="operator")
    InstanceRole.objects.create(user=user, instance="prod", role="viewer")
    page.set_viewport_size({"width": width, "height": 700})
    log_in(page, live_server, user.username, PASSWORD)
    page.goto(f"{live_server.url}/i/staging/invalidations/")
    expect(page.locator(".instance-switch summary")).to_have_text("Instance staging")
    # Nothing of the bar past the window's edge: the bar wraps instead.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for part in (".instance-switch summary", ".who .user", ".who button"):
        box = page.locator(f".topbar {part}").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, part
    # and no name in it broken over two lines ("Object / cache", "Instance / staging")
    for item in page.locator(".topbar nav a, .instance-switch summary, .who .user").all():
        assert item.evaluate(LINES_OF_TEXT) == 1, item.inner_text()
    if path := os.environ.get("CACHEADMIN_SCREENSHOTS"):
        page.screenshot(path=f"{path}/topbar-{width}.png")
