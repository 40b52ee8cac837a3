"""A socket per invalidation job page: the job's state now, then its progress as the
worker pushes it through the channel layer, for as long as its user may see the job's
instance (read again every ACCESS_CHECK_SECONDS, as the live socket does)."""

import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from cacheadmin.invalidation.events import progress_group
from cacheadmin.invalidation.jobs import job_json
from cacheadmin.models import InvalidationJob
from cacheadmin.web import websockets
from cacheadmin.web.access import instance_for, reloaded

ACCESS_CHECK_SECONDS = websockets.ACCESS_CHECK_SECONDS  # a test makes it shorter


def _visible_job(job_id: int, user) -> InvalidationJob | None:
    """The job, when the user (as the database has them now) may see its instance (the
    check of its page); None for a job that is not there or not theirs to see."""
    job = InvalidationJob.objects.filter(id=job_id).first()
    return job if job and instance_for(reloaded(user), job.instance) else None


@database_sync_to_async
def current_state(job_id: int, user) -> dict | None:
    """The job as its page shows it, if the user may see it."""
    job = _visible_job(job_id, user)
    return job_json(job) if job else None


@database_sync_to_async
def still_visible(job_id: int, user) -> bool:
    return _visible_job(job_id, user) is not None


class JobProgressConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.job_id = int(self.scope["url_route"]["kwargs"]["job_id"])
        self.group = progress_group(self.job_id)
        state = await current_state(self.job_id, self.scope["user"])
        if state is None:
            await self.close(code=4404)
            return
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(state)
        self.guard = asyncio.ensure_future(self._keep_checking_access())

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "guard"):
            self.guard.cancel()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def job_progress(self, event: dict) -> None:
        await self.send_json(event["job"])

    async def _keep_checking_access(self) -> None:
        while True:
            await asyncio.sleep(ACCESS_CHECK_SECONDS)
            if not await still_visible(self.job_id, self.scope["user"]):
                await self.channel_layer.group_discard(self.group, self.channel_name)
                await self.close(code=websockets.ACCESS_ENDED)
                return
