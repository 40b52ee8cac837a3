"""Repeated failed logins lock a user name out from that address, audited; API tokens
and other addresses are not affected."""

import pytest
from django.test import Client

from cacheadmin.models import AuditEntry
from cacheadmin.web.tokens import token_create
from tests.users import PASSWORD

pytestmark = pytest.mark.django_db


def log_in(client: Client, username: str, password: str, path: str = "/accounts/login/"):
    return client.post(path, {"username": username, "password": password})


def test_five_failures_lock_the_name_out_from_that_address(viewer, settings):
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(attacker, viewer.username, "guess").status_code == 200  # the form again
    locked = log_in(attacker, viewer.username, "guess")
    assert locked.status_code == 429 and "Too many failed logins" in locked.content.decode()
    again = log_in(attacker, viewer.username, PASSWORD)  # even the right password
    assert again.status_code == 429 and "_auth_user_id" not in attacker.session
    entry = AuditEntry.objects.filter(action="login.locked_out").earliest("id")  # and each try
    assert (entry.username, entry.outcome, entry.target) == (
        viewer.username,
        "refused",
        "from 203.0.113.9",
    )
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")  # the real user, at their desk
    assert log_in(elsewhere, viewer.username, PASSWORD).status_code == 302


def test_the_admin_login_counts_too(operator, settings):
    attacker = Client(REMOTE_ADDR="203.0.113.10")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(attacker, operator.username, "guess", path="/admin/login/")
    assert log_in(attacker, operator.username, PASSWORD).status_code == 429


def test_api_tokens_are_not_locked_out(viewer, settings):
    _, secret = token_create(user=viewer, name="script")
    attacker = Client(REMOTE_ADDR="127.0.0.1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(attacker, viewer.username, "guess")
    script = Client(REMOTE_ADDR="127.0.0.1", headers={"Authorization": f"Bearer {secret}"})
    assert script.get("/api/invalidations/1").status_code == 404  # in: the job is missing


def test_a_lockout_is_one_entry_and_is_not_renewed_by_more_tries(viewer, settings):
    from datetime import timedelta

    from axes.models import AccessAttempt
    from django.utils import timezone

    attacker = Client(REMOTE_ADDR="203.0.113.11")
    for _ in range(settings.AXES_FAILURE_LIMIT + 5):
        log_in(attacker, viewer.username, "guess")
    assert AuditEntry.objects.filter(action="login.locked_out").count() == 1
    # the lockout runs from the failure that began it: once that is a cool-off ago, in
    attempt = AccessAttempt.objects.get(username=viewer.username)
    ago = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    AccessAttempt.objects.filter(id=attempt.id).update(attempt_time=ago)
    assert log_in(attacker, viewer.username, PASSWORD).status_code == 302


def test_lockouts_are_shown_to_superusers_only(viewer, admin_client, settings):
    from tests.users import logged_in

    attacker = Client(REMOTE_ADDR="203.0.113.12")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(attacker, viewer.username, "guess")
    assert "login.locked_out" not in logged_in(viewer).get("/audit/").content.decode()
    page = admin_client.get("/audit/").content.decode()
    assert "login.locked_out" in page and "None" not in page
