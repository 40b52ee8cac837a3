"""An invalidation job on a cluster whose slots move under it (resharding): a primary
that gives away its first slot is named anew, and the job scans it all the same."""

import pytest

from cacheadmin.gateways.redis_kinds import cluster_scan
from cacheadmin.invalidation.engine import Progress, Target
from tests.invalidation.test_engine import fill, run_batch, run_to_end


@pytest.fixture
def first_slots(cluster_keyspace, redis_cluster):
    """The second primary's first slot, that primary and the first one: the slot given
    back at the end."""
    (_, first), (second, giver) = cluster_scan.primaries(cluster_keyspace)[:2]
    giver, taker = redis_cluster.node_at(giver.name), redis_cluster.node_at(first.name)
    yield second, giver, taker
    redis_cluster.give_back(second, giver)


def test_a_job_scans_a_primary_that_gave_away_its_first_slot(
    cluster_keyspace, redis_cluster, first_slots
):
    second, giver, taker = first_slots
    fill(cluster_keyspace, 3000, "del:")
    fill(cluster_keyspace, 300, "keep:")
    target = Target("pattern", b"del:*")
    progress = run_batch(cluster_keyspace, target, Progress(), count=100)
    assert [slot for slot, _ in progress.cursor][:2] == [0, second]  # the first one under way
    redis_cluster.move_slot(second, giver, taker)
    finished = run_to_end(cluster_keyspace, target, progress, count=500)
    fresh = redis_cluster.client()
    assert list(fresh.scan_iter(match="del:*")) == []
    assert len(set(fresh.scan_iter(match="keep:*"))) == 300  # SCAN may repeat a key
    assert (finished.deleted, finished.failovers) == (3000, 0)  # a move is no failover
    fresh.close()
