"""/metrics in the Prometheus text format: the sampler's last value of every series
(a scrape never waits on an instance), and what the dashboard's own database knows
(invalidations) and its process counts (live messages dropped). Names follow
Prometheus' conventions: a unit suffix, `_total` on counters."""

import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, Sum
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from cacheadmin.gateways import connections
from cacheadmin.models import AlertRule, InstanceSampled, InvalidationJob, Sample, SampledSeries
from cacheadmin.monitoring import process_counts
from cacheadmin.monitoring.tiers import raw_step

ROUNDS_KEPT = 3  # a series missing from the last rounds (a slow source) keeps its value


@dataclass(frozen=True)
class Exported:
    metric: str
    kind: str  # "gauge" or "counter" (its name then ends in _total)
    help: str
    labels: tuple[str, ...] = ()  # the series' labels, after "instance"
    fixed: tuple[tuple[str, str], ...] = ()  # labels of a figure sharing a metric


QUEUE = ("vhost", "queue")
EXPORTED = {
    "redis.up": Exported("cacheadmin_redis_up", "gauge", "1 when Redis answered the sampler"),
    "redis.used_memory": Exported(
        "cacheadmin_redis_used_memory_bytes", "gauge", "Memory used (a cluster's primaries summed)"
    ),
    "redis.maxmemory": Exported(
        "cacheadmin_redis_maxmemory_bytes", "gauge", "The memory limit (0: none)"
    ),
    "redis.keyspace_hits": Exported(
        "cacheadmin_redis_keyspace_hits_total", "counter", "Lookups that found their key"
    ),
    "redis.keyspace_misses": Exported(
        "cacheadmin_redis_keyspace_misses_total", "counter", "Lookups that did not"
    ),
    "redis.ops_per_sec": Exported(
        "cacheadmin_redis_commands_per_second", "gauge", "Commands a second, as Redis says"
    ),
    "redis.keys": Exported("cacheadmin_redis_keys", "gauge", "Keys in every database"),
    "redis.evicted_keys": Exported(
        "cacheadmin_redis_evicted_keys_total", "counter", "Keys evicted at maxmemory"
    ),
    "redis.clients": Exported("cacheadmin_redis_connected_clients", "gauge", "Connected clients"),
    "redis.replication_lag": Exported(
        "cacheadmin_redis_replication_lag_seconds", "gauge", "The most a replica is behind"
    ),
    "redis.cluster_ok": Exported(
        "cacheadmin_redis_cluster_state_ok", "gauge", "1 when the cluster's state is ok"
    ),
    "redis.cluster_slots_ok": Exported(
        "cacheadmin_redis_cluster_slots_ok", "gauge", "Slots served by a primary that is up"
    ),
    "queue.ready": Exported(
        "cacheadmin_queue_messages", "gauge", "Messages in a queue", QUEUE, (("state", "ready"),)
    ),
    "queue.unacked": Exported(
        "cacheadmin_queue_messages", "gauge", "Messages in a queue", QUEUE, (("state", "unacked"),)
    ),
    "queue.consumers": Exported(
        "cacheadmin_queue_consumers", "gauge", "Consumers of a queue", QUEUE
    ),
    "rabbitmq.up": Exported(
        "cacheadmin_rabbitmq_up", "gauge", "1 when RabbitMQ answered the sampler"
    ),
    "rabbitmq.alarms": Exported(
        "cacheadmin_rabbitmq_alarms", "gauge", "Alarms raised (memory, disk, nodes)"
    ),
    "rabbitmq.node_memory": Exported(
        "cacheadmin_rabbitmq_node_memory_bytes", "gauge", "Memory a node uses", ("node",)
    ),
    "rabbitmq.node_memory_limit": Exported(
        "cacheadmin_rabbitmq_node_memory_limit_bytes", "gauge", "A node's watermark", ("node",)
    ),
    "model.hits": Exported(
        "cacheadmin_model_hits_total", "counter", "Lookups of a model that hit", ("model",)
    ),
    "model.misses": Exported(
        "cacheadmin_model_misses_total", "counter", "Lookups of a model that missed", ("model",)
    ),
    "model.objects": Exported(
        "cacheadmin_model_objects", "gauge", "Objects a model holds, about", ("model",)
    ),
    "rq.failed": Exported(
        "cacheadmin_rq_failed_jobs", "gauge", "Jobs in an RQ queue's failed registry", ("queue",)
    ),
    "celery.failed": Exported(
        "cacheadmin_celery_tasks_failed_per_minute", "gauge", "Celery tasks failed a minute"
    ),
    "celery.retried": Exported(
        "cacheadmin_celery_task_retries_per_minute", "gauge", "Celery task retries a minute"
    ),
}


