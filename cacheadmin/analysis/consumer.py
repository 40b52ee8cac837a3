"""A socket per analysis page: its progress as the worker pushes it (web.job_progress)."""

from cacheadmin.analysis.analysis_jobs import progress_group, progress_of
from cacheadmin.models import KeyspaceAnalysis
from cacheadmin.web.job_progress import JobProgressConsumer


class AnalysisProgressConsumer(JobProgressConsumer):
    model = KeyspaceAnalysis
    id_kwarg = "analysis_id"

    def group_of(self, analysis_id: int) -> str:
        return progress_group(analysis_id)

    def state_of(self, row: KeyspaceAnalysis) -> dict:
        return progress_of(row)
