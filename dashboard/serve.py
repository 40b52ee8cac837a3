"""Serve the dashboard with daphne, and stop when told to: `python -m dashboard.serve`
takes daphne's own arguments (`-b`, `-p`, `--proxy-headers`) and the application is
always dashboard.asgi:application.

Why not `daphne` itself: a request that arrives while daphne stops leaves Django's
thread for it waiting on the event loop daphne has just closed, and Python's exit then
waits for that thread forever; `daphne` ignored SIGTERM under load. Here, once daphne
has stopped, the threads still running get STOP_SECONDS to end (a view half-way
through its change finishes it and writes its audit entry), then the process exits.
"""

import logging
import os
import sys
import threading
import time
from types import FrameType

from daphne.cli import CommandLineInterface

APPLICATION = "dashboard.asgi:application"
STOP_SECONDS = 5.0  # under Docker's 10 s between SIGTERM and SIGKILL
# Where a thread that waits has its last Python frame.
WAITING_IN = (f"{os.sep}threading.py", f"{os.sep}queue.py")
IDLE_POOL = os.path.join("concurrent", "futures", "thread.py")

logger = logging.getLogger(__name__)


def main(argv: list[str]) -> None:
    CommandLineInterface().run([*argv, APPLICATION])
    deadline = time.monotonic() + STOP_SECONDS
    while (busy := busy_threads()) and time.monotonic() < deadline:
        time.sleep(0.05)
    if busy:
        logger.warning("stopped with %d thread(s) still busy after %s s", busy, STOP_SECONDS)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def busy_threads() -> int:
    """The other threads running code: not waiting on a lock, a condition or a queue
    (an idle worker of a pool, or a request's thread waiting on the closed loop)."""
    me = threading.get_ident()
    frames = sys._current_frames()
    return sum(ident != me and not waiting(frame) for ident, frame in frames.items())


def waiting(frame: FrameType) -> bool:
    code = frame.f_code
    return (
        code.co_filename.endswith(WAITING_IN)
        or code.co_name == "_worker"
        and (
            code.co_filename.endswith(IDLE_POOL)  # blocked in the C get of its work queue
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
