"""An operator writes an alert rule in Chromium, the sampler fires it and tells a real
receiver, the overview names it and the operator silences it; a viewer reads it all
and is offered no form. The rule's name is hostile: it shows as text everywhere."""

import time

import pytest
from playwright.sync_api import expect

from cacheadmin.management.commands.sampler import SOURCES
from cacheadmin.models import AlertRule
from cacheadmin.monitoring.sampler import Sampler
from tests.browser_fixtures import log_in
from tests.monitoring.receiver import Receiver
from tests.users import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NAME = '<img src=x onerror="alert(1)"> mail backs up'


def test_a_rule_written_fired_told_and_silenced_in_the_browser(
    page, live_server, operator, viewer, redis_client, browser
):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    with Receiver() as receiver:
        log_in(page, live_server, operator.username, PASSWORD)
        page.goto(live_server.url + "/alerts/")
        form = page.locator("form[data-form=alert-rule]")
        form.locator("input[name=name]").fill(NAME)
        form.locator("select[name=metric]").select_option("queue_waiting_without_consumer")
        form.locator("input[name=threshold]").fill("10")
        form.locator("textarea[name=notify]").fill(receiver.url)
        form.get_by_role("button", name="Make the rule").click()
        expect(page.locator("[role=alert].problem")).to_contain_text(
            "Name the queue"
        )  # refused, kept
        expect(form.locator("input[name=name]")).to_have_value(NAME)
        form.locator("input[name=queue]").fill("queue:mail")
        form.get_by_role("button", name="Make the rule").click()
        expect(page.locator("h1")).to_contain_text(NAME)
        expect(page.locator("[data-figure=state]")).to_have_text("ok")

        redis_client.rpush("queue:mail", *range(25))
        keeper = Sampler(SOURCES, say=lambda _: None, complain=lambda _: None)
        keeper.sample(now := int(time.time()))
        keeper.notifier.wait_for_sends(now)
        assert receiver.titles() == [f"[FIRING] {NAME} on default"]

        page.reload()
        expect(page.locator("[data-figure=state]")).to_have_text("firing")
        expect(page.locator("[data-figure=value]")).to_have_text("25")
        expect(page.locator("[data-figure=told]")).to_contain_text("firing")
        page.goto(live_server.url + "/")
        expect(page.locator("[data-figure=firing-alerts]")).to_contain_text(NAME)
        page.locator("[data-figure=firing-alerts] a", has_text="mail backs up").click()
        page.locator("form[data-form=silence] input[name=reason]").fill("draining it")
        page.get_by_role("button", name="Silence").click()
        expect(page.locator("[data-figure=silence]")).to_contain_text("draining it")

        viewing = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        log_in(viewing, live_server, viewer.username, PASSWORD)
        viewing.goto(live_server.url + "/alerts/")
        expect(viewing.locator("tr[data-state=firing]")).to_contain_text(NAME)
        expect(viewing.locator("form[data-form=alert-rule]")).to_have_count(0)
        viewing.get_by_role("link", name=NAME).click()
        expect(viewing.locator("form[data-form=silence]")).to_have_count(0)
        expect(viewing.get_by_text(receiver.url)).to_have_count(0)  # operators' only
        viewing.context.close()
    assert AlertRule.objects.get().name == NAME
    assert dialogs == []
