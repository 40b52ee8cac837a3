"""manage.py check_instances: the instances file's mistakes, then one try of each
instance; fails when anything is wrong."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cacheadmin.gateways import connections
from cacheadmin.gateways.instance_checks import try_every_instance


class Command(BaseCommand):
    help = "Read the instances (CACHEADMIN_INSTANCES and the default URLs) and try each once."

    def handle(self, *args, **options) -> None:
        path = settings.CACHEADMIN_INSTANCES
        self.stdout.write(f"Instances file: {path or '(none: CACHEADMIN_INSTANCES is not set)'}")
        mistakes = connections.instances().mistakes
        for mistake in mistakes:
            self.stdout.write(self.style.ERROR(f"mistake  {mistake}"))
        tried = try_every_instance()
        for each in tried:
            line = f"{each.kind:<8} {each.name:<16} {each.address}\n         {each.said}"
            style = self.style.SUCCESS if each.ok else self.style.ERROR
            self.stdout.write(style(f"{'ok' if each.ok else 'FAILED':<8} {line}"))
        failed = sum(not each.ok for each in tried)
        if mistakes or failed:
            raise CommandError(f"{len(mistakes)} mistake(s), {failed} instance(s) failed.")
        self.stdout.write(self.style.SUCCESS(f"All {len(tried)} instances answered."))
