"""Create the local admin on first start and print its password, once."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create a superuser 'admin' with a random password unless a superuser exists."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username: str, **options) -> None:
        users = get_user_model()
        if users.objects.filter(is_superuser=True).exists():
            self.stdout.write("An admin account exists already; its password is not shown again.")
            self.stdout.write(f"Forgot it? .venv/bin/python manage.py changepassword {username}")
            return
        password = secrets.token_urlsafe(12)
        users.objects.create_superuser(username=username, email="", password=password)
        line = "=" * 60
        self.stdout.write(
            self.style.SUCCESS(
                f"{line}\nCreated the admin account. It is shown this once:\n"
                f"  user:     {username}\n  password: {password}\n{line}"
            )
        )
