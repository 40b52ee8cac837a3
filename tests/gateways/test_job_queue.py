"""The job queue's message form: a kind and an id, or an invalidation's bare id."""

import pytest

from cacheadmin.gateways.job_queue import INVALIDATION, parse, reference


@pytest.mark.parametrize(("kind", "job_id"), [(INVALIDATION, 7), ("tasks", 12345)])
def test_a_reference_reads_back_as_its_kind_and_id(kind, job_id):
    assert parse(reference(kind, job_id).encode()) == (kind, job_id)


def test_an_invalidation_is_its_bare_id_as_the_queue_first_carried_it():
    assert reference(INVALIDATION, 42) == "42" and parse(b"42") == ("", 42)


@pytest.mark.parametrize(
    "body", [b"", b"not a job", b"tasks:", b"tasks:-1", b"ta sks:3", b"x:y:3", b":3x", b"\xff:1"]
)
def test_anything_else_is_not_a_job(body):
    assert parse(body) is None
