"""Reading the audit log."""

from django.db.models import QuerySet

from cacheadmin.models import AuditEntry


def audit_search(
    *, username: str = "", action: str = "", outcome: str = "", text: str = ""
) -> QuerySet[AuditEntry]:
    """Entries matching every filter given, newest first."""
    entries = AuditEntry.objects.all()
    if username:
        entries = entries.filter(username=username)
    if action:
        entries = entries.filter(action=action)
    if outcome:
        entries = entries.filter(outcome=outcome)
    if text:
        entries = entries.filter(target__icontains=text)
    return entries.order_by("-created_at", "-id")


def audit_actions() -> list[str]:
    """The actions the log holds, for the filter's choices."""
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())
