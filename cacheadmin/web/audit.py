"""Writing the audit log: who, what, on what, how many, and how it ended."""

from django.contrib.auth.models import AbstractBaseUser

from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.problems import BAD_REQUEST, Problem
from cacheadmin.models import AuditEntry


def audit_record(
    *,
    user: AbstractBaseUser | None,
    action: str,
    username: str = "",
    target: str = "",
    count: int | None = None,
    outcome: str = AuditEntry.Outcome.OK,
    error: str = "",
    instance: Instance | None = None,
) -> AuditEntry:
    """instance: the one the action was on; "" for one on the dashboard itself (a login,
    a token)."""
    return AuditEntry.objects.create(
        user=user,
        username=username or user.get_username(),
        instance=instance.name if instance else "",
        action=action,
        target=target,
        count=count,
        outcome=outcome,
        error=error,
    )


def audit_outcome(
    *,
    user: AbstractBaseUser,
    instance: Instance,
    action: str,
    target: str,
    problem: Problem | None,
    count: int | None = None,
) -> AuditEntry:
    """An action that succeeded (with its count) or failed with a problem (no count)."""
    return audit_record(
        user=user,
        instance=instance,
        action=action,
        target=target,
        count=None if problem else count,
        outcome=AuditEntry.Outcome.FAILED if problem else AuditEntry.Outcome.OK,
        error=problem.message if problem else "",
    )


def audit_refusal(
    *, user: AbstractBaseUser, instance: Instance, action: str, target: str, problem: Problem
) -> AuditEntry:
    """An action the dashboard refused before it reached a service."""
    return audit_record(
        user=user,
        instance=instance,
        action=action,
        target=target,
        outcome=AuditEntry.Outcome.REFUSED,
        error=problem.message,
    )


def audit_unmade(
    *, user: AbstractBaseUser, instance: Instance, action: str, target: str, problem: Problem
) -> AuditEntry:
    """An action asked for and not made: refused (what was asked), or failed (a service
    that did not answer or refused us)."""
    audit = audit_refusal if problem.kind == BAD_REQUEST else audit_outcome
    return audit(user=user, instance=instance, action=action, target=target, problem=problem)
