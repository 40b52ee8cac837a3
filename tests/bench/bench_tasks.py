"""RQ failed-jobs benchmark: a page of a queue's 10,000 failed jobs.

    make bench                      # or: .venv/bin/python tests/bench/bench_tasks.py

On a private redis-server, BENCH_FAILED jobs (10,000) really failed by an RQ worker
(each with its result and traceback in RQ's results stream), then in the same run, for
the newest page, a middle one and the oldest (50 jobs each):
- rq-dashboard 0.9's way of reading a page, restated with rq's calls: the registry's
  ids for the page, then each job fetched (one round trip each) and its exception read
  through job.exc_info (another each);
- ours (cacheadmin.tasks.rq_reads.failed_jobs): the ids, the jobs in one pipeline, the
  latest results in one more;
- our whole page (the Django view and its template, through RequestFactory);
and the round trips each read makes (connections taken from the pool: one per command
or per pipeline): on a network, each costs its latency.
Times are medians; the ratio is what to compare between runs.
"""

import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import django
from rq import Queue, SimpleWorker

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from tests.bench.measure import median_ms  # noqa: E402
from tests.servers import RedisServer  # noqa: E402

FAILED = int(os.environ.get("BENCH_FAILED", "10000"))
PAGE = 50
RUNS = 15


def fail_jobs(client, count: int) -> float:
    """count jobs that fail for real (ValueError), run by a worker in this process."""
    queue = Queue("mail", connection=client)
    for start in range(0, count, 1000):
        with client.pipeline() as pipe:
            datas = [
                Queue.prepare_data("builtins.int", (f"not a number {n}",))
                for n in range(start, min(count, start + 1000))
            ]
            queue.enqueue_many(datas, pipeline=pipe)
            pipe.execute()
    started = time.perf_counter()
    SimpleWorker([queue], connection=client).work(burst=True, logging_level="CRITICAL")
    return time.perf_counter() - started


def rq_dashboard_page(client, page: int) -> list[dict]:
    """rq-dashboard's list_jobs for the failed registry: ids, then job by job."""
    queue = Queue("mail", connection=client)
    registry = queue.failed_job_registry
    offset = (page - 1) * PAGE
    ids = registry.get_job_ids(offset, offset + PAGE - 1, cleanup=False)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for job_id in ids:
            job = queue.fetch_job(job_id)
            rows.append({"id": job.id, "ended_at": job.ended_at, "exc_info": job.exc_info})
    return rows


def measure_page(client, page: int, view, connections) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from cacheadmin.tasks.rq_reads import failed_jobs

    theirs_ms, theirs = median_ms(lambda: rq_dashboard_page(client, page), RUNS)
    ours_ms, ours = median_ms(lambda: failed_jobs(client, "mail", page=page), RUNS)
    theirs_trips = round_trips(client, lambda: rq_dashboard_page(client, page))
    our_trips = round_trips(client, lambda: failed_jobs(client, "mail", page=page))
    assert len(theirs) == len(ours["items"]) == PAGE
    assert all(row["error"].startswith("ValueError") for row in ours["items"])
    request = RequestFactory().get(
        "/tasks/jobs", {"queue": "mail", "state": "failed", "page": page}
    )
    request.user, request.htmx = AnonymousUser(), False
    request.instance = connections.instance()
    view_ms, response = median_ms(lambda: view(request), RUNS)
    assert response.status_code == 200
    print(
        f"  page {page:>4}: rq-dashboard's read {theirs_ms:7.1f} ms, ours {ours_ms:6.1f} ms "
        f"({theirs_ms / ours_ms:4.1f}x), our whole page {view_ms:6.1f} ms; round trips "
        f"{theirs_trips} and {our_trips}"
    )


def round_trips(client, call) -> int:
    """Connections taken from the pool during call: one per command, or per pipeline."""
    pool, taken = client.connection_pool, []
    original = pool.get_connection

    def counted(*args, **kwargs):
        taken.append(1)
        return original(*args, **kwargs)

    pool.get_connection = counted
    try:
        call()
    finally:
        pool.get_connection = original
    return len(taken)


def main() -> None:
    workdir = tempfile.TemporaryDirectory()
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir.name}/bench.sqlite3"
    django.setup()
    from django.core.management import call_command
    from django.test import override_settings

    from cacheadmin.gateways import connections
    from cacheadmin.tasks.views import task_list

    call_command("migrate", verbosity=0)
    server = RedisServer(Path(workdir.name)).start()
    try:
        client = server.client()
        spent = fail_jobs(client, FAILED)
        assert Queue("mail", connection=client).failed_job_registry.count == FAILED
        print(f"RQ failed-jobs page, {FAILED:,} failed jobs ({spent:.1f} s to fail them)")
        pages = max(1, FAILED // PAGE)
        with override_settings(REDIS_URL=server.url):
            connections.reset()
            for page in sorted({1, pages // 2, pages}):
                measure_page(client, page, task_list, connections)
    finally:
        server.stop()
        workdir.cleanup()


if __name__ == "__main__":
    main()
