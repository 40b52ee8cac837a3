"""Task actions on many jobs as background jobs: run now when small, else queued for
the worker (gateways.job_worker), batch by batch under a lease kept in the row; the
failed registry is the checkpoint (a job handled leaves it). Ended, each is audited."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models.functions import Now
from django.utils import timezone

from cacheadmin.gateways import connections, job_queue
from cacheadmin.gateways.amqp import FAILURES, amqp_problem
from cacheadmin.gateways.job_queue import RowJobKind, lease_end
from cacheadmin.gateways.problems import Problem
from cacheadmin.gateways.service_calls import call_redis
from cacheadmin.models import AuditEntry, TaskAction
from cacheadmin.tasks import rq_writes
from cacheadmin.web.audit import audit_record

KIND = "tasks"  # their references on the job queue: tasks:<id>
BATCH = 100  # jobs a batch handles: each is a few round trips through RQ's own calls
Status = TaskAction.Status
UNFINISHED = (Status.QUEUED, Status.RUNNING)


def bulk_target(queue: str) -> str:
    return f"failed jobs of {queue}"


def run_now(row: TaskAction) -> tuple[TaskAction, Problem | None]:
    """Run a small action to its end within the request."""
    owner = f"request:{row.id}"
    TaskAction.objects.filter(id=row.id).update(
        status=Status.RUNNING, started_at=timezone.now(), lease_owner=owner, lease_until=lease_end()
    )
    row.refresh_from_db()
    more, problem = True, None
    while more and not problem:
        more, problem = step(row)
    if problem:
        return finish(row, problem=problem), problem
    return row, None


def enqueue(row: TaskAction) -> tuple[TaskAction, Problem | None]:
    """Queue a large action for the worker; a broker that does not take it fails it."""
    url, timeout = settings.RABBITMQ_URL, settings.RABBITMQ_TIMEOUT
    try:
        job_queue.enqueue(url, job_queue.reference(KIND, row.id), timeout=timeout)
    except FAILURES as exc:
        problem = amqp_problem(exc, doing="RabbitMQ did not take the job", timeout=timeout, url=url)
        return finish(row, problem=problem), problem
    return row, None


def step(row: TaskAction) -> tuple[bool, Problem | None]:
    """One batch and its checkpoint: (more to do, problem). An action cancelled (or
    taken over) meanwhile is not written over: there is no more to do."""
    ours = TaskAction.objects.filter(id=row.id, status=Status.RUNNING, lease_owner=row.lease_owner)
    if not ours.exists():
        row.refresh_from_db()
        return False, None
    processed = row.done + row.expired + row.skipped
    count = min(BATCH, row.estimate - processed)
    outcome, problem = (None, None)
    if count > 0:
        outcome, problem = call_redis(
            lambda space: rq_writes.failed_batch(
                space.client,
                row.queue,
                row.action,
                cutoff=row.cutoff,
                since=row.created_at,
                skip=row.skipped,
                count=count,
            ),
            instance=connections.instance(row.instance),
            write=True,
        )
    if problem:
        return True, problem
    if outcome:
        row.done += outcome.handled
        row.expired += outcome.expired
        row.skipped += outcome.skipped
    saved = ours.update(
        done=row.done, expired=row.expired, skipped=row.skipped, lease_until=lease_end()
    )
    if not saved:  # cancelled meanwhile: keep what this batch did
        TaskAction.objects.filter(id=row.id).update(
            done=row.done, expired=row.expired, skipped=row.skipped
        )
        row.refresh_from_db()
        return False, None
    if not outcome or not outcome.seen or row.done + row.expired + row.skipped >= row.estimate:
        finish(row)
        return False, None
    return True, None


def finish(row: TaskAction, *, problem: Problem | None = None) -> TaskAction:
    """Record the end and audit it; unless it ended meanwhile (a cancel)."""
    status = Status.FAILED if problem else Status.DONE
    ended = TaskAction.objects.filter(id=row.id, status__in=UNFINISHED).update(
        status=status,
        finished_at=Now(),
        error=problem.message if problem else "",
        done=row.done,
    )
    row.refresh_from_db()
    if ended:
        _audit(row)
    return row


def cancel(row: TaskAction, *, by: AbstractBaseUser) -> TaskAction:
    """Cancel an action that has not ended; a running one stops after its batch."""
    cancelled = TaskAction.objects.filter(id=row.id, status__in=UNFINISHED).update(
        status=Status.CANCELLED, finished_at=Now()
    )
    row.refresh_from_db()
    if cancelled:
        _audit(row, by=by)
    return row


def _audit(row: TaskAction, *, by: AbstractBaseUser | None = None) -> None:
    """An action that ran to its end under its requester's name; a cancel under the name
    of who cancelled it, with what the action had done by then."""
    cancelled = row.status == Status.CANCELLED
    target = f"job {row.job_id}" if row.job_id else bulk_target(row.queue)
    audit_record(
        user=by or row.requester,
        username="" if by else row.requester_name,
        instance=connections.instance(row.instance),
        action="tasks.cancel-action" if cancelled else f"tasks.{row.action}",
        target=f"action {row.id}: {target}" if cancelled else target,
        count=row.done,
        outcome=AuditEntry.Outcome.FAILED if row.status == Status.FAILED else AuditEntry.Outcome.OK,
        error=row.error,
    )


class TaskActions(RowJobKind):
    """The worker's JobKind for task actions."""

    model = TaskAction

    def describe(self, row: TaskAction) -> str:
        return f"Task action {row.id}: {row.action} {bulk_target(row.queue)} ({row.estimate:,})"

    def step(self, row: TaskAction) -> tuple[bool, Problem | None]:
        return step(row)

    def finish(self, row: TaskAction, status: str, problem: Problem | None) -> None:
        finish(row, problem=problem)

    def ended(self, row: TaskAction) -> str:
        return f"Task action {row.id}: {row.status}, {row.done:,} jobs"


def action_on(instance: str, action_id: int) -> TaskAction | None:
    """An action of the instance (another instance's is not there)."""
    return TaskAction.objects.filter(id=action_id, instance=instance).first()


def action_json(row: TaskAction) -> dict:
    """An action as the API and its page show it."""
    return {
        "id": row.id,
        "framework": row.framework,
        "action": row.action,
        "queue": row.queue or None,
        "job_id": row.job_id or None,
        "status": row.status,
        "estimate": row.estimate,
        "done": row.done,
        "expired": row.expired,
        "skipped": row.skipped,
        "error": row.error or None,
        "requester": row.requester_name,
        "created": row.created_at.isoformat(),
        "started": row.started_at.isoformat() if row.started_at else None,
        "finished": row.finished_at.isoformat() if row.finished_at else None,
    }
