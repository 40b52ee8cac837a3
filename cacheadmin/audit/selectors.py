"""Reading the audit log."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from cacheadmin.models import AuditEntry


def audit_search(
    *,
    visible: list[str],
    reader: AbstractBaseUser,
    username: str = "",
    instance: str = "",
    action: str = "",
    outcome: str = "",
    text: str = "",
) -> QuerySet[AuditEntry]:
    """The readable entries matching every filter given, newest first."""
    entries = readable(visible=visible, reader=reader)
    if username:
        entries = entries.filter(username=username)
    if instance:
        entries = entries.filter(instance=instance)
    if action:
        entries = entries.filter(action=action)
    if outcome:
        entries = entries.filter(outcome=outcome)
    if text:
        entries = entries.filter(target__icontains=text)
    return entries.order_by("-created_at", "-id")


def audit_instances(visible: list[str]) -> list[str]:
    """The visible instances the log names, for the filter's choices."""
    names = AuditEntry.objects.filter(instance__in=visible).order_by("instance")
    return list(names.values_list("instance", flat=True).distinct())


def audit_actions(*, visible: list[str], reader: AbstractBaseUser) -> list[str]:
    """The actions of the entries the reader may read, for the filter's choices."""
    entries = readable(visible=visible, reader=reader).order_by("action")
    return list(entries.values_list("action", flat=True).distinct())


def readable(*, visible: list[str], reader: AbstractBaseUser) -> QuerySet[AuditEntry]:
    """The entries on the visible instances; of those on the dashboard itself (logins,
    lockouts, tokens), a superuser reads all, anyone else their own."""
    own = Q(instance="") if reader.is_superuser else Q(instance="", user=reader)
    return AuditEntry.objects.filter(Q(instance__in=visible) | own)
