"""Lockouts after repeated failed logins (django-axes) go to the audit log."""

from axes.signals import user_locked_out
from django.dispatch import receiver

from cacheadmin.core.audit import audit_record
from cacheadmin.models import AuditEntry


@receiver(user_locked_out, dispatch_uid="cacheadmin.audit_lockout")
def audit_lockout(sender, request, username: str | None = None, ip_address: str = "", **kwargs):
    audit_record(
        user=None,
        username=(username or "?")[:150],
        action="login.locked_out",
        target=f"from {ip_address or 'an unknown address'}",
        outcome=AuditEntry.Outcome.REFUSED,
        error="too many failed logins in a row",
    )
