"""Operators' changes to Celery tasks: send a failed task again (a new id, its parent
the old one) or revoke one, through the broker where the instance's Celery workers
listen; each audited. On a Redis broker a change is confirmed as every write of the
dashboard is: a Sentinel service's master, a replica's WAIT."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.dashboard_keys import write_mark_key
from cacheadmin.gateways.problems import BAD_REQUEST, NOT_FOUND, UNREACHABLE, Problem, reason_of
from cacheadmin.gateways.redis_kinds.brokers import BrokerAddress
from cacheadmin.gateways.service_calls import call_redis
from cacheadmin.tasks.celery_control import celery_app, revoke
from cacheadmin.tasks.celery_reads import BROKER_FAILURES, celery_brokers
from cacheadmin.tasks.celery_results import NotRetryable, Unreadable, send_again, task_meta
from cacheadmin.web.audit import audit_outcome

CHANGES = ("retry", "revoke")


def celery_task_change(
    *, user: AbstractBaseUser, instance: Instance, action: str, task_id: str
) -> tuple[str | None, Problem | None]:
    """Retry (the new task's id) or revoke (None) a task, audited whatever the outcome."""
    new_id, problem = celery_change(instance=instance, task_id=task_id, action=action)
    target = f"task {task_id}" + (f": sent again as {new_id}" if new_id else "")
    audit_outcome(
        user=user,
        instance=instance,
        action=f"tasks.{action}",
        target=target,
        problem=problem,
        count=1,
    )
    return new_id, problem


def _broker_for_changes(instance: Instance) -> tuple[str, BrokerAddress | None, Problem | None]:
    """The one broker of the instance where Celery's workers listen."""
    brokers, problems = celery_brokers(instance)
    if problems:
        return "", None, problems[0]
    if not brokers:
        message = (
            "No Celery worker's remote control is bound on this instance's Redis or RabbitMQ: "
            "the dashboard cannot tell which broker carries its tasks."
        )
        return "", None, Problem(BAD_REQUEST, message)
    where, broker = brokers[0]
    return where, broker, None


def celery_change(
    *, instance: Instance, task_id: str, action: str
) -> tuple[str | None, Problem | None]:
    """Send a failed task again (retry: its new id) or revoke one (None), through the
    broker its workers listen on; on a Redis broker the send is confirmed as every
    write of the dashboard is (a Sentinel's master, a replica's WAIT)."""
    where, broker, problem = _broker_for_changes(instance)
    if problem:
        return None, problem
    meta = None
    if action == "retry":
        meta, problem = call_redis(
            lambda space: task_meta(space.client, task_id), instance=instance
        )
        if problem:
            return None, problem
        if meta is None:
            return None, Problem(NOT_FOUND, f"The result backend has no task {task_id}.")
    with celery_app(broker, settings.CELERY_INSPECT_TIMEOUT) as app:
        return _change(app, instance, where, action, task_id, meta)


def _change(app, instance: Instance, where: str, action: str, task_id: str, meta: dict | None):
    def change() -> str | None:
        if action == "retry":
            return send_again(app, task_id, meta)
        revoke(app, task_id)
        return None

    try:
        if where != "Redis":
            return change(), None
        return call_redis(lambda space: _marked(space, change), instance=instance, write=True)
    except (NotRetryable, Unreadable) as exc:
        return None, Problem(BAD_REQUEST, str(exc))
    except BROKER_FAILURES as exc:
        return None, Problem(
            UNREACHABLE, f"Celery's broker ({where}) did not take it: {reason_of(exc)}"
        )


def _marked(space, change):
    """The change, then a write of ours on the same server: the guard's confirmation of
    ours (a replica's WAIT) covers the change made before it through Celery's client."""
    answer = change()
    space.client.set(write_mark_key(), b"1", px=1000)
    return answer
