"""What an alert rule may watch: a metric worked out from the sampler's latest samples
of one instance (and one of its models or queues), the same figures /metrics exports.

A level is its sample of the round just ended; a rate is the rise of counts over the
last ALERT_RATE_SECONDS. A metric has no value (None) when the round read nothing for it
(a Redis list drained is gone: its depth is no longer read), or a rate had nothing to
count (no lookup in the window): a rule never fires on figures nobody measured."""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from cacheadmin.models import Sample, SampledSeries
from cacheadmin.monitoring.figures import (
    CELERY_FAILED,
    CELERY_RETRIED,
    REDIS_SERVER,
    RQ_FAILED,
    model_subject,
    rabbit_queue_subject,
    redis_queue_subject,
    rq_subject,
)
from cacheadmin.monitoring.tiers import raw_step

# One series' recent samples, oldest first: [(unix seconds, value)]
Recent = list[tuple[int, float]]
NONE, MODEL, QUEUE = "", "model", "queue"  # what a metric is about, besides its instance
MIN_STEPS = 3  # a window holds at least this many sampler steps


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    about: str  # NONE, MODEL or QUEUE
    figures: tuple[str, ...]
    unit: str
    value: Callable[[dict[str, Recent], int], float | None]


def latest(figure: str) -> Callable[[dict[str, Recent], int], float | None]:
    def value(recent: dict[str, Recent], now: int) -> float | None:
        samples = recent.get(figure) or []
        return samples[-1][1] if samples and samples[-1][0] == now else None

    return value


def rise(samples: Recent) -> float | None:
    """How much a count rose over the samples; None with fewer than two, or a fall (the
    server restarted: its counters started again)."""
    if len(samples) < 2 or samples[-1][1] < samples[0][1]:
        return None
    return samples[-1][1] - samples[0][1]


def counted_here(recent: dict[str, Recent], figure: str) -> Recent:
    """A Redis counter's samples since the server that counts them last changed (a
    failover to a replica, whose counters are its own): a rise across it is no count."""
    servers = recent.get(REDIS_SERVER, [])
    since = servers[0][0] if servers else 0
    for (_, old), (at, new) in zip(servers, servers[1:], strict=False):
        if new != old:
            since = at
    return [(at, value) for at, value in recent.get(figure, []) if at >= since]


def hit_rate(hits: str, misses: str) -> Callable[[dict[str, Recent], int], float | None]:
    def value(recent: dict[str, Recent], now: int) -> float | None:
        found, missed = rise(counted_here(recent, hits)), rise(counted_here(recent, misses))
        if found is None or missed is None or found + missed == 0:
            return None
        return 100 * found / (found + missed)

    return value


def per_minute(figure: str) -> Callable[[dict[str, Recent], int], float | None]:
    def value(recent: dict[str, Recent], now: int) -> float | None:
        samples = counted_here(recent, figure)
        rose = rise(samples)
        if rose is None or samples[-1][0] == samples[0][0]:
            return None
        return rose * 60 / (samples[-1][0] - samples[0][0])

    return value


def memory_share(recent: dict[str, Recent], now: int) -> float | None:
    used = latest("redis.used_memory")(recent, now)
    limit = latest("redis.maxmemory")(recent, now)
    return None if used is None or not limit else 100 * used / limit


def waiting_unconsumed(recent: dict[str, Recent], now: int) -> float | None:
    """Messages ready in a queue nobody consumes (a Redis list's consumers are not
    known: none counted), 0 while it has a consumer."""
    ready = latest("queue.ready")(recent, now)
    consumers = latest("queue.consumers")(recent, now)
    return None if ready is None else (ready if not consumers else 0.0)


def level(name: str, label: str, figure: str, unit: str = "", about: str = NONE) -> Metric:
    """A metric that is a figure's reading of the round."""
    return Metric(name, label, about, (figure,), unit, latest(figure))


def rate(name: str, label: str, figure: str, about: str = NONE) -> Metric:
    """A metric that is a count's rise a minute."""
    return Metric(name, label, about, (figure,), "/min", per_minute(figure))


