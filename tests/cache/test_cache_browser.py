"""A person opens the object cache on the demo data, looks an object up, follows its
inverted keys, spots the outgrown bucket and checks consistency."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser_fixtures import log_in
from tests.users import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_object_cache_from_models_to_a_lookup(page, live_server, viewer, redis_client):
    call_command("seed_demo", objects=3000, no_rabbitmq=True, stdout=StringIO())
    log_in(page, live_server, viewer.username, PASSWORD)
    page.goto(live_server.url + "/cache/")
    expect(page.locator("[data-figure=objects-user]")).to_have_text("1,500")
    page.get_by_role("link", name="product").click()
    expect(page.locator("[data-figure=outgrown]")).to_have_text("product:7")

    page.goto(live_server.url + "/cache/m/user/")
    page.fill("input[name=id]", "42")
    page.get_by_role("button", name="Find the object").click()
    expect(page.locator("[data-figure=object]")).to_contain_text('"id": 42')
    expect(page.locator(".badge-ok")).to_have_count(2)
    page.locator("td a").first.click()  # the object's country
    expect(page.get_by_role("link", name="42", exact=True)).to_be_visible()

    page.goto(live_server.url + "/cache/m/user/")
    page.get_by_role("button", name="Check consistency…").click()
    expect(page.locator("[data-figure=check-status] .badge")).to_have_text("done", timeout=15_000)
    expect(page.locator("[data-figure=problems]")).to_have_text("0")
