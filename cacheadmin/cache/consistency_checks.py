"""Consistency checks of object-cache models, kept in the database between steps."""

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from cacheadmin.cache.census import model_schema
from cacheadmin.cache.checks import check_state, check_step
from cacheadmin.gateways import connections
from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.service_calls import call_redis
from cacheadmin.models import ConsistencyCheck

STEP_SECONDS = 0.3
KEEP_FOR = timedelta(days=1)
RUNNING = ConsistencyCheck.Status.RUNNING


def check_start(*, user: AbstractBaseUser, instance: Instance, model: str) -> ConsistencyCheck:
    """A new check; the user's running ones stop, old ones go."""
    ConsistencyCheck.objects.filter(user=user, status=RUNNING).update(
        status=ConsistencyCheck.Status.STOPPED
    )
    ConsistencyCheck.objects.filter(updated_at__lt=timezone.now() - KEEP_FOR).delete()
    return ConsistencyCheck.objects.create(
        user=user, instance=instance.name, model=model, state=check_state()
    )


def check_advance(check: ConsistencyCheck, declared: list[dict]) -> ConsistencyCheck:
    """One step; written only while the check still runs, so a stop wins."""
    if check.status != RUNNING:
        return check

    def step(space):
        schema = model_schema(space.client, check.model, declared)
        if schema is None:
            return None
        return check_step(space, schema, check.state, max_seconds=STEP_SECONDS)

    state, problem = call_redis(step, instance=connections.instance(check.instance))
    if problem or state is None:
        error = problem.message if problem else f"No model {check.model} is registered any more."
        changes = {"status": ConsistencyCheck.Status.FAILED, "error": error}
    else:
        changes = {"state": state}
        if state["phase"] == "done":
            changes["status"] = ConsistencyCheck.Status.DONE
    ConsistencyCheck.objects.filter(id=check.id, status=RUNNING).update(
        **changes, updated_at=timezone.now()
    )
    check.refresh_from_db()
    return check


def check_stop(check: ConsistencyCheck) -> ConsistencyCheck:
    ConsistencyCheck.objects.filter(id=check.id, status=RUNNING).update(
        status=ConsistencyCheck.Status.STOPPED, updated_at=timezone.now()
    )
    check.refresh_from_db()
    return check