class DashboardCollector(Collector):
    """Every metric, read afresh from the database at each scrape; the sampled ones of
    the instances given (None: every instance)."""

    def __init__(self, instances: list[str] | None = None):
        self.instances = instances

    def collect(self) -> Iterator[Metric]:
        yield from sampled_metrics(self.instances)
        yield from invalidation_metrics(self.instances)
        yield alert_metric(self.instances)
        yield live_dropped_metric()


def last_values(instances: list[str] | None) -> list[tuple[str, str, dict, float, int]]:
    """(instance, figure, labels, value, at) of every series' newest raw sample of
    the last ROUNDS_KEPT rounds, of the instances given (None: every one)."""
    since = int(time.time()) - ROUNDS_KEPT * raw_step() - raw_step()
    samples = Sample.objects.filter(step=raw_step(), at__gte=since)
    series = SampledSeries.objects.all()
    if instances is not None:
        samples = samples.filter(series__instance__in=instances)
        series = series.filter(instance__in=instances)
    # the samples alone, then each series' names once: not its labels again per sample
    newest = {
        series_id: (value, at)
        for series_id, value, at in samples.order_by("at").values_list("series_id", "value", "at")
    }
    named = series.values_list("id", "instance", "figure", "labels")
    return [
        (instance, figure, labels, *newest[series_id])
        for series_id, instance, figure, labels in named.iterator(chunk_size=5000)
        if series_id in newest
    ]


def sampled_metrics(instances: list[str] | None) -> Iterator[Metric]:
    families: dict[str, Metric] = {}
    for instance, figure, labels, value, _ in last_values(instances):
        exported = EXPORTED.get(figure)
        if exported is None:
            continue
        names = ("instance", *exported.labels, *(name for name, _ in exported.fixed))
        family = families.get(exported.metric)
        if family is None:
            family = _family(exported, names)
            families[exported.metric] = family
        values = [instance, *(str(labels.get(name, "")) for name in exported.labels)]
        family.add_metric([*values, *(value for _, value in exported.fixed)], value)
    yield from families.values()
    yield sample_ages(instances)


def sample_ages(instances: list[str] | None) -> Metric:
    """Seconds since each instance's newest sample, however old: a sampler that stopped
    shows as a growing age (its last values have left /metrics)."""
    configured = connections.instances()
    names = set(configured.redis) | set(configured.rabbitmq)  # not those removed since
    written = InstanceSampled.objects.filter(instance__in=names)
    if instances is not None:
        written = written.filter(instance__in=instances)
    newest = written.values_list("instance", "at")
    age = GaugeMetricFamily(
        "cacheadmin_sample_age_seconds",
        "Seconds since the sampler last wrote a figure of the instance",
        labels=["instance"],
    )
    now = int(time.time())
    for instance, at in sorted(newest):
        age.add_metric([instance], max(0, now - at))
    return age


def _family(exported: Exported, labels: tuple[str, ...]) -> Metric:
    if exported.kind == "counter":
        name = exported.metric.removesuffix("_total")
        return CounterMetricFamily(name, exported.help, labels=list(labels))
    return GaugeMetricFamily(exported.metric, exported.help, labels=list(labels))


def invalidation_metrics(instances: list[str] | None) -> Iterator[Metric]:
    """Of the invalidations of the instances given (None: every one)."""
    jobs_here = InvalidationJob.objects.all()
    if instances is not None:
        jobs_here = jobs_here.filter(instance__in=instances)
    deleted = jobs_here.aggregate(total=Sum("deleted"))["total"] or 0
    counter = CounterMetricFamily(
        "cacheadmin_invalidation_keys_deleted", "Keys deleted by the invalidations kept"
    )
    counter.add_metric([], deleted)
    yield counter
    jobs = GaugeMetricFamily(
        "cacheadmin_invalidation_jobs", "Invalidation jobs by status", labels=["status"]
    )
    counts = dict(jobs_here.values_list("status").annotate(count=Count("id")).order_by())
    for status in InvalidationJob.Status.values:
        jobs.add_metric([status], counts.get(status, 0))
    yield jobs


def alert_metric(instances: list[str] | None) -> Metric:
    """Each of the dashboard's alert rules: 1 while it fires."""
    rules = AlertRule.objects.all()
    if instances is not None:
        rules = rules.filter(instance__in=instances)
    firing = GaugeMetricFamily(
        "cacheadmin_alert_firing",
        "1 while a dashboard alert rule fires (/alerts/)",
        labels=["instance", "rule_id", "rule"],
    )
    for rule_id, instance, name, state in rules.values_list("id", "instance", "name", "state"):
        firing.add_metric([instance, str(rule_id), name], float(state == AlertRule.State.FIRING))
    return firing


def live_dropped_metric() -> Metric:
    counter = CounterMetricFamily(
        "cacheadmin_live_dropped",
        "Live messages a browser of this process did not get (the rate cap, a browser behind)",
    )
    counter.add_metric([], process_counts.live_dropped_total())
    return counter
