"""`python -m dashboard.serve` stops when told to, even while requests keep arriving:
plain daphne left a thread per request caught in its shutdown waiting on the closed
event loop, and never exited."""

import threading
import time

import httpx
import pytest

from dashboard.serve import STOP_SECONDS
from tests.servers import Daphne, dashboard_env

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_server_exits_on_sigterm_while_requests_keep_coming(settings, services):
    server = Daphne(dashboard_env(settings)).start()
    stop = threading.Event()
    answered = []

    def ask() -> None:
        with httpx.Client(base_url=server.url, timeout=5) as client:
            while not stop.is_set():
                try:
                    answered.append(client.get("/healthz").status_code)
                except httpx.TransportError:
                    time.sleep(0.01)  # stopping: no longer listening

    askers = [threading.Thread(target=ask) for _ in range(4)]
    for asker in askers:
        asker.start()
    try:
        while len(answered) < 20:  # the askers are in full swing
            time.sleep(0.01)
        began = time.monotonic()
        server.process.terminate()
        server.process.wait(timeout=STOP_SECONDS + 5)
        took = time.monotonic() - began
    finally:
        stop.set()
        for asker in askers:
            asker.join()
        if server.process.poll() is None:
            server.process.kill()
    assert server.process.returncode == 0
    assert took < STOP_SECONDS + 2
    assert set(answered) == {200}
