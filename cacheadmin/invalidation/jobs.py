"""Invalidation jobs: made from a request, run at once or by the worker batch by batch,
checkpointed after every batch under the worker's lease, announced and audited when
they end."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F
from django.db.models.functions import Now
from django.utils import timezone

from cacheadmin.gateways import connections, dashboard_keys, job_queue
from cacheadmin.gateways.amqp import FAILURES, amqp_problem
from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.job_queue import INVALIDATION, Claim, claim_row, lease_end
from cacheadmin.gateways.keycodec import display_key
from cacheadmin.gateways.problems import ERROR, Problem
from cacheadmin.gateways.redis_kinds import cluster_scan
from cacheadmin.gateways.service_calls import call_redis
from cacheadmin.invalidation import engine, events
from cacheadmin.models import AuditEntry, InvalidationJob
from cacheadmin.web.audit import audit_record

Status = InvalidationJob.Status
AT_ONCE = ("key", "object", "bucket")  # and attribute values under AT_ONCE_LIMIT objects
AT_ONCE_LIMIT = 1000
OUTCOMES = {
    Status.DONE: AuditEntry.Outcome.OK,
    Status.CANCELLED: AuditEntry.Outcome.OK,  # the cancel, done
    Status.FAILED: AuditEntry.Outcome.FAILED,
}


def target_of(job: InvalidationJob) -> engine.Target:
    return engine.Target(job.kind, bytes(job.target), job.model, job.attribute)


def instance_of(job: InvalidationJob) -> Instance:
    """The instance a job is on, as configured now (its row keeps the name)."""
    return connections.instance(job.instance)


def runs_at_once(target: engine.Target, estimate: int) -> bool:
    return target.kind in AT_ONCE or (target.kind == "attribute" and estimate <= AT_ONCE_LIMIT)


def job_create(
    *,
    user: AbstractBaseUser,
    instance: Instance,
    target: engine.Target,
    estimate: int,
    rate: int | None,
) -> InvalidationJob:
    return InvalidationJob.objects.create(
        instance=instance.name,
        kind=target.kind,
        target=target.target,
        model=target.model,
        attribute=target.attribute,
        requester=user,
        requester_name=user.get_username(),
        estimate=estimate,
        rate=rate,
    )


def job_start(*, job: InvalidationJob) -> tuple[InvalidationJob, Problem | None]:
    """Run a small job now, or queue a large one for the worker. A problem means the
    job could not be run or queued (it is then failed, and says why)."""
    target = target_of(job)
    if runs_at_once(target, job.estimate or 0):
        InvalidationJob.objects.filter(id=job.id).update(
            status=Status.RUNNING, started_at=timezone.now()
        )
        deleted, problem = call_redis(
            lambda space: engine.run_small(space.client, target),
            instance=instance_of(job),
            write=True,
        )
        job.deleted = deleted or 0
        job.save(update_fields=["deleted"])
        return job_finish(
            job=job, status=Status.FAILED if problem else Status.DONE, problem=problem
        ), problem
    timeout = settings.RABBITMQ_TIMEOUT
    try:
        job_queue.enqueue(
            settings.RABBITMQ_URL, job_queue.reference(INVALIDATION, job.id), timeout=timeout
        )
    except FAILURES as exc:
        problem = amqp_problem(
            exc, doing="RabbitMQ did not take the job", timeout=timeout, url=settings.RABBITMQ_URL
        )
        return job_finish(job=job, status=Status.FAILED, problem=problem), problem
    return job, None


def job_claim(*, job_id: int, worker: str) -> Claim:
    """The job, now running under this worker's lease (job_queue.claim_row), its
    counter set from its checkpoint."""
    claim = claim_row(InvalidationJob, job_id, worker)
    if claim.job is None:
        return claim
    job = claim.job
    # The counter expires after a day: a job resumed later starts it from its checkpoint.
    counter = dashboard_keys.job_counter_key(job.id)
    call_redis(
        lambda space: _claim_counter(space, job, counter),
        instance=instance_of(job),
        write=True,
    )
    return claim


def _claim_counter(space, job: InvalidationJob, counter: str) -> None:
    if job.kind == "attribute":  # its batches count beside the model's keys
        counter = engine.model_counter(counter, job.model)
        space.client.set(counter, job.deleted, nx=True, ex=86400)
    else:
        space.claim_counters(counter, job.deleted, job.nodes)


def job_step(*, job: InvalidationJob, count: int = engine.BATCH) -> tuple[bool, Problem | None]:
    """One batch and its checkpoint. Returns (more to do, problem). A job cancelled
    meanwhile is not written over: the step says there is no more to do."""
    running = InvalidationJob.objects.filter(id=job.id, status=Status.RUNNING)
    if not running.filter(lease_owner=job.lease_owner).exists():
        job.refresh_from_db()  # cancelled, or another worker took it over: not one batch more
        return False, None
    _follow_master(job)
    cursor = cluster_scan.cursor_from_text(job.cursor)
    progress = engine.Progress(
        job.phase, cursor, job.scanned, job.deleted, nodes=job.nodes, failovers=job.failovers
    )
    target = target_of(job)
    counter = dashboard_keys.job_counter_key(job.id)
    progress, problem = call_redis(
        lambda space: engine.run_batch(space, target, progress, count=count, counter=counter),
        instance=instance_of(job),
        write=True,
    )
    if problem:
        return True, problem
    ours = InvalidationJob.objects.filter(
        id=job.id, status=Status.RUNNING, lease_owner=job.lease_owner
    )
    saved = ours.update(
        phase=progress.phase,
        cursor=cluster_scan.as_text(progress.cursor),
        scanned=progress.scanned,
        deleted=progress.deleted,
        nodes=progress.nodes,
        failovers=progress.failovers,
        lease_until=lease_end(),  # the checkpoint renews the lease
        master_run_id=job.master_run_id,
    )
    job.phase, job.cursor = progress.phase, cluster_scan.as_text(progress.cursor)
    job.scanned, job.deleted = progress.scanned, progress.deleted
    job.nodes, job.failovers = progress.nodes, progress.failovers
    if saved and not progress.done:
        events.progress_push(job.id, job_json(job))
    if not saved:  # cancelled meanwhile (keep what this batch did), or no longer ours
        cancelled = InvalidationJob.objects.filter(id=job.id, status=Status.CANCELLED).update(
            scanned=progress.scanned, deleted=progress.deleted
        )
        job.refresh_from_db()
        if cancelled:  # this batch counted after the cancel forgot the counters
            _forget_counters(job)
        return False, None
    if progress.done:
        job_finish(job=job, status=Status.DONE)
        return False, None
    return True, None


def _follow_master(job: InvalidationJob) -> None:
    """On a Sentinel instance, notice a new master (by its run_id) before the batch. The
    sentinels are asked first, so that no batch more goes to a master that was just
    demoted. After a failover the job counts it, and its scan starts again from the
    beginning: a SCAN cursor means nothing on another server."""
    run_id, _ = call_redis(lambda space: space.master_run_id(), instance=instance_of(job))
    if not run_id or run_id == job.master_run_id:  # None: no sentinels to follow
        return
    first_look, job.master_run_id = not job.master_run_id, run_id
    if first_look:
        return
    job.phase, job.cursor, job.failovers = 0, "0", job.failovers + 1
    InvalidationJob.objects.filter(id=job.id, lease_owner=job.lease_owner).update(
        phase=0, cursor="0", master_run_id=run_id, failovers=F("failovers") + 1
    )
    # a new master without the job's counter (one restarted empty, then promoted) goes
    # on from the checkpoint's count, not from 0
    counter = dashboard_keys.job_counter_key(job.id)
    call_redis(
        lambda space: _claim_counter(space, job, counter), instance=instance_of(job), write=True
    )


def job_cancel(*, job: InvalidationJob, by: AbstractBaseUser | None = None) -> InvalidationJob:
    """Cancel a queued or running job; a running one stops after its current batch."""
    cancelled = InvalidationJob.objects.filter(
        id=job.id, status__in=[Status.QUEUED, Status.RUNNING]
    ).update(status=Status.CANCELLED, finished_at=timezone.now())
    job.refresh_from_db()
    if cancelled:
        _ended(job, by=by)
    return job


def job_finish(
    *, job: InvalidationJob, status: str, problem: Problem | None = None
) -> InvalidationJob:
    """Record the end, then tell the nodes (Redis channel and RabbitMQ fanout) and
    audit; unless the job ended meanwhile (a cancel landed after the last batch) or
    another worker took it over: then it is left, and returned, as it is."""
    ended = InvalidationJob.objects.filter(
        id=job.id, status__in=[Status.QUEUED, Status.RUNNING], lease_owner=job.lease_owner
    ).update(status=status, finished_at=Now(), error=problem.message if problem else "")
    job.refresh_from_db()
    if ended:
        _ended(job)
    return job


def job_fail(*, job_id: int, worker: str, error: Exception) -> None:
    """A job whose run raised what no retry can mend (a broken row, say) fails, if it
    still runs under this worker's lease; the worker goes on with the next."""
    job = InvalidationJob.objects.filter(id=job_id, status=Status.RUNNING, lease_owner=worker)
    if job := job.first():
        job_finish(job=job, status=Status.FAILED, problem=Problem(ERROR, str(error)))


