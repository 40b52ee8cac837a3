"""The overview's one change: resetting Redis's statistics, audited as it went."""

from django.contrib.auth.models import AbstractBaseUser

from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.own_data import replica_refusal
from cacheadmin.gateways.problems import Problem
from cacheadmin.overview.cards import statistics_reset
from cacheadmin.web.audit import audit_outcome


def reset_statistics(*, user: AbstractBaseUser, instance: Instance) -> Problem | None:
    """CONFIG RESETSTAT on the instance's Redis (a master: a replica is refused), and
    the audit of what happened; the problem, if it did not."""
    problem = replica_refusal(instance)
    if not problem:
        _, problem = statistics_reset(instance)
    audit_outcome(
        user=user,
        instance=instance,
        action="redis.reset_stats",
        target="CONFIG RESETSTAT",
        problem=problem,
    )
    return problem
