"""Dashboard users for the tests."""

from django.contrib.auth.models import Group
from django.test import Client

PASSWORD = "correct horse battery staple"


def make_user(django_user_model, username: str, role: str | None):
    user = django_user_model.objects.create_user(username=username, password=PASSWORD)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