def _ended(job: InvalidationJob, *, by: AbstractBaseUser | None = None) -> None:
    """The final progress, the event, the job's counters gone, and the audit entry: a
    job that ran to its end under its requester's name; a cancel under the name of who
    cancelled it, with what the job had deleted by then."""
    target = target_of(job)
    events.progress_push(job.id, job_json(job), final=True)
    events.event_announce(
        job_id=job.id,
        instance=instance_of(job),
        target=target,
        deleted=job.deleted,
        status=job.status,
    )
    _forget_counters(job)
    cancelled = job.status == Status.CANCELLED
    audit_record(
        user=by or job.requester,
        instance=instance_of(job),
        username="" if by else job.requester_name,
        action="invalidate.cancel" if cancelled else f"invalidate.{job.kind}",
        target=f"job {job.id}: {target.label()}" if cancelled else target.label(),
        count=job.deleted,
        outcome=OUTCOMES.get(job.status, AuditEntry.Outcome.FAILED),
        error=job.error,
    )


def _forget_counters(job: InvalidationJob) -> None:
    """The counters a job kept in the inspected Redis (one, or one per primary of a
    cluster): its count is in its row now. Left there, they would stay a day."""
    counter = dashboard_keys.job_counter_key(job.id)

    def unlink_each(space) -> None:
        names = space.counter_names(counter, job.nodes)
        if job.model:
            names.add(engine.model_counter(counter, job.model))
        for name in names:  # one by one: on a cluster they sit in different slots
            space.client.unlink(name)

    call_redis(unlink_each, instance=instance_of(job))


def job_json(job: InvalidationJob) -> dict:
    """A job as the API and the progress socket show it."""
    return {
        "id": job.id,
        "kind": job.kind,
        "target": display_key(bytes(job.target)),
        "model": job.model or None,
        "attribute": job.attribute or None,
        "status": job.status,
        "estimate": job.estimate,
        "scanned": job.scanned,
        "deleted": job.deleted,
        "rate": job.rate,
        "error": job.error or None,
        "failovers": job.failovers,
        "nodes": [
            {"node": seen["node"], "deleted": seen["deleted"], "slot": int(slot)}
            for slot, seen in sorted(job.nodes.items(), key=lambda pair: int(pair[0]))
        ],
        "requester": job.requester_name,
        "created": job.created_at.isoformat(),
        "started": job.started_at.isoformat() if job.started_at else None,
        "finished": job.finished_at.isoformat() if job.finished_at else None,
    }
