"""One sampler samples: it holds the lease row until `until`, by the database's clock
(the one clock every sampler shares), and renews it every round; another sampler waits
and takes over once the lease runs out, or at once when the holder lets it go."""

from datetime import timedelta

from django.conf import settings
from django.db.models import DateTimeField, ExpressionWrapper, Q
from django.db.models.functions import Now
from django.utils import timezone

from cacheadmin.models import SamplerLease

NAME = "sampler"
GRACE = 0.5  # seconds a source may spend beyond its service's timeout (its own work)


def lease_seconds() -> float:
    """Long enough for the longest round (a hung instance is waited for up to its
    timeout) and two missed renewals, so a slow round never loses the lease."""
    timeout = max(settings.REDIS_TIMEOUT, settings.RABBITMQ_TIMEOUT) + GRACE
    return 3 * settings.SAMPLE_SECONDS + timeout


def _until() -> ExpressionWrapper:
    duration = timedelta(seconds=lease_seconds())
    return ExpressionWrapper(Now() + duration, output_field=DateTimeField())


def hold(holder: str) -> bool:
    """Take the lease, or renew it: True when holder is the one to sample."""
    # the row, unless it is there (or another sampler makes it at the same moment)
    SamplerLease.objects.bulk_create([SamplerLease(name=NAME)], ignore_conflicts=True)
    free = Q(holder=holder) | Q(until__isnull=True) | Q(until__lt=Now())
    taken = SamplerLease.objects.filter(free, name=NAME).update(holder=holder, until=_until())
    return taken == 1


def round_ended(holder: str) -> None:
    SamplerLease.objects.filter(name=NAME, holder=holder).update(last_round=Now())


def release(holder: str) -> None:
    """Let another sampler take over now (a sampler that stops cleanly)."""
    SamplerLease.objects.filter(name=NAME, holder=holder).update(holder="", until=None)


def sampling() -> bool:
    """Whether a sampler ended a round lately (within two rounds and a lease)."""
    lease = SamplerLease.objects.filter(name=NAME).first()
    if lease is None or lease.last_round is None:
        return False
    lately = timedelta(seconds=2 * settings.SAMPLE_SECONDS + lease_seconds())
    return timezone.now() - lease.last_round < lately
