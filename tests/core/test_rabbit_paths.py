"""A name of . or .. never takes a management API call to another endpoint (httpx
resolves dot segments, quoted or not): the call is refused before it is made."""

import pytest

from cacheadmin.gateways.problems import BAD_REQUEST
from cacheadmin.gateways.rabbit_management import ManagementClient, ManagementError

# port 1: were the call made, it would fail as unreachable, not as a bad request
CLIENT = ManagementClient.from_url("http://guest:guest@127.0.0.1:1/", timeout=0.5)


@pytest.mark.parametrize("path", ["api/queues/../users", "api/queues/%2e%2e/x", "api/queues/./x"])
def test_dot_segments_are_refused_before_any_call(path):
    with pytest.raises(ManagementError) as refused:
        CLIENT.get(path)
    assert refused.value.problem.kind == BAD_REQUEST


def test_dots_inside_a_name_are_a_name():
    with pytest.raises(ManagementError) as failed:
        CLIENT.get("api/queues/%2F/a..b")
    assert failed.value.problem.kind != BAD_REQUEST  # asked: the broker is not there
