"""What the task pages and API ask of an instance's Redis, each in one service call."""

from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.problems import Problem
from cacheadmin.gateways.service_calls import call_redis
from cacheadmin.tasks.rq_reads import rq_job, rq_jobs, rq_queues, rq_workers

Outcome = tuple[object, Problem | None]


def rq_overview(*, instance: Instance) -> Outcome:
    """RQ's queues with their registries' counts, and its workers."""
    return call_redis(
        lambda space: {"queues": rq_queues(space.client), "workers": rq_workers(space.client)},
        instance=instance,
    )


def workers_list(*, instance: Instance) -> Outcome:
    """RQ's workers."""
    return call_redis(lambda space: rq_workers(space.client), instance=instance)


def jobs_page(*, instance: Instance, query: dict) -> Outcome:
    """A page of one RQ queue's jobs in one state."""
    return call_redis(
        lambda space: rq_jobs(space.client, query["queue"], query["state"], page=query["page"]),
        instance=instance,
    )


def job_describe(*, instance: Instance, job_id: str) -> Outcome:
    """One RQ job, whole; None when RQ has no such job."""
    return call_redis(lambda space: rq_job(space.client, job_id), instance=instance)
