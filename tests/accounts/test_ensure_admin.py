"""`manage.py ensure_admin`: an admin on first start, its password printed once."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def run() -> str:
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    return out.getvalue()


def test_first_start_creates_the_admin_and_prints_the_password():
    printed = run()
    password = re.search(r"password: (\S+)", printed).group(1)
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)


def test_second_start_changes_nothing_and_prints_no_password():
    first = re.search(r"password: (\S+)", run()).group(1)
    again = run()
    assert "password:" not in again
    assert "exists already" in again
    assert get_user_model().objects.get(username="admin").check_password(first)
