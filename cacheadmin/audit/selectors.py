"""Reading the audit log."""

from django.db.models import QuerySet

from cacheadmin.models import AuditEntry


def audit_search(
    *,
    visible: list[str],
    username: str = "",
    instance: str = "",
    action: str = "",
    outcome: str = "",
    text: str = "",
) -> QuerySet[AuditEntry]:
    """Entries on the visible instances (and on the dashboard itself) matching every
    filter given, newest first."""
    entries = AuditEntry.objects.filter(instance__in=[*visible, ""])
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


def audit_actions() -> list[str]:
    """The actions the log holds, for the filter's choices."""
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())
