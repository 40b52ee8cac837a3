"""A rated job is paced by the keys its step went through: a cluster's step goes
through a batch on each primary at once, so it waits for all of them."""

from cacheadmin.invalidation.worker import Invalidations
from cacheadmin.models import InvalidationJob


def test_the_pause_is_the_time_the_steps_keys_take_at_the_rate():
    kind = Invalidations()
    job = InvalidationJob(id=7, rate=1000, scanned=500)
    kind.scanned_before[job.id] = job.scanned
    job.scanned = 3500  # three primaries' batches of 1,000
    assert kind.pause(job, spent=0.5) == 2.5
    assert kind.pause(InvalidationJob(id=8, rate=None, scanned=9), spent=0) == 0
    unrated = InvalidationJob(id=9, rate=None)
    kind.scanned_before[unrated.id] = 0
    assert kind.pause(unrated, spent=0) == 0 and not kind.scanned_before
