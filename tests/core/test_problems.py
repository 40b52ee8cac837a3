"""One mapping from a problem to an HTTP status."""

import pytest

from cacheadmin.gateways.problems import Problem, http_status


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("bad_request", 400),  # the caller asked for something the service refuses
        ("not_found", 404),  # the caller named a vhost or queue that is not there
        ("error", 502),  # the service answered with an error
        ("unreachable", 503),
        ("misconfigured", 503),
        ("refused", 503),  # our credentials: the dashboard's configuration
        ("timeout", 504),
    ],
)
def test_each_kind_has_one_status(kind, status):
    assert http_status(Problem(kind, "words")) == status
