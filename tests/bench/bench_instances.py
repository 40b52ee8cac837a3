"""All-instances overview benchmark: 10 Redis instances, one of them a port that
accepts connections and never answers.

    make bench                      # or: .venv/bin/python tests/bench/bench_instances.py

Starts a private redis-server (nine instances on its databases 0-8) and a listening
socket that never answers (the tenth), then measures in the same run the server time
of the all-instances overview (the Django view, through RequestFactory: every row from
its instance's last known state, fresh figures asked at once and waited for
OVERVIEW_WAIT_SECONDS at most) over REFRESHES refreshes, one every SPACING seconds (so
the hung instance's asks, each ending in its REDIS_TIMEOUT, are sometimes in flight,
sometimes new):
- without the hung instance: the baseline;
- with it: every refresh, p50 and the slowest (targets: 50 ms and 300 ms), and the
  hung instance's own row (one request, as the page's refresh makes it).
The first load of a process (nothing known yet) is shown apart: it waits
OVERVIEW_WAIT_SECONDS for the hung instance's first answer, then says "asking…".
"""

import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from tests.servers import RedisServer  # noqa: E402

REFRESHES = int(os.environ.get("BENCH_REFRESHES", "40"))
SPACING = 0.25  # seconds between refreshes: eight asks of the hung one per timeout
INSTANCES = 10


def instances_file(folder: Path, server: RedisServer, hung_port: int | None) -> Path:
    tables = [f'[redis.cache-{db}]\nurl = "{server.url_for(db)}"\n' for db in range(1, 9)]
    if hung_port:
        tables.append(f'[redis.hung]\nurl = "redis://127.0.0.1:{hung_port}/0"\n')
    path = folder / ("with-hung.toml" if hung_port else "without.toml")
    path.write_text("\n".join(tables))
    return path


def timed_ms(call) -> tuple[float, object]:
    started = time.perf_counter()
    answer = call()
    return (time.perf_counter() - started) * 1000, answer


def refreshes(call, *, check) -> list[float]:
    """The times of REFRESHES calls, SPACING seconds apart, each answer checked."""
    times = []
    for _ in range(REFRESHES):
        spent, answer = timed_ms(call)
        check(answer)
        times.append(spent)
        time.sleep(SPACING)
    return times


def main() -> None:
    workdir = tempfile.TemporaryDirectory()
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir.name}/bench.sqlite3"
    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import RequestFactory, override_settings

    from cacheadmin.gateways import connections
    from cacheadmin.overview.views import overview, overview_row

    call_command("migrate", verbosity=0)
    admin = get_user_model().objects.create_superuser("bench", password="x")
    server = RedisServer(Path(workdir.name)).start()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(512)  # accepts (the kernel's backlog), never answers
    folder = Path(workdir.name)
    pages, first, hung_rows = {}, {}, []
    try:
        for name, hung_port in (("without", None), ("with", listener.getsockname()[1])):
            path = instances_file(folder, server, hung_port)
            with override_settings(REDIS_URL=server.url_for(0), CACHEADMIN_INSTANCES=str(path)):
                connections.reset()
                count = len(connections.instances().redis)
                assert count == (INSTANCES if hung_port else INSTANCES - 1), count
                request = RequestFactory().get("/")
                request.user, request.htmx = admin, False
                request.instance, request.instance_named = connections.instance(), False
                overview(request)  # the templates compiled
                connections.reset()  # nothing known, no client built: a first load
                first[name], page = timed_ms(lambda r=request: overview(r))
                assert page.content.count(b"asking\xe2\x80\xa6") == (1 if hung_port else 0)
                time.sleep(settings.REDIS_TIMEOUT + 0.2)  # the hung one's first ask ended

                def check(answer, hung=bool(hung_port)):
                    assert answer.status_code == 200
                    rows = answer.content.count(b"<tr data-instance")  # and the broker's
                    fresh = answer.content.count(b'data-asked="yes" data-stale="no"')
                    assert fresh == rows - hung, (fresh, rows)
                    assert (b"did not answer within" in answer.content) == hung

                pages[name] = refreshes(lambda r=request: overview(r), check=check)
                if hung_port:
                    row = RequestFactory().get("/")
                    row.user, row.htmx = admin, True
                    row.instance = connections.instance("hung")
                    hung_rows = refreshes(
                        lambda r=row: overview_row(r, "redis"),
                        check=lambda answer: b"did not answer within" in answer.content,
                    )
    finally:
        listener.close()
        server.stop()
    report(pages, first, hung_rows, settings)


def report(pages: dict, first: dict, hung_rows: list[float], settings) -> None:
    without, with_hung = pages["without"], pages["with"]
    p50, slowest = statistics.median(with_hung), max(with_hung)
    base = statistics.median(without)
    wait_ms = settings.OVERVIEW_WAIT_SECONDS * 1000
    print(
        f"All-instances overview, {INSTANCES} Redis instances and a RabbitMQ, "
        f"{REFRESHES} refreshes {SPACING} s apart, REDIS_TIMEOUT {settings.REDIS_TIMEOUT} s:"
    )
    print(f"  the page, without the hung one: p50 {base:7.1f} ms, max {max(without):7.1f} ms")
    print(
        f"  the page, with the hung one:    p50 {p50:7.1f} ms ({p50 / base:.1f}x), "
        f"max {slowest:7.1f} ms"
    )
    print(
        f"  the hung one's row:             p50 {statistics.median(hung_rows):7.1f} ms, "
        f"max {max(hung_rows):7.1f} ms"
    )
    print(
        f"  first load, nothing known:      {first['without']:7.1f} ms without, "
        f"{first['with']:7.1f} ms with (waits OVERVIEW_WAIT_SECONDS {wait_ms:.0f} ms)"
    )
    verdict = "met" if p50 <= 50 and slowest <= 300 else "MISSED"
    print(f"  target {verdict}: every refresh within 300 ms, p50 within 50 ms")


if __name__ == "__main__":
    main()
