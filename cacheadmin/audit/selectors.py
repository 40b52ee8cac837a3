"""Reading the audit log."""

from django.db.models import QuerySet

from cacheadmin.models import AuditEntry


def audit_search(
    *, username: str = "", instance: str = "", action: str = "", outcome: str = "", text: str = ""
) -> QuerySet[AuditEntry]:
    """Entries matching every filter given, newest first."""
    entries = AuditEntry.objects.all()
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


def audit_instances() -> list[str]:
    """The instances the log names, for the filter's choices ("" is the dashboard)."""
    names = AuditEntry.objects.order_by("instance").values_list("instance", flat=True)
    return [name for name in names.distinct() if name]


def audit_actions() -> list[str]:
    """The actions the log holds, for the filter's choices."""
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())
