"""A user with no role may still log out and change their password, and nothing more."""

import pytest

from tests.users import PASSWORD, logged_in

pytestmark = pytest.mark.django_db


def test_a_user_without_a_role_can_log_out(nobody):
    client = logged_in(nobody)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/accounts/profile/").status_code == 302  # logged out: to the login


def test_a_user_without_a_role_can_change_their_password(nobody):
    client = logged_in(nobody)
    assert client.get("/accounts/password/").status_code == 200
    new = "a much better passphrase 42"
    body = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    response = client.post("/accounts/password/", body)
    assert response.status_code == 302 and response["Location"] == "/accounts/password/done/"
    assert client.get("/accounts/password/done/").status_code == 200
    nobody.refresh_from_db()
    assert nobody.check_password(new)
    assert client.get("/accounts/profile/").status_code == 403  # still no role
