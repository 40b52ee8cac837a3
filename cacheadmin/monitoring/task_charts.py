"""The task frameworks' charts from the sampler's history: for each RQ queue, its
waiting jobs and its failures a minute, side by side."""

import time

from cacheadmin.display.charts import Series, line_chart
from cacheadmin.monitoring import history
from cacheadmin.monitoring.figures import QUEUE_READY, RQ_FAILED, redis_queue_subject
from cacheadmin.monitoring.tiers import tier_for

SPAN = 3600  # an hour


def rq_queue_charts(*, instance: str, span: float = SPAN) -> list[dict]:
    """Per RQ queue the sampler has read, by name: its depth and failures charts."""
    now = time.time()
    step = tier_for(span).step
    charts = []
    for series in history.series_of(instance=instance, figure=RQ_FAILED):
        failed = history.series_points(series.id, span=span, now=now)
        depth = history.points(
            instance=instance,
            figure=QUEUE_READY,
            subject=redis_queue_subject(series.labels.get("key", "").encode()),
            span=span,
            now=now,
        )
        rates = history.per_minute(failed, step=step)
        charts.append(
            {
                "queue": series.labels.get("queue", ""),
                "depth": line_chart(
                    [Series("waiting", "tone-blue", depth)], span_seconds=span, end=now
                ),
                "failures": line_chart(
                    [Series("failed a minute", "tone-orange", rates)], span_seconds=span, end=now
                ),
            }
        )
    return charts
