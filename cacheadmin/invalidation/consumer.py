"""A socket per invalidation job page: the job's state now, then its progress as the
worker pushes it (web.job_progress)."""

from cacheadmin.invalidation.events import progress_group
from cacheadmin.invalidation.jobs import job_json
from cacheadmin.models import InvalidationJob
from cacheadmin.web.job_progress import JobProgressConsumer


class InvalidationProgressConsumer(JobProgressConsumer):
    model = InvalidationJob

    def group_of(self, job_id: int) -> str:
        return progress_group(job_id)

    def state_of(self, job: InvalidationJob) -> dict:
        return job_json(job)
