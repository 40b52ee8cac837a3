"""One broker call shared by every viewer: single flight, kept for an interval."""

import threading
import time

import pytest

from cacheadmin.gateways.shared_answers import SharedAnswers


def test_concurrent_viewers_share_one_broker_call():
    answers = SharedAnswers(seconds=5)
    calls = []

    def fetch():
        calls.append(1)
        time.sleep(0.2)
        return "page"

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(answers.get("k", fetch))) for _ in range(10)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["page"] * 10 and len(calls) == 1
    assert answers.get("k", fetch) == "page" and len(calls) == 1  # kept for the interval


def test_a_failed_call_is_not_kept():
    answers = SharedAnswers(seconds=5)

    def failing():
        raise RuntimeError("broker down")

    with pytest.raises(RuntimeError):
        answers.get("k", failing)
    assert answers.get("k", lambda: "up") == "up"
