"""A person logs in and watches real figures on the overview."""

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import log_in
from tests.users import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_then_live_figures(page, live_server, operator, redis_client, rabbit_admin, settings):
    settings.OVERVIEW_REFRESH_SECONDS = 0.5
    redis_client.set("greeting", "hello")
    redis_client.get("greeting")
    log_in(page, live_server, operator.username, PASSWORD)

    expect(page).to_have_url(live_server.url + "/")
    version = redis_client.info("server")["redis_version"]
    expect(page.locator("[data-figure=redis-version]")).to_have_text(version)
    expect(page.locator("[data-figure=redis-hit-rate]")).to_have_text("100.0 %")
    rabbit_version = rabbit_admin.http.get("overview").json()["rabbitmq_version"]
    expect(page.locator("[data-figure=rabbit-version]")).to_have_text(rabbit_version)

    # The cards refresh in place: a miss made now shows up without a reload.
    redis_client.get("absent")
    expect(page.locator("[data-figure=redis-hit-rate]")).to_have_text("50.0 %")
    expect(page.locator(".badge-operator")).to_have_text("operator")


def test_anonymous_lands_on_the_login_form(page, live_server):
    page.goto(live_server.url + "/audit/")
    expect(page).to_have_url(live_server.url + "/accounts/login/?next=/audit/")
    expect(page.locator("h1")).to_have_text("Log in")


def test_all_instances_show_each_row_as_it_answers(
    page, live_server, operator, redis_server, settings, tmp_path, silent_port
):
    settings.REDIS_TIMEOUT = 3.0
    settings.OVERVIEW_REFRESH_SECONDS = 60
    path = tmp_path / "instances.toml"
    path.write_text(
        f'[redis.cache]\nurl = "{redis_server.url_for(1)}"\n\n'
        f'[redis.hung]\nurl = "redis://127.0.0.1:{silent_port}/0"\n'
    )
    settings.CACHEADMIN_INSTANCES = str(path)
    log_in(page, live_server, operator.username, PASSWORD)
    cache, hung = (page.locator(f"tr[data-instance={name}]") for name in ("cache", "hung"))
    # the healthy rows answer while the hung one is still being asked
    expect(cache.locator(".state-up")).to_be_visible(timeout=2000)
    expect(hung).to_contain_text("asking…")
    expect(hung.locator(".state-down")).to_have_text("timeout", timeout=6000)