HITS, MISSES = ("redis.keyspace_hits", "redis.keyspace_misses")
# fmt: off
METRICS = {
    metric.name: metric
    for metric in (
        level("redis_up", "Redis answers (1) or not (0)", "redis.up"),
        level("redis_used_memory_bytes", "Redis memory used", "redis.used_memory", "bytes"),
        Metric("redis_memory_used_percent", "Redis memory used, % of maxmemory", NONE,
               ("redis.used_memory", "redis.maxmemory"), "%", memory_share),
        Metric("redis_hit_rate_percent", "Redis keyspace hit rate", NONE,
               (HITS, MISSES, REDIS_SERVER), "%", hit_rate(HITS, MISSES)),
        Metric("redis_evicted_keys_per_minute", "Keys evicted a minute", NONE,
               ("redis.evicted_keys", REDIS_SERVER), "/min", per_minute("redis.evicted_keys")),
        level("redis_clients", "Connected clients", "redis.clients"),
        level("redis_keys", "Keys", "redis.keys"),
        level("redis_ops_per_sec", "Commands a second", "redis.ops_per_sec", "/s"),
        level("redis_replication_lag_seconds", "Replication lag (the worst replica)",
              "redis.replication_lag", "s"),
        level("redis_cluster_slots_ok", "Cluster slots served", "redis.cluster_slots_ok"),
        Metric("model_hit_rate_percent", "A model's hit rate", MODEL,
               ("model.hits", "model.misses"), "%", hit_rate("model.hits", "model.misses")),
        level("model_objects", "A model's objects", "model.objects", about=MODEL),
        level("queue_messages_ready", "A queue's ready messages", "queue.ready", about=QUEUE),
        level("queue_messages_unacked", "A queue's unacknowledged messages", "queue.unacked",
              about=QUEUE),
        level("queue_consumers", "A queue's consumers", "queue.consumers", about=QUEUE),
        Metric("queue_waiting_without_consumer", "Messages waiting in a queue with no consumer",
               QUEUE, ("queue.ready", "queue.consumers"), "", waiting_unconsumed),
        rate("rq_failed_per_minute", "An RQ queue's jobs failing a minute", RQ_FAILED, QUEUE),
        level("celery_failed_per_minute", "Celery tasks failed a minute", CELERY_FAILED, "/min"),
        level("celery_retried_per_minute", "Celery task retries a minute", CELERY_RETRIED,
              "/min"),
        level("rabbitmq_up", "RabbitMQ answers (1) or not (0)", "rabbitmq.up"),
        level("rabbitmq_alarms", "RabbitMQ alarms raised", "rabbitmq.alarms"),
    )
}
# fmt: on


def window() -> int:
    """Seconds of samples a rule reads: a rate's window, and at least a few steps."""
    return max(round(settings.ALERT_RATE_SECONDS), MIN_STEPS * raw_step())


def recent_samples(series_ids: dict[int, str], now: int) -> dict[str, Recent]:
    """The sampler's own samples of the series in the window ending at now, by figure."""
    recent: dict[str, Recent] = {figure: [] for figure in series_ids.values()}
    rows = Sample.objects.filter(
        series_id__in=list(series_ids), step=raw_step(), at__gt=now - window(), at__lte=now
    )
    for series_id, at, value in rows.order_by("at").values_list("series_id", "at", "value"):
        recent[series_ids[series_id]].append((at, value))
    return recent


def subject(figure: str, about: str, *, model: str, queue: str, vhost: str) -> str:
    """The subject of a rule's series, as the figure's source names it: a model's name,
    a RabbitMQ queue's vhost and name, a Redis queue's key, an RQ queue's name."""
    if about == MODEL:
        return model_subject(model)
    if about == QUEUE and figure == RQ_FAILED:
        return rq_subject(queue)
    if about == QUEUE:
        return rabbit_queue_subject(vhost, queue) if vhost else redis_queue_subject(queue.encode())
    return ""


def value_now(instance: str, metric: Metric, *, now: int, **about: str) -> float | None:
    """The metric's value at now, or None when the sampler has nothing for it."""
    wanted = {figure: subject(figure, metric.about, **about) for figure in metric.figures}
    found = SampledSeries.objects.filter(
        instance=instance, figure__in=list(wanted), subject__in=set(wanted.values())
    )
    series = {
        series_id: figure
        for series_id, figure, named in found.values_list("id", "figure", "subject")
        if wanted[figure] == named
    }
    return metric.value(recent_samples(series, now), now)
