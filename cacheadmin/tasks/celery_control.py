"""Celery's workers, asked the way Celery itself asks them: a broadcast on the broker's
pidbox exchange, answered by each worker within a timeout (`celery inspect`). The app
the dashboard builds for a broker reads JSON only (nothing is unpickled) and never
retries a connection: a broker that does not answer is a problem to show, at once."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from celery import Celery

from cacheadmin.gateways.redis_kinds.brokers import BrokerAddress

# What each worker is asked, in parallel: every question waits the whole timeout.
QUESTIONS = ("stats", "active", "active_queues", "reserved")
SHOWN_ACTIVE = 20  # active tasks listed per worker


def celery_app(broker: BrokerAddress, timeout: float) -> Celery:
    """A Celery app of ours on a broker, for one question or change: close it after
    (`with celery_app(...) as app`), so that no connection of ours outlives it (a
    connect costs little beside a broadcast's wait)."""
    app = Celery("cacheadmin", set_as_current=False)
    app.conf.update(
        broker_url=broker.url,
        broker_use_ssl=dict(broker.ssl) or None,
        broker_connection_timeout=timeout,
        broker_connection_retry=False,
        broker_connection_max_retries=0,
        broker_transport_options={
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
            "confirm_publish": True,  # AMQP: a message sent is one the broker took
        },
        accept_content=["json"],
        result_accept_content=["json"],
        task_serializer="json",
        worker_hijack_root_logger=False,
    )
    return app


def ask_workers(app: Celery, timeout: float) -> list[dict]:
    """Every worker that answered within the timeout, by name, with its queues, active
    tasks, reserved count, processed counts, pool and uptime. Raises the broker's
    connection errors (kombu's OperationalError, redis-py's, AMQP's)."""
    with ThreadPoolExecutor(len(QUESTIONS)) as pool:
        asked = {name: pool.submit(_ask, app, name, timeout) for name in QUESTIONS}
        answers = {name: future.result() or {} for name, future in asked.items()}
    names = sorted(set().union(*answers.values()))
    return [_worker(name, {key: answers[key].get(name) for key in QUESTIONS}) for name in names]


def _ask(app: Celery, question: str, timeout: float) -> dict | None:
    inspect = app.control.inspect(timeout=timeout)
    ask: Callable[[], dict | None] = getattr(inspect, question)
    return ask()


def _worker(name: str, said: dict) -> dict:
    stats = said["stats"] if isinstance(said["stats"], dict) else {}
    active = said["active"] if isinstance(said["active"], list) else []
    queues = said["active_queues"] if isinstance(said["active_queues"], list) else []
    reserved = said["reserved"] if isinstance(said["reserved"], list) else []
    processed = stats.get("total") if isinstance(stats.get("total"), dict) else {}
    pool = stats.get("pool") if isinstance(stats.get("pool"), dict) else {}
    return {
        "framework": "celery",
        "name": name,
        "state": "busy" if active else "idle",
        "queues": sorted(str(queue.get("name")) for queue in queues if isinstance(queue, dict)),
        "current_job": next(
            (str(task.get("id")) for task in active if isinstance(task, dict)), None
        ),
        "active": [_task(task) for task in active[:SHOWN_ACTIVE] if isinstance(task, dict)],
        "reserved": len(reserved),
        "processed": {str(task): count for task, count in processed.items()},
        "successful": None,
        "failed": None,
        "concurrency": pool.get("max-concurrency"),
        "pid": stats.get("pid"),
        "uptime": stats.get("uptime"),
        "hostname": name.partition("@")[2] or None,
        "last_heartbeat": None,
        "birth": _birth(stats.get("uptime")),
    }


def _task(task: dict) -> dict:
    started = task.get("time_start")
    return {
        "id": str(task.get("id")),
        "name": str(task.get("name")),
        "args": str(task.get("args"))[:200],
        "started_at": _at(started),
    }


def _at(seconds: object) -> str | None:
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
        return None
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat()


def _birth(uptime: object) -> str | None:
    if not isinstance(uptime, (int, float)) or isinstance(uptime, bool):
        return None
    return _at(datetime.now(UTC).timestamp() - uptime)


def revoke(app: Celery, task_id: str) -> None:
    """Tell every worker to discard the task when it comes (not to stop it if running)."""
    app.control.revoke(task_id)
