"""The Tasks page's card of Celery's recorded events (/tasks/celery/events), asked after
the page has shown: the states of the last hours by queue, failures and retries a
minute, the newest tasks, the workers' heartbeats, and how to turn events on when an
instance with Celery sends none."""

from datetime import UTC, datetime, timedelta

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from cacheadmin.tasks.celery_charts import failures_chart
from cacheadmin.tasks.celery_events import events_summary, tasks_page
from cacheadmin.tasks.celery_reads import celery_brokers
from cacheadmin.web.parts import render_part

RECENT = 15  # newest tasks shown
QUIET = timedelta(minutes=5)  # a worker with events on beats every 2 s


@require_GET
def celery_events_part(request: HttpRequest) -> HttpResponse:
    summary = events_summary(request.instance.name)
    recent = tasks_page(instance=request.instance.name, page_size=RECENT)["items"]
    brokers, _ = celery_brokers(request.instance)
    last = summary["last_event_at"]
    quiet = last is None or datetime.now(UTC) - last > QUIET
    context = {
        "summary": summary,
        "recent": recent,
        "brokers": [where for where, _ in brokers],
        "events_off": bool(brokers) and quiet,
        "failures": failures_chart(request.instance.name) if summary["queues"] else None,
    }
    return render_part(
        request,
        "tasks/partials/celery_events_card.html",
        context,
        title="Celery tasks from their events",
    )
