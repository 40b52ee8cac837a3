"""Keyspace analyses as background jobs of the one worker (gateways.job_worker): each
step scans on for about STEP_SECONDS and writes its cursor and report to the row,
under the lease the row keeps; a worker that dies leaves the row to another, which
resumes from there. It keeps its rate (ANALYSIS_KEYS_PER_SECOND) by pausing between
steps, and stops at its time budget (ANALYSIS_MAX_MINUTES) with the report of what it
read. Begun and ended, each is audited."""

from copy import deepcopy
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models.functions import Now
from django.utils import timezone

from cacheadmin.analysis.keyspace_report import new_report, summary
from cacheadmin.analysis.keyspace_scan import AnalysisState, analysis_step
from cacheadmin.gateways import connections, job_queue
from cacheadmin.gateways.amqp import FAILURES, amqp_problem
from cacheadmin.gateways.job_queue import RowJobKind, lease_end
from cacheadmin.gateways.keycodec import display_key
from cacheadmin.gateways.problems import Problem
from cacheadmin.gateways.service_calls import call_redis
from cacheadmin.models import AuditEntry, KeyspaceAnalysis
from cacheadmin.web.audit import audit_record
from cacheadmin.web.job_progress import progress_push

KIND = "analysis"  # its references on the job queue: analysis:<id>
STEP_SECONDS = 0.5
Status = KeyspaceAnalysis.Status
UNFINISHED = (Status.QUEUED, Status.RUNNING)


def start(
    *,
    user: AbstractBaseUser,
    instance: connections.Instance,
    db: int | None,
    prefix: bytes,
    delimiter: bytes,
    depth: int,
) -> tuple[KeyspaceAnalysis | None, Problem | None]:
    """A new analysis, its keyspace's size noted, queued for the worker."""
    total, problem = call_redis(lambda space: space.size(), db=db, instance=instance)
    if problem:
        return None, problem
    row = KeyspaceAnalysis.objects.create(
        instance=instance.name,
        db=db,
        prefix=prefix,
        delimiter=delimiter,
        depth=depth,
        requester=user,
        requester_name=user.get_username(),
        total=total,
        report=new_report(delimiter=delimiter, depth=depth, started_ms=_now_ms()),
    )
    url, timeout = settings.RABBITMQ_URL, settings.RABBITMQ_TIMEOUT
    try:
        job_queue.enqueue(url, job_queue.reference(KIND, row.id), timeout=timeout)
    except FAILURES as exc:
        problem = amqp_problem(exc, doing="RabbitMQ did not take the job", timeout=timeout, url=url)
        return finish(row, problem=problem), problem
    return row, None


def report_of(row: KeyspaceAnalysis) -> dict:
    """Its report as pages and the API show it, avalanches past ANALYSIS_AVALANCHE_SHARE."""
    return summary(row.report, avalanche_share=settings.ANALYSIS_AVALANCHE_SHARE)


def progress_group(analysis_id: int) -> str:
    return f"analysis-{analysis_id}"


def progress_of(row: KeyspaceAnalysis) -> dict:
    """What the page's progress bar shows, pushed to it as the worker goes."""
    return {
        "id": row.id,
        "status": row.status,
        "scanned": row.report.get("scanned", 0),
        "examined": row.examined,
        "total": row.total,
        "error": row.error,
    }


def _push(row: KeyspaceAnalysis) -> None:
    final = row.status not in UNFINISHED
    progress_push(progress_group(row.id), progress_of(row), final=final)


def _now_ms() -> int:
    return int(timezone.now().timestamp() * 1000)


def step(row: KeyspaceAnalysis) -> tuple[bool, Problem | None]:
    """One step and its checkpoint: (more to do, problem). One stopped (or taken over)
    meanwhile is not written over: there is no more to do."""
    ours = KeyspaceAnalysis.objects.filter(
        id=row.id, status=Status.RUNNING, lease_owner=row.lease_owner
    )
    if not ours.exists():
        row.refresh_from_db()
        return False, None
    if _over_budget(row):
        return False, None
    before = row.examined
    # A copy: a step that fails midway (a timeout) must leave the row's report as it
    # was, or the retry would fold its first batches twice.
    state = AnalysisState(cursor=row.cursor, examined=row.examined, report=deepcopy(row.report))
    rate = settings.ANALYSIS_KEYS_PER_SECOND
    scan = partial(
        analysis_step,
        state=state,
        prefix=bytes(row.prefix),
        max_seconds=STEP_SECONDS,
        max_keys=max(1, int(rate * STEP_SECONDS)) if rate else None,
    )
    state, problem = call_redis(scan, db=row.db, instance=connections.instance(row.instance))
    if problem:
        return True, problem
    saved = ours.update(**_progress(state), lease_until=lease_end())
    if not saved:
        row.refresh_from_db()
        return False, None
    row.cursor, row.examined, row.report = state.cursor, state.examined, state.report
    row.step_examined = state.examined - before  # for the pause that keeps the rate
    if state.done:
        finish(row)
        return False, None
    _push(row)
    return True, None


