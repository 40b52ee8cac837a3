"""Roles per instance in the admin: the instance is picked among the configured names
(a typo would hide every instance from the user); a name no longer configured is shown
as such."""

import pytest

from cacheadmin.models import InstanceRole
from tests.users import logged_in, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def configured(settings, tmp_path):
    """default, and prod and staging from an instances file."""
    path = tmp_path / "instances.toml"
    path.write_text(
        '[redis.prod]\nurl = "redis://127.0.0.1:1/0"\n\n'
        '[rabbitmq.staging]\namqp_url = "amqp://127.0.0.1:1/"\n'
        'management_url = "http://127.0.0.1:1/"\n'
    )
    settings.CACHEADMIN_INSTANCES = str(path)


@pytest.fixture
def admin_client(django_user_model):
    django_user_model.objects.create_superuser("root", password="x" * 20)
    return logged_in(django_user_model.objects.get(username="root"))


@pytest.fixture
def pat(django_user_model):
    return make_user(django_user_model, "pat", None)


def change_form(user, *roles: tuple[str, str], **row_fields) -> dict:
    """The user's change form as the admin posts it, with their roles (one row each,
    saved ones first) and one new row of row_fields."""
    saved = list(user.instance_roles.order_by("id"))
    data = {
        "username": user.username,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "instance_roles-TOTAL_FORMS": str(len(saved) + 1),
        "instance_roles-INITIAL_FORMS": str(len(saved)),
        "instance_roles-MIN_NUM_FORMS": "0",
        "instance_roles-MAX_NUM_FORMS": "1000",
    }
    for number, (role, (instance, kind)) in enumerate(zip(saved, roles, strict=True)):
        data |= {
            f"instance_roles-{number}-id": str(role.id),
            f"instance_roles-{number}-user": str(user.id),
            f"instance_roles-{number}-instance": instance,
            f"instance_roles-{number}-role": kind,
        }
    for name, value in row_fields.items():
        data[f"instance_roles-{len(saved)}-{name}"] = value
    return data


def test_the_configured_instances_are_offered(admin_client, configured, pat):
    page = admin_client.get(f"/admin/auth/user/{pat.id}/change/").content.decode()
    for name in ("default", "prod", "staging"):
        assert f'<option value="{name}">{name}</option>' in page


def test_a_name_not_configured_is_refused(admin_client, configured, pat):
    answer = admin_client.post(
        f"/admin/auth/user/{pat.id}/change/", change_form(pat, instance="prdo", role="viewer")
    )
    assert answer.status_code == 200 and "Select a valid choice" in answer.content.decode()
    assert not InstanceRole.objects.exists()
    done = admin_client.post(
        f"/admin/auth/user/{pat.id}/change/", change_form(pat, instance="prod", role="viewer")
    )
    assert done.status_code == 302
    assert list(pat.instance_roles.values_list("instance", "role")) == [("prod", "viewer")]


def test_a_role_on_an_instance_no_longer_configured_shows_as_such(admin_client, configured, pat):
    InstanceRole.objects.create(user=pat, instance="old-cache", role="operator")
    page = admin_client.get(f"/admin/auth/user/{pat.id}/change/").content.decode()
    assert "old-cache (no longer configured)" in page
    kept = change_form(pat, ("old-cache", "operator"), instance="prod", role="viewer")
    assert admin_client.post(f"/admin/auth/user/{pat.id}/change/", kept).status_code == 302
    assert set(pat.instance_roles.values_list("instance", flat=True)) == {"old-cache", "prod"}
    # but no one is given it anew
    other = make_user(pat.__class__, "sam", None)
    answer = admin_client.post(
        f"/admin/auth/user/{other.id}/change/",
        change_form(other, instance="old-cache", role="viewer"),
    )
    assert answer.status_code == 200 and "Select a valid choice" in answer.content.decode()
