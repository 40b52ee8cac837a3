"""Invalidations as the worker runs them (gateways.job_worker): claimed under a lease,
batch by batch at the job's rate, ended and announced by the jobs module."""

from cacheadmin.gateways.job_queue import INVALIDATION, Claim
from cacheadmin.gateways.job_worker import Say, Worker
from cacheadmin.gateways.problems import Problem
from cacheadmin.invalidation import engine, jobs
from cacheadmin.models import InvalidationJob


class Invalidations:
    """The worker's JobKind for invalidation jobs."""

    def __init__(self):
        self.scanned_before: dict[int, int] = {}  # a job's keys gone through before its step

    def claim(self, job_id: int, worker: str) -> Claim:
        return jobs.job_claim(job_id=job_id, worker=worker)

    def describe(self, job: InvalidationJob) -> str:
        return f"Job {job.id}: {job.kind} {jobs.target_of(job).label()}"

    def step(self, job: InvalidationJob) -> tuple[bool, Problem | None]:
        self.scanned_before[job.id] = job.scanned
        return jobs.job_step(job=job, count=batch_size(job))

    def pause(self, job: InvalidationJob, spent: float) -> float:
        """How long to wait before the next batch to keep under the job's rate: as long
        as the keys the step went through take at that rate (a cluster's step goes
        through a batch on each primary at once)."""
        scanned = job.scanned - self.scanned_before.pop(job.id, job.scanned)
        if not job.rate:
            return 0
        return max(0.0, scanned / job.rate - spent)

    def finish(self, job: InvalidationJob, status: str, problem: Problem | None) -> None:
        jobs.job_finish(job=job, status=status, problem=problem)

    def fail(self, job_id: int, worker: str, error: Exception) -> None:
        jobs.job_fail(job_id=job_id, worker=worker, error=error)

    def ended(self, job: InvalidationJob) -> str:
        return f"Job {job.id}: {job.status}, {job.deleted:,} deleted"


def batch_size(job: InvalidationJob) -> int:
    return min(engine.BATCH, job.rate or engine.BATCH)


def invalidation_worker(*, say: Say, complain: Say) -> Worker:
    """A worker of invalidations only."""
    return Worker(kinds={INVALIDATION: Invalidations()}, say=say, complain=complain)
