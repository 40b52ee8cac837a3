"""KnownAnswers' paths with plain questions (callables), each held by an event: what a
read waits for, what it shows while an ask hangs, and what it does once closed."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from cacheadmin.gateways.known_answers import KnownAnswers
from cacheadmin.gateways.problems import REFUSED, TIMEOUT, Problem
from tests.helpers import wait_for


@pytest.fixture
def known():
    answers = KnownAnswers(threads=4)
    yield answers
    answers.close()


class Held:
    """A question that answers `answer` once released (at once when not held)."""

    def __init__(self, answer="figures", held: bool = False):
        self.answer = answer
        self.problem: Problem | None = None
        self.release = threading.Event()
        self.asked = 0
        if not held:
            self.release.set()

    def __call__(self):
        self.asked += 1
        self.release.wait(10)
        return self.answer, self.problem


def read(known, ask, **kwargs):
    return known.read_all({"a": ask}, **kwargs)["a"]


def timed_read(known, ask, **kwargs):
    start = time.monotonic()
    state = read(known, ask, **kwargs)
    return state, time.monotonic() - start


def test_a_quick_answer_is_fresh_at_once(known):
    state = read(known, Held("one"), wait=1.0)
    assert state.answer == "one" and not state.failing and not state.stale(5)


def test_a_slow_question_is_waited_for_wait_seconds_then_shown_as_known(known):
    read(known, Held("one"), wait=1.0)
    slow = Held("two", held=True)
    state, took = timed_read(known, slow, wait=0.2)
    assert 0.19 <= took < 1.0
    assert state.answer == "one"  # the last known answer while the new one is asked
    slow.release.set()


def test_a_question_whose_last_ask_was_slow_is_not_waited_for_again(known):
    slow = Held("one", held=True)
    threading.Timer(0.5, slow.release.set).start()
    read(known, slow, wait=0.3)  # waited 0.3 s, then answered after 0.5 s
    hung = Held("two", held=True)

    def shows_one() -> tuple | None:  # the first read after slow's answer asks hung
        state, took = timed_read(known, hung, wait=0.3)
        return (state, took) if state.answer == "one" else None

    _, took = wait_for(shows_one, seconds=5, every=0.01)
    assert took < 0.1  # hung not waited for: the last ask took longer than wait
    wait_for(lambda: hung.asked, seconds=5, every=0.01)  # asked all the same, in its thread
    hung.release.set()


def test_one_ask_in_flight_per_question(known):
    hung = Held(held=True)
    for _ in range(3):
        read(known, hung, wait=0.05)
    wait_for(lambda: hung.asked, seconds=5, every=0.01)  # asked in its own thread
    time.sleep(0.05)
    assert hung.asked == 1
    hung.release.set()


def test_an_ask_past_overdue_is_failing_since_it_began(known):
    read(known, Held("one"), wait=1.0)
    hung = Held("two", held=True)
    asked_at = datetime.now(UTC)
    before = read(known, hung, wait=0.01, overdue=0.3)
    assert not before.failing  # in flight, not yet overdue
    time.sleep(0.35)
    read_at = datetime.now(UTC)
    state = read(known, hung, wait=0.01, overdue=0.3)
    assert state.failing and state.problem.kind == TIMEOUT
    assert "No answer after" in state.problem.message
    assert state.answer == "one"  # the last figures kept, greyed by the page
    assert asked_at <= state.failing_since < read_at - timedelta(seconds=0.3)
    hung.release.set()


def test_overdue_failing_starts_at_the_asks_start_not_at_the_read(known):
    hung = Held(held=True)
    read(known, hung, wait=0.01)
    time.sleep(0.3)
    state = read(known, hung, wait=0.01, overdue=0.1)
    assert state.failing and state.answered_at is None  # never answered
    later = read(known, hung, wait=0.01, overdue=0.1)
    assert later.failing_since == state.failing_since  # the ask's start, every read
    hung.release.set()


def test_a_failed_ask_keeps_the_figures_and_the_first_failures_start(known):
    read(known, Held("one"), wait=1.0)
    refusing = Held("never shown")
    refusing.problem = Problem(REFUSED, "Connection refused.")
    first = read(known, refusing, wait=1.0)
    second = read(known, refusing, wait=1.0)
    assert first.answer == second.answer == "one"
    assert first.failing and second.problem.kind == REFUSED
    assert second.failing_since == first.failing_since
    back = read(known, Held("two"), wait=1.0)
    assert back.answer == "two" and not back.failing


def test_a_questions_exception_is_its_problem(known):
    def broken():
        raise KeyError("bug")

    state = read(known, broken, wait=1.0)
    assert state.failing and "KeyError" in state.problem.message


def test_first_wait_is_for_a_question_never_answered(known):
    slow = Held("one", held=True)
    threading.Timer(0.2, slow.release.set).start()
    state, took = timed_read(known, slow, wait=0.01, first_wait=2.0)
    assert state.answer == "one" and took < 1.5


def test_after_close_a_read_asks_nothing(known):
    hung = Held(held=True)
    read(known, hung, wait=0.01)
    known.close()
    hung.release.set()
    again = Held("late")
    state = read(known, again, wait=0.2)
    assert again.asked == 0 and state.answer is None
