"""RQ as its own package reads it: each queue with the count of every registry, and the
workers with their state and current job. Read only: RQ's registries clean themselves
up when counted by default (moving expired jobs to failed), a write a monitoring tool
must not make, so every count here asks for none."""

from datetime import datetime

import redis
from rq import worker_registration
from rq.queue import Queue
from rq.worker import Worker

# A queue's registries, by the name the pages give them, as RQ's Queue names them.
REGISTRIES = {
    "started": "started_job_registry",
    "deferred": "deferred_job_registry",
    "scheduled": "scheduled_job_registry",
    "finished": "finished_job_registry",
    "failed": "failed_job_registry",
    "canceled": "canceled_job_registry",
}


def rq_queues(client: redis.Redis) -> list[dict]:
    """Every RQ queue (RQ's own set of them), with its waiting jobs and the count of
    each registry, by name."""
    rows = []
    for queue in sorted(Queue.all(connection=client), key=lambda queue: queue.name):
        counts = {"queued": queue.count}
        for name, attribute in REGISTRIES.items():
            counts[name] = getattr(queue, attribute).get_job_count(cleanup=False)
        rows.append({"name": queue.name, "key": queue.key.encode(), "counts": counts})
    return rows


def rq_workers(client: redis.Redis) -> list[dict]:
    """Every RQ worker that registered itself and has not expired: its state, queues,
    current job, last heartbeat, counts and birth. (Worker.all would also drop the
    expired ones from RQ's set of workers: a write, which is not ours to make.)"""
    keys = sorted(worker_registration.get_keys(connection=client))
    with client.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.exists(key)
        alive = [key for key, there in zip(keys, pipe.execute(), strict=True) if there]
    found = (Worker.find_by_key(key, connection=client) for key in alive)
    workers = [worker for worker in found if worker is not None]
    return [
        {
            "name": worker.name,
            "state": str(worker.get_state()),
            "queues": worker.queue_names(),
            "current_job": worker.get_current_job_id(),
            "last_heartbeat": _iso(worker.last_heartbeat),
            "successful": worker.successful_job_count,
            "failed": worker.failed_job_count,
            "birth": _iso(worker.birth_date),
            "hostname": worker.hostname,
            "pid": worker.pid,
        }
        for worker in workers
    ]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