def budget_note(minutes: float) -> str:
    return (
        f"Stopped at its time budget of {minutes:g} minutes (ANALYSIS_MAX_MINUTES): "
        "the report covers the keys read until then."
    )


def _over_budget(row: KeyspaceAnalysis) -> bool:
    """Stopped at its time budget, keeping what it read, when that has run out."""
    minutes = settings.ANALYSIS_MAX_MINUTES
    if not row.started_at or timezone.now() - row.started_at < timedelta(minutes=minutes):
        return False
    _end(row, status=Status.STOPPED, action="analysis.budget", error=budget_note(minutes))
    return True


def pause(row: KeyspaceAnalysis, spent: float) -> float:
    """Seconds to wait after a step so that the analysis keeps ANALYSIS_KEYS_PER_SECOND."""
    rate = settings.ANALYSIS_KEYS_PER_SECOND
    if not rate:
        return 0.0
    wait = getattr(row, "step_examined", 0) / rate - spent
    return min(max(0.0, wait), settings.INVALIDATION_LEASE_SECONDS / 2)  # the lease holds


def _progress(state: AnalysisState) -> dict:
    return {"cursor": state.cursor, "examined": state.examined, "report": state.report}


def finish(row: KeyspaceAnalysis, *, problem: Problem | None = None) -> KeyspaceAnalysis:
    """Record the end and audit it; unless it ended meanwhile (a stop)."""
    status = Status.FAILED if problem else Status.DONE
    _end(row, status=status, action="analysis.run", error=problem.message if problem else "")
    return row


def stop(row: KeyspaceAnalysis, *, by: AbstractBaseUser) -> KeyspaceAnalysis:
    """Stop an analysis that has not ended; a running one stops after its step, and
    what it found stays."""
    _end(row, status=Status.STOPPED, action="analysis.stop", by=by)
    return row


def _end(
    row: KeyspaceAnalysis,
    *,
    status: str,
    action: str,
    error: str = "",
    by: AbstractBaseUser | None = None,
) -> None:
    """Its end, unless it ended meanwhile (a finish, a stop and the budget may cross):
    then audited (by whom, else its requester's run) and told to its page."""
    ended = KeyspaceAnalysis.objects.filter(id=row.id, status__in=UNFINISHED).update(
        status=status, finished_at=Now(), error=error
    )
    row.refresh_from_db()
    if ended:
        _audit(row, action=action, by=by)
        _push(row)


def scope(row: KeyspaceAnalysis) -> str:
    where = f"database {row.db}" if row.db is not None else "the keyspace"
    prefix = bytes(row.prefix)
    return f"{where}, keys under {display_key(prefix)}" if prefix else where


def _audit(row: KeyspaceAnalysis, *, action: str, by: AbstractBaseUser | None) -> None:
    audit_record(
        user=by or row.requester,
        username="" if by else row.requester_name,
        instance=connections.instance(row.instance),
        action=action,
        target=f"analysis {row.id}: {scope(row)}",
        count=row.report.get("scanned", 0),
        outcome=AuditEntry.Outcome.FAILED if row.status == Status.FAILED else AuditEntry.Outcome.OK,
        error=row.error,
    )


class Analyses(RowJobKind):
    """The worker's JobKind for keyspace analyses."""

    model = KeyspaceAnalysis

    def describe(self, row: KeyspaceAnalysis) -> str:
        return f"Analysis {row.id}: {scope(row)} ({row.total:,} keys)"

    def step(self, row: KeyspaceAnalysis) -> tuple[bool, Problem | None]:
        return step(row)

    def pause(self, row: KeyspaceAnalysis, spent: float) -> float:
        return pause(row, spent)

    def finish(self, row: KeyspaceAnalysis, status: str, problem: Problem | None) -> None:
        finish(row, problem=problem)

    def ended(self, row: KeyspaceAnalysis) -> str:
        return f"Analysis {row.id}: {row.status}, {row.report.get('scanned', 0):,} keys"
