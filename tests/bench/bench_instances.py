"""All-instances overview benchmark: 10 Redis instances, one of them a port that
accepts connections and never answers.

    make bench                      # or: .venv/bin/python tests/bench/bench_instances.py

Starts a private redis-server (nine instances on its databases 0-8) and a listening
socket that never answers (the tenth), then measures in the same run the server time
of the all-instances overview (the Django view, through RequestFactory), which asks no
instance, and of each row (one request per row, which the page makes at once):
- with the hung instance: the page, the slowest healthy row, and the hung row (target:
  at most REDIS_TIMEOUT + 200 ms, its own timeout only);
- with the hung instance removed: the baseline.
"""

import os
import socket
import sys
import tempfile
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from tests.bench.measure import median_ms  # noqa: E402
from tests.servers import RedisServer  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
INSTANCES = 10


def instances_file(folder: Path, server: RedisServer, hung_port: int | None) -> Path:
    tables = [f'[redis.cache-{db}]\nurl = "{server.url_for(db)}"\n' for db in range(1, 9)]
    if hung_port:
        tables.append(f'[redis.hung]\nurl = "redis://127.0.0.1:{hung_port}/0"\n')
    path = folder / ("with-hung.toml" if hung_port else "without.toml")
    path.write_text("\n".join(tables))
    return path


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
    listener.listen(64)  # accepts (the kernel's backlog), never answers
    folder = Path(workdir.name)
    timings = {}
    try:
        for name, hung_port in (
            ("without the hung one", None),
            ("with it", listener.getsockname()[1]),
        ):
            path = instances_file(folder, server, hung_port)
            with override_settings(REDIS_URL=server.url_for(0), CACHEADMIN_INSTANCES=str(path)):
                connections.reset()
                count = len(connections.instances().redis)
                assert count == (INSTANCES if hung_port else INSTANCES - 1), count
                request = RequestFactory().get("/")
                request.user, request.htmx = admin, False
                request.instance, request.instance_named = connections.instance(), False
                overview(request)  # warm: connections opened
                timings[name], response = median_ms(lambda r=request: overview(r), runs=RUNS)
                assert response.status_code == 200
                assert response.content.count(b"data-instance=") >= count
                rows = {}
                for instance in connections.instances().redis:
                    row = RequestFactory().get("/")
                    row.user, row.htmx, row.instance = admin, True, connections.instance(instance)
                    rows[instance], answer = median_ms(
                        lambda r=row: overview_row(r, "redis"), runs=RUNS
                    )
                    said = b"did not answer within" in answer.content
                    assert said == (instance == "hung"), instance
                timings[f"{name} rows"] = rows
    finally:
        listener.close()
        server.stop()
    timeout_ms = settings.REDIS_TIMEOUT * 1000
    baseline, hung = timings["without the hung one"], timings["with it"]
    rows = timings["with it rows"]
    healthy = max(ms for name, ms in rows.items() if name != "hung")
    baseline_rows = max(timings["without the hung one rows"].values())
    print(f"All-instances overview, {INSTANCES} Redis instances and a RabbitMQ, median of {RUNS}:")
    print(f"  the page, without the hung instance: {baseline:8.1f} ms (baseline)")
    print(f"  the page, with the hung instance:    {hung:8.1f} ms ({hung / baseline:.1f}x)")
    print(f"  slowest row, without the hung one:   {baseline_rows:8.1f} ms")
    print(f"  slowest healthy row, with it:        {healthy:8.1f} ms")
    print(f"  the hung instance's row:             {rows['hung']:8.1f} ms")
    print(f"  REDIS_TIMEOUT + 200 ms:              {timeout_ms + 200:8.1f} ms (its target)")
    verdict = "met" if rows["hung"] <= timeout_ms + 200 else "MISSED"
    print(f"  target {verdict}: the hung instance holds up its own row, and no other")


if __name__ == "__main__":
    main()
