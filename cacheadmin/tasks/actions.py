"""Operators' changes to RQ jobs, from the pages and the API alike: one job at once
(requeue, cancel, delete); every failed job of a queue after a preview and, above the
threshold, a typed confirmation: a small set at once, a large one by the worker
(action_jobs). Each is a TaskAction row and an audit entry."""

from dataclasses import dataclass
from enum import Enum

import redis
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from rq.exceptions import NoSuchJobError

from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.own_data import replica_refusal
from cacheadmin.gateways.problems import BAD_REQUEST, NOT_FOUND, Problem
from cacheadmin.gateways.service_calls import call_redis
from cacheadmin.models import TaskAction
from cacheadmin.tasks import action_jobs, rq_writes
from cacheadmin.web.audit import audit_unmade

ONE_JOB = {
    "requeue": rq_writes.requeue_one,
    "cancel": rq_writes.cancel_one,
    "delete": rq_writes.delete_one,
}
ON_FAILED = ("requeue", "delete")  # what may be done to all of a queue's failed jobs
AT_ONCE_LIMIT = 200  # failed jobs a request handles itself; more go to the worker


def one_job_action(
    *, user: AbstractBaseUser, instance: Instance, action: str, job_id: str
) -> tuple[TaskAction, Problem | None]:
    """Requeue, cancel or delete one job now, audited whatever the outcome."""
    row = TaskAction.objects.create(
        instance=instance.name,
        action=action,
        job_id=job_id,
        requester=user,
        requester_name=user.get_username(),
        estimate=1,
        status=TaskAction.Status.RUNNING,
        started_at=timezone.now(),
    )
    problem = replica_refusal(instance)
    if not problem:
        refusal, problem = call_redis(
            lambda space: _one(space.client, action, job_id), instance=instance, write=True
        )
        problem = problem or refusal
    row.done = 0 if problem else 1
    return action_jobs.finish(row, problem=problem), problem


def _one(client: redis.Redis, action: str, job_id: str) -> Problem | None:
    """The change, or the problem of a job that is not there or not in a state for it
    (returned, not raised: the service call reports only services' failures)."""
    try:
        ONE_JOB[action](client, job_id)
    except NoSuchJobError:
        return Problem(NOT_FOUND, f"RQ has no job {job_id} (it may have expired).")
    except rq_writes.Refused as exc:
        return Problem(BAD_REQUEST, str(exc))
    return None


class Step(Enum):
    REFUSED = "refused"  # nothing to do, or a service failed
    PREVIEWED = "previewed"  # a preview was asked for, and nothing more
    UNCONFIRMED = "unconfirmed"  # above the threshold, and not confirmed
    STARTED = "started"  # a row was made; it may have ended (small), or wait for the worker


@dataclass(frozen=True)
class BulkOutcome:
    step: Step
    preview: rq_writes.FailedSet | None = None
    action: TaskAction | None = None
    problem: Problem | None = None


def failed_jobs_request(
    *,
    user: AbstractBaseUser,
    instance: Instance,
    action: str,
    queue: str,
    confirm: str,
    preview_only: bool,
) -> BulkOutcome:
    """Preview a queue's failed jobs; unless only a preview is asked for, requeue or
    delete all of them, once confirmed above the threshold."""
    preview, problem = call_redis(
        lambda space: rq_writes.failed_set(space.client, queue), instance=instance
    )
    if not problem and not preview.count:
        problem = Problem(BAD_REQUEST, f"The queue {queue} has no failed job.")
    if not problem and not preview_only:
        problem = replica_refusal(instance)
    if problem:
        if not preview_only:
            audit_unmade(
                user=user,
                instance=instance,
                action=f"tasks.{action}",
                target=action_jobs.bulk_target(queue),
                problem=problem,
            )
        return BulkOutcome(Step.REFUSED, problem=problem)
    if preview_only:
        return BulkOutcome(Step.PREVIEWED, preview)
    if not is_confirmed(confirm, queue=queue, count=preview.count):
        return BulkOutcome(Step.UNCONFIRMED, preview)
    row = TaskAction.objects.create(
        instance=instance.name,
        action=action,
        queue=queue,
        requester=user,
        requester_name=user.get_username(),
        estimate=preview.count,
        cutoff=preview.cutoff,
    )
    if preview.count <= AT_ONCE_LIMIT:
        row, problem = action_jobs.run_now(row)
    else:
        row, problem = action_jobs.enqueue(row)
    return BulkOutcome(Step.STARTED, preview, row, problem)


def is_confirmed(confirm: str, *, queue: str, count: int) -> bool:
    """Up to the threshold no confirmation is needed; above it, the queue's name or the
    count, typed."""
    if count <= settings.INVALIDATION_CONFIRM_THRESHOLD:
        return True
    answer = confirm.strip()
    return bool(answer) and answer in (queue, str(count), f"{count:,}")


def unconfirmed_message(action: str, preview: rq_writes.FailedSet) -> str:
    return (
        f"This would {action} {preview.count:,} failed jobs: send confirm with the queue's "
        "name or the count."
    )
