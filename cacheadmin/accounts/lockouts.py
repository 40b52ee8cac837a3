"""Lockouts after repeated failed logins (django-axes) go to the audit log."""

from axes.signals import user_locked_out
from django.conf import settings
from django.dispatch import receiver
from django.utils import timezone

from cacheadmin.models import AuditEntry
from cacheadmin.web.audit import audit_record


@receiver(user_locked_out, dispatch_uid="cacheadmin.audit_lockout")
def audit_lockout(sender, request, username: str | None = None, ip_address: str = "", **kwargs):
    """One entry per lockout: axes signals again at each try while it lasts."""
    name = (username or "?")[:150]
    target = f"from {ip_address or 'an unknown address'}"
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    same = AuditEntry.objects.filter(action="login.locked_out", username=name, target=target)
    if same.filter(created_at__gte=since).exists():
        return
    audit_record(
        user=None,
        username=name,
        action="login.locked_out",
        target=target,
        outcome=AuditEntry.Outcome.REFUSED,
        error="too many failed logins in a row",
    )
