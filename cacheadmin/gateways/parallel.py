"""Ask several services at once, so one that times out delays a page only once."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def call_in_parallel(**calls: Callable[[], Any]) -> dict[str, Any]:
    """Run each call in its own thread; return their results by name.

    The calls must not touch the database: Django opens a connection per thread.
    """
    with ThreadPoolExecutor(max_workers=max(1, len(calls))) as pool:
        futures = {name: pool.submit(call) for name, call in calls.items()}
        return {name: future.result() for name, future in futures.items()}
