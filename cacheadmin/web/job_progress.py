"""A socket per background job's page (an invalidation, an analysis): the job's state
now, then its progress as the worker pushes it through the channel layer, for as long
as its user may see the job's instance (read again every ACCESS_CHECK_SECONDS, as the
live socket does). And the worker's side: a push, at most every PROGRESS_EVERY
seconds a job, so a fast job does not flood browsers."""

import asyncio
import logging
import time

import redis
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.db.models import Model

from cacheadmin.web import websockets
from cacheadmin.web.access import instance_for, reloaded

log = logging.getLogger(__name__)

ACCESS_CHECK_SECONDS = websockets.ACCESS_CHECK_SECONDS  # a test makes it shorter
PROGRESS_EVERY = 0.25  # seconds between two progress messages of a job, at least


class ProgressThrottle:
    """When each job (by its group) last pushed its progress."""

    def __init__(self, every: float = PROGRESS_EVERY):
        self.every = every
        self._last: dict[str, float] = {}

    def due(self, group: str, *, final: bool) -> bool:
        now = time.monotonic()
        if final:
            self._last.pop(group, None)
            return True
        if now - self._last.get(group, 0.0) < self.every:
            return False
        self._last[group] = now
        return True


_throttle = ProgressThrottle()


def progress_push(group: str, state: dict, *, final: bool = False) -> None:
    """A job's state to the browsers watching it (its group); at most every
    PROGRESS_EVERY seconds, but always its end. A failure is logged, never raised."""
    if not _throttle.due(group, final=final):
        return
    message = {"type": "job.progress", "job": state}
    try:
        async_to_sync(get_channel_layer().group_send)(group, message)
    except (redis.RedisError, OSError) as exc:
        log.warning("%s: progress not pushed: %r", group, exc)


class JobProgressConsumer(AsyncJsonWebsocketConsumer):
    """A kind of job sets its model, the URL's name of its id, its group's name and
    its state as the page shows it."""

    model: type[Model]
    id_kwarg = "job_id"

    def group_of(self, job_id: int) -> str:
        raise NotImplementedError

    def state_of(self, job: Model) -> dict:
        raise NotImplementedError

    def _visible(self, job_id: int, user, *, whole: bool = False) -> Model | None:
        """The job, when the user (as the database has them now) may see its instance
        (the check of its page); None for a job that is not there or not theirs. Only
        its instance is read unless whole (an analysis' report is big)."""
        jobs = self.model.objects.filter(id=job_id)
        job = (jobs if whole else jobs.only("id", "instance")).first()
        return job if job and instance_for(reloaded(user), job.instance) else None

    async def connect(self) -> None:
        self.job_id = int(self.scope["url_route"]["kwargs"][self.id_kwarg])
        self.group = self.group_of(self.job_id)
        state = await database_sync_to_async(self._state_if_visible)()
        if state is None:
            await self.close(code=4404)
            return
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(state)
        self.guard = asyncio.ensure_future(self._keep_checking_access())

    def _state_if_visible(self) -> dict | None:
        job = self._visible(self.job_id, self.scope["user"], whole=True)
        return self.state_of(job) if job else None

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "guard"):
            self.guard.cancel()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def job_progress(self, event: dict) -> None:
        await self.send_json(event["job"])

    async def _keep_checking_access(self) -> None:
        still_visible = database_sync_to_async(self._visible)
        while True:
            await asyncio.sleep(ACCESS_CHECK_SECONDS)
            if not await still_visible(self.job_id, self.scope["user"]):
                await self.channel_layer.group_discard(self.group, self.channel_name)
                await self.close(code=websockets.ACCESS_ENDED)
                return
