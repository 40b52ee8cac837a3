"""The task frameworks' figures for the sampler (cacheadmin.monitoring): each RQ
queue's count of failed jobs, from which the pages chart failures per minute.

Why the failed registry, and rises only: RQ keeps no count of failures per queue. Its
workers count theirs (failed_job_count), but a worker serves several queues and its
counts go with it when it stops. The failed registry is per queue and keeps a failed
job for its failure_ttl (a year by default), so its count falls only when an operator
requeues or deletes, or an entry expires: the charts count its rises, never its falls,
which undercounts only failures that land in the same sample interval as a removal.
(The finished registry is no such measure: RQ drops its entries after result_ttl,
500 s by default, so under a steady load its count stands still while jobs finish.)
Retries are not counted: RQ keeps no record of them beyond each job's retries left."""

import time

import redis
from rq.queue import Queue

from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.service_calls import call_redis
from cacheadmin.models import CeleryTask
from cacheadmin.monitoring.figures import (
    CELERY_FAILED,
    CELERY_RETRIED,
    RQ_FAILED,
    Read,
    Reading,
    rq_subject,
)
from cacheadmin.tasks.celery_charts import failures_a_minute


class RqFailures:
    name = "rq failures"
    service = "redis"

    def wanted(self, instance: Instance) -> bool:
        return instance.redis is not None

    def read(self, instance: Instance) -> Read:
        return call_redis(lambda space: rq_failed(space.client), instance=instance)


def labels(queue: Queue) -> dict[str, str]:
    """Its name, and its list's key, whose depth the queues' source samples."""
    return {"queue": queue.name, "key": queue.key}


def rq_failed(client: redis.Redis) -> list[Reading]:
    """Each queue of RQ's set with its failed registry's size: two round trips. The
    registry's key is RQ's own (its FailedJobRegistry), and counting it writes nothing."""
    queues = sorted(Queue.all(connection=client), key=lambda queue: queue.name)
    with client.pipeline(transaction=False) as pipe:
        for queue in queues:
            pipe.zcard(queue.failed_job_registry.key)
        counts = pipe.execute()
    return [
        Reading(RQ_FAILED, rq_subject(queue.name), float(count), labels(queue))
        for queue, count in zip(queues, counts, strict=True)
    ]


class CeleryFailures:
    """Celery's tasks failed and retried in the last whole minute, counted from the
    events the recorder keeps (celery_charts): figures of the dashboard's database."""

    name = "celery failures"
    service = "database"

    def wanted(self, instance: Instance) -> bool:
        return CeleryTask.objects.filter(instance=instance.name).exists()

    def read(self, instance: Instance) -> Read:
        now = time.time()
        failed, retried = failures_a_minute(instance.name, now=now, span=60)
        # the points are minutes from a minute ago to this one, which is not over yet
        return [
            Reading(CELERY_FAILED, "", float(failed[0][1])),
            Reading(CELERY_RETRIED, "", float(retried[0][1])),
        ], None
